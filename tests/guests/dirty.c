/* dirty.c: test guest: writes one byte in each of N distinct pages (N <= 1024). */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>

/* Used by the restore benchmark: the input (decimal N) sets how many pages
 * one call dirties. The pages are in .bss, so they exist in every VM. */

#define PAGES 1024
#define PAGE 4096

static unsigned char pages[PAGES][PAGE] __attribute__((aligned(PAGE)));

void glint_handle(const char *input, size_t input_len)
{
	char buf[16];
	size_t len = input_len < sizeof(buf) - 1 ? input_len : sizeof(buf) - 1;
	char *end;
	long n;

	for (size_t i = 0; i < len; i++)
		buf[i] = input[i];
	buf[len] = '\0';
	n = strtol(buf, &end, 10);
	if (end == buf || n < 0 || n > PAGES)
		glint_fail("input must be a page count from 0 to %d", PAGES);
	for (long i = 0; i < n; i++)
		pages[i][(size_t)i % PAGE] ^= 1;
	glint_set_content_type("text/plain");
	printf("%ld", n);
}
