/* stdio.c: stdout (the response body) and stderr (the log, one line per line). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "glint.h"
#include "internal.h"

struct glint_file {
	int fd;
};

static const struct glint_file out_file = {1}, err_file = {2};
FILE *const stdout = (FILE *)&out_file;
FILE *const stderr = (FILE *)&err_file;

/*
 * stderr's unfinished line. In .bss, so only a function that writes to
 * stderr dirties its page; the snapshot restores it between calls.
 */
static struct {
	size_t len;
	char buf[BUFSIZ];
} err_line;

static void log_pending(void)
{
	if (err_line.len == 0)
		return;
	glint_log(GLINT_LOG_ERR, "%.*s", (int)err_line.len, err_line.buf);
	err_line.len = 0;
}

static void err_write(const char *s, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(s, '\n', len);
		size_t take = nl ? (size_t)(nl - s) : len;
		size_t room = sizeof(err_line.buf) - err_line.len;

		if (take > room)
			take = room;
		memcpy(err_line.buf + err_line.len, s, take);
		err_line.len += take;
		glint__at_call_end = log_pending;
		s += take;
		len -= take;
		if (len > 0 && *s == '\n') {
			s++;
			len--;
			if (err_line.len == 0)
				glint_log(GLINT_LOG_ERR, "%s", "");
			log_pending();
		} else if (err_line.len == sizeof(err_line.buf)) {
			log_pending();
		}
	}
}

static int stream_write(FILE *f, const char *s, size_t len)
{
	if (f == stdout)
		glint_write(s, len);
	else if (f == stderr)
		err_write(s, len);
	else
		return EOF;
	return 0;
}

static void stream_sink(void *ctx, const char *buf, size_t len)
{
	stream_write(ctx, buf, len);
}

int vfprintf(FILE *__restrict f, const char *__restrict fmt, va_list ap)
{
	if (f != stdout && f != stderr)
		return EOF;
	return glint__vformat(stream_sink, f, fmt, ap);
}

int fprintf(FILE *__restrict f, const char *__restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *__restrict fmt, va_list ap)
{
	return glint_vprintf(fmt, ap);
}

int printf(const char *__restrict fmt, ...)
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

int fputs(const char *__restrict s, FILE *__restrict f)
{
	return stream_write(f, s, strlen(s)) == 0 ? 1 : EOF;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	return stream_write(f, &ch, 1) == 0 ? (unsigned char)ch : EOF;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

size_t fwrite(const void *__restrict buf, size_t size, size_t nmemb,
	      FILE *__restrict f)
{
	if (size == 0 || nmemb == 0)
		return 0;
	if (nmemb > (size_t)-1 / size)
		return 0;
	return stream_write(f, buf, size * nmemb) == 0 ? nmemb : 0;
}

int fflush(FILE *f)
{
	if (f == NULL || f == stderr)
		log_pending();
	else if (f != stdout)
		return EOF;
	return 0;
}

void perror(const char *s)
{
	const char *msg = strerror(errno);

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

FILE *fopen(const char *__restrict path, const char *__restrict mode)
{
	(void)path;
	(void)mode;
	errno = ENOSYS;
	return NULL;
}

int fclose(FILE *f)
{
	(void)f;
	return EOF;
}
