/* stdio.h: formatting, and printing to the response body. */
#ifndef GLINT_STDIO_H
#define GLINT_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

/*
 * Conversions: %d %i %u %x %X %o %c %s %p %n-free %% %f %F %e %E %g %G,
 * flags "-+ #0", width and precision (also '*'), length modifiers hh h l ll
 * z j t. Floating point prints up to 19 exact significant digits.
 * There are no FILE streams: printf, puts and putchar append to the
 * response body (like glint_printf); the log is glint_log.
 */
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap) __attribute__((format(__printf__, 3, 0)));
int printf(const char *restrict fmt, ...)
	__attribute__((format(__printf__, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap)
	__attribute__((format(__printf__, 1, 0)));
int puts(const char *s); /* appends s and a newline */
int putchar(int c);

#endif /* GLINT_STDIO_H */
