/* log.c: one-line stderr logging with a global, atomically read level. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

#define LOG_LINE_MAX 2048
#define LOG_GUEST_MAX 1024
_Static_assert(LOG_FORMAT_MAX >= LOG_LINE_MAX + 128, "room for the prefix");

static int log_level_cur = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* syslog priorities (err, warning, info, debug) as sd-daemon(3) prefixes. */
static const char *const journal_prefixes[] = {"<3>", "<4>", "<6>", "<7>"};

/* -1: not yet checked; 0: stderr is not the journal; 1: it is. */
static int to_journal = -1;

/*
 * systemd.exec(5): JOURNAL_STREAM is "DEV:INODE" of the stream it connected
 * stderr to. Comparing with stderr itself tells a redirected stderr (say
 * `glintd 2>file` in a unit's shell) from the journal, where a priority
 * prefix would be noise.
 */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

const char *log_stream_prefix(enum log_level level)
{
	int j = __atomic_load_n(&to_journal, __ATOMIC_RELAXED);

	if (j < 0) {
		/* Racing first callers compute the same answer. */
		j = stderr_is_journal();
		__atomic_store_n(&to_journal, j, __ATOMIC_RELAXED);
	}
	if (!j || (unsigned)level >= sizeof(journal_prefixes) /
					     sizeof(journal_prefixes[0]))
		return "";
	return journal_prefixes[level];
}

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

/* The whole line, newline included, into line (LOG_FORMAT_MAX bytes). */
static size_t format_line(char *line, enum log_level level, const char *msg,
			  size_t len)
{
	const char *prefix = log_stream_prefix(level);
	struct timespec ts;
	struct tm tm;
	size_t o;

	if (prefix[0]) {
		/* The journal stamps each line itself. */
		o = (size_t)snprintf(line, LOG_FORMAT_MAX, "%s%s: ", prefix,
				     log_level_name(level));
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		o = strftime(line, LOG_FORMAT_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
		o += (size_t)snprintf(line + o, LOG_FORMAT_MAX - o,
				      ".%03ldZ %s: ", ts.tv_nsec / 1000000L,
				      log_level_name(level));
	}
	o += escape_into(line + o, LOG_FORMAT_MAX - o - 1, msg, len);
	line[o++] = '\n';
	return o;
}

void log_write_lines(const char *buf, size_t len)
{
	/* One write per batch of whole lines; a short write to stderr is
	 * not worth retrying. */
	ssize_t w = write(STDERR_FILENO, buf, len);

	(void)w;
}

static void write_line(enum log_level level, const char *msg, size_t len)
{
	char line[LOG_FORMAT_MAX];

	log_write_lines(line, format_line(line, level, msg, len));
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

enum log_level log_level_from_syslog(int priority)
{
	if (priority <= 3)
		return LOG_LEVEL_ERROR;
	if (priority == 4)
		return LOG_LEVEL_WARN;
	if (priority <= 6)
		return LOG_LEVEL_INFO;
	return LOG_LEVEL_DEBUG;
}

size_t log_format_guest(char *dst, enum log_level level, uint64_t request_id,
			const char *fn, const char *line, size_t len)
{
	char esc[LOG_GUEST_MAX * 4 + 1], msg[LOG_LINE_MAX];
	size_t n;
	int m;

	if (len > LOG_GUEST_MAX)
		len = LOG_GUEST_MAX;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	n = escape_into(esc, sizeof(esc), line, len);
	esc[n] = '\0';
	m = snprintf(msg, sizeof(msg),
		     "request_id=%016" PRIx64 " function=%s guest: %s",
		     request_id, fn, esc);
	if (m < 0)
		return 0;
	if ((size_t)m >= sizeof(msg))
		m = sizeof(msg) - 1;
	return format_line(dst, level, msg, (size_t)m);
}

void log_guest(enum log_level level, uint64_t request_id, const char *fn,
	       const char *line, size_t len)
{
	char out[LOG_FORMAT_MAX];

	if (!log_enabled(level))
		return;
	log_write_lines(
		out, log_format_guest(out, level, request_id, fn, line, len));
}
