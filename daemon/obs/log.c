/* log.c: one-line stderr logging with a global, atomically read level. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

#define LOG_LINE_MAX 2048
#define LOG_GUEST_MAX 1024

static int log_level_cur = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level_cur, (int)level, __ATOMIC_RELAXED);
}

enum log_level log_get_level(void)
{
	return (enum log_level)__atomic_load_n(&log_level_cur,
					       __ATOMIC_RELAXED);
}

int log_enabled(enum log_level level)
{
	return (int)level <= __atomic_load_n(&log_level_cur, __ATOMIC_RELAXED);
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

/* Control characters would let one message forge further log lines. */
static size_t escape_into(char *dst, size_t cap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		if (text_is_safe(c)) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	return o;
}

static void write_line(enum log_level level, const char *msg, size_t len)
{
	char line[LOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;
	size_t o;
	ssize_t w;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	o = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	o += (size_t)snprintf(line + o, sizeof(line) - o,
			      ".%03ldZ %s: ", ts.tv_nsec / 1000000L,
			      log_level_name(level));
	o += escape_into(line + o, sizeof(line) - o - 1, msg, len);
	line[o++] = '\n';
	/* One write per line; a short write to stderr is not worth retrying. */
	w = write(STDERR_FILENO, line, o);
	(void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;
	int n;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	write_line(level, msg, (size_t)n);
}

void log_guest(enum log_level level, uint64_t request_id, const char *fn,
	       const char *line, size_t len)
{
	char esc[LOG_GUEST_MAX * 4 + 1];
	size_t n;

	if (!log_enabled(level))
		return;
	if (len > LOG_GUEST_MAX)
		len = LOG_GUEST_MAX;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	n = escape_into(esc, sizeof(esc), line, len);
	esc[n] = '\0';
	log_msg(level, "request_id=%016" PRIx64 " function=%s guest: %s",
		request_id, fn, esc);
}
