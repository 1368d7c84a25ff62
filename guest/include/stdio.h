/* stdio.h: formatting, and stdout/stderr as the response body and the log. */
#ifndef GLINT_STDIO_H
#define GLINT_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

#define EOF (-1)
#define BUFSIZ 1024

/*
 * Conversions: %d %i %u %x %X %o %c %s %p %% %f %F %e %E %g %G (no %n, no
 * %a), flags "-+ #0", width and precision (also '*'), length modifiers hh h
 * l ll z j t L (long double is printed as double). Floating point prints up
 * to 19 exact significant digits.
 *
 * There are two streams and no files:
 * - stdout is the response body: printf, puts, putchar, fputs/fwrite/
 *   fprintf(stdout, ...) append to it, unbuffered (like glint_printf).
 * - stderr is the call's log: text is collected up to each newline and
 *   every line becomes one log line at level ERR (glint_log). A line longer
 *   than BUFSIZ bytes is split; an unfinished line is logged by fflush, by
 *   exit() and when the call ends.
 * fopen always fails with errno ENOSYS (there is no file system); every
 * other function given a FILE that is not stdout or stderr returns EOF.
 */
typedef struct glint_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;
#ifndef stdout
#define stdout stdout
#endif
#ifndef stderr
#define stderr stderr
#endif

int snprintf(char *__restrict buf, size_t size, const char *__restrict fmt, ...)
	__attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *__restrict buf, size_t size, const char *__restrict fmt,
	      va_list ap) __attribute__((format(__printf__, 3, 0)));
/* Unbounded: prefer snprintf. */
int sprintf(char *__restrict buf, const char *__restrict fmt, ...)
	__attribute__((format(__printf__, 2, 3)));
int vsprintf(char *__restrict buf, const char *__restrict fmt, va_list ap)
	__attribute__((format(__printf__, 2, 0)));
int printf(const char *__restrict fmt, ...)
	__attribute__((format(__printf__, 1, 2)));
int vprintf(const char *__restrict fmt, va_list ap)
	__attribute__((format(__printf__, 1, 0)));
int fprintf(FILE *__restrict f, const char *__restrict fmt, ...)
	__attribute__((format(__printf__, 2, 3)));
int vfprintf(FILE *__restrict f, const char *__restrict fmt, va_list ap)
	__attribute__((format(__printf__, 2, 0)));
int puts(const char *s); /* appends s and a newline */
int putchar(int c);
int fputs(const char *__restrict s, FILE *__restrict f);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *__restrict buf, size_t size, size_t nmemb,
	      FILE *__restrict f);
/* Logs stderr's unfinished line; stdout has no buffer. NULL flushes both. */
int fflush(FILE *f);
/* Writes "s: strerror(errno)" (or just the message) to stderr. */
void perror(const char *s);
/* Always NULL with errno ENOSYS: a guest has no files. */
FILE *fopen(const char *__restrict path, const char *__restrict mode);
int fclose(FILE *f); /* EOF for every stream */

/*
 * sscanf: conversions %d %i %u %o %x %X %c %s %[set] %[^set] %f %e %g %E %G
 * %a %p %n %%, '*' (assign nothing), a field width, length modifiers hh h l
 * ll j z t L. Numbers go through strtoll/strtoull/strtod (so %f reads hex
 * floats, inf and nan too). Returns the number of items assigned, or EOF
 * when the input ends before the first conversion.
 */
int sscanf(const char *__restrict s, const char *__restrict fmt, ...)
	__attribute__((format(__scanf__, 2, 3)));
int vsscanf(const char *__restrict s, const char *__restrict fmt, va_list ap)
	__attribute__((format(__scanf__, 2, 0)));

GLINT_END_DECLS

#endif /* GLINT_STDIO_H */
