/* log.h: level-filtered one-line logging to stderr, shared by every daemon module. */
#ifndef GLINT_LOG_H
#define GLINT_LOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Usage: log_msg(LOG_LEVEL_INFO, "deployed %s", name);
 *
 * Each call writes exactly one line to stderr with a single write(2), so
 * lines from different threads never interleave. Any thread may call any
 * function here; the level is an atomic. A trailing newline in fmt is not
 * needed (one is added); embedded control characters are escaped so one
 * message is always one line. When stderr is the journal each line starts
 * with its syslog priority ("<3>error: ...") instead of a timestamp, so
 * `journalctl -p err` finds the errors.
 */

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/* Messages above this level are dropped; the default is LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* 1 when a message at level would be written (to skip costly formatting). */
int log_enabled(enum log_level level);

/* "error", "warn", "info", "debug" -> level; -EINVAL otherwise. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/* "<3>" .. "<7>", the syslog priority prefix journald reads (sd-daemon(3)),
 * when stderr is the journal (JOURNAL_STREAM names it); "" otherwise.
 * log_msg adds it itself; for lines written to stderr by other means. */
const char *log_stream_prefix(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The level of a guest line from its syslog priority (0-7, as the guest
 * SDK's glint_log takes it): emerg..err -> error, warning -> warn,
 * notice and info -> info, debug -> debug. */
enum log_level log_level_from_syslog(int priority);

/* One line a guest logged during request request_id of function fn, at the
 * guest's own level. The line is untrusted bytes (not NUL-terminated):
 * non-printable bytes are escaped as \xNN and it is cut at 1 KiB. */
void log_guest(enum log_level level, uint64_t request_id, const char *fn,
	       const char *line, size_t len);

/* For callers that batch guest lines into one write (to bound how often a
 * chatty guest makes the daemon write): log_format_guest formats what
 * log_guest would write, newline included, into dst (LOG_FORMAT_MAX bytes)
 * and returns its length; log_write_lines writes whole formatted lines
 * with one write(2). The caller checks log_enabled(level). */
#define LOG_FORMAT_MAX (2048 + 128)
size_t log_format_guest(char *dst, enum log_level level, uint64_t request_id,
			const char *fn, const char *line, size_t len);
void log_write_lines(const char *buf, size_t len);

#endif /* GLINT_LOG_H */
