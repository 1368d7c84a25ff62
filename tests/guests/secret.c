/* secret.c: test guest: stores a secret, then looks for it in a later call. */
#include <glint.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * "write:<s>" stores "SECRET:<s>" in a malloc'd block and in a static
 * buffer and answers "stored". "read" scans the whole heap, data and bss
 * for the marker and answers "found:<s>" or "not found". Because every
 * call starts from the snapshot, a read after a write must say
 * "not found": nothing of one call is visible to the next.
 */

#define MARK "SECRET:"
#define MARK_LEN 7

static char stash[256];
extern char glint_image_start[], glint_image_end[];

/* Finds the marker in [lo, hi), skipping the copy in our own rodata. */
static const char *scan(const char *lo, const char *hi)
{
	static const char mark[] = MARK;

	for (const char *p = lo; p + MARK_LEN + 1 <= hi; p++) {
		if (p == mark)
			continue;
		if (p[0] == 'S' && memcmp(p, mark, MARK_LEN) == 0 &&
		    p[MARK_LEN] != '\0')
			return p;
	}
	return NULL;
}

static void write_secret(const char *s, size_t len)
{
	char *block;

	if (len + MARK_LEN >= sizeof(stash))
		glint_fail("secret too long");
	block = malloc(len + MARK_LEN + 1);
	if (block == NULL)
		glint_fail("out of memory");
	memcpy(block, MARK, MARK_LEN);
	memcpy(block + MARK_LEN, s, len);
	block[MARK_LEN + len] = '\0';
	memcpy(stash, block, len + MARK_LEN + 1);
	glint_write_str("stored");
}

static void read_secret(void)
{
	uintptr_t heap;
	size_t heap_len;
	const char *hit;

	glint_heap_range(&heap, &heap_len);
	hit = scan(glint_image_start, glint_image_end);
	if (hit == NULL)
		hit = scan((const char *)heap, (const char *)heap + heap_len);
	if (hit == NULL) {
		glint_write_str("not found");
		return;
	}
	glint_write_str("found:");
	glint_write(hit + MARK_LEN, strnlen(hit + MARK_LEN, 200));
}

void glint_handle(const char *input, size_t input_len)
{
	glint_set_content_type("text/plain");
	if (input_len >= 6 && memcmp(input, "write:", 6) == 0)
		write_secret(input + 6, input_len - 6);
	else if (input_len == 4 && memcmp(input, "read", 4) == 0)
		read_secret();
	else
		glint_fail("expected \"write:<secret>\" or \"read\"");
}
