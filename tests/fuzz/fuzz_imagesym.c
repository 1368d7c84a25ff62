/* fuzz_imagesym.c: fuzz target for image_syms_parse, with the DWARF line tables it reads through libdw (tests/fuzz/local.mk). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imageline.h"
#include "imagesym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A "file:line" as imagesym.h promises: a printable basename of at most
 * IMAGELINE_FILE_MAX bytes, ':', a line number > 0. */
static int line_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0;

	if (n == 0 || n > IMAGELINE_FILE_MAX || !colon[1] || colon[1] == '0')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '/')
			return 0;
	for (const char *d = colon + 1; *d; d++)
		if (*d < '0' || *d > '9')
			return 0;
	return 1;
}

/* Any input: 0 or -EINVAL, bounded tables, and lookups anywhere in the
 * image's usual range give -ENOENT or a well-formed answer. Anything else
 * is a bug, reported by abort(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char where[IMAGESYM_NAME_MAX + 32], line[IMAGESYM_LINE_CAP];
	struct image_syms *s;
	int rc = image_syms_parse(data, size, &s);

	if (rc == -EINVAL) {
		if (s != NULL)
			abort();
		return 0;
	}
	if (rc != 0 || image_syms_count(s) > IMAGESYM_MAX_SYMBOLS ||
	    image_syms_line_count(s) > IMAGELINE_MAX_ROWS)
		abort();
	for (uint64_t a = 0x10000; a < 0x10000 + 0x2000; a++) {
		if (image_syms_describe(s, a, where, sizeof(where)) == 0 &&
		    strlen(where) == 0)
			abort();
		rc = image_syms_line(s, a, line, sizeof(line));
		if (rc != 0 && rc != -ENOENT)
			abort();
		if (rc == 0 && !line_ok(line))
			abort();
	}
	image_syms_free(s);
	return 0;
}
