/* spin.c: test guest: busy-loops for the given number of iterations. */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>

void glint_handle(const char *input, size_t input_len)
{
	char buf[24];
	size_t len = input_len < sizeof(buf) - 1 ? input_len : sizeof(buf) - 1;
	unsigned long long n, i;

	for (size_t k = 0; k < len; k++)
		buf[k] = input[k];
	buf[len] = '\0';
	n = strtoull(buf, NULL, 10);
	for (i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory"); /* not optimised away */
	glint_set_content_type("text/plain");
	printf("%llu", i);
}
