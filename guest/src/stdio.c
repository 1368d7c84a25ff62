/* stdio.c: printf, puts and putchar append to the response body. */
#include <stdio.h>
#include <string.h>

#include "glint.h"

int vprintf(const char *restrict fmt, va_list ap)
{
	return glint_vprintf(fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = glint_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	glint_write_str(s);
	glint_write("\n", 1);
	return 1;
}

int putchar(int c)
{
	char ch = (char)c;

	glint_write(&ch, 1);
	return (unsigned char)ch;
}
