/* fnlog.h: a function's recent log lines, kept in memory for GET /functions/<fn>/logs. */
#ifndef GLINT_FNLOG_H
#define GLINT_FNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/*
 * Each line carries its wall-clock time, level, request id and the version
 * of the function that logged it. The oldest lines go when the bytes kept
 * pass the cap, so a chatty function costs at most its cap. Lines are
 * numbered (seq, from 1, never reused), so a reader that follows the log
 * asks for what came after the last line it saw.
 *
 * Threads: fnlog_append from any thread (a worker running a call);
 * everything else from any thread as well (one mutex per log).
 */

struct fnlog;

/* cap_bytes: bytes of lines (text plus a small fixed cost each) kept. */
struct fnlog *fnlog_create(size_t cap_bytes); /* NULL: out of memory */
/* The owner lets go: the log is closed (no more lines) and freed once the
 * last reader's reference goes. NULL ok. */
void fnlog_destroy(struct fnlog *l);
/* A reader's reference (a follower's), so that it can send the last lines
 * of a function that went away; fnlog_closed says it did. */
struct fnlog *fnlog_ref(struct fnlog *l);
void fnlog_unref(struct fnlog *l); /* NULL ok */
int fnlog_closed(struct fnlog *l);

/* text: printable bytes, no newline (the guest log sanitiser's output),
 * cut at FNLOG_LINE_MAX. */
#define FNLOG_LINE_MAX 1024
void fnlog_append(struct fnlog *l, enum log_level level, uint64_t request_id,
		  uint32_t version, const char *text, size_t len);

struct fnlog_filter {
	int64_t since_ms;     /* lines at or after this Unix time (ms); 0 all */
	enum log_level level; /* lines at this level or more severe */
	uint64_t
		request_id; /* only this request's lines, when has_request_id */
	int has_request_id;
	uint64_t after_seq; /* lines numbered after this */
};

/* The lines that pass f, oldest first, each formatted as
 *   2026-01-02T03:04:05.678Z error request_id=00000000000000ab version=3 text
 * and ended by '\n', appended to a malloc'd buffer of at most max bytes
 * (whole lines only). *last_seq: the number of the last line looked at
 * (pass it as after_seq to read on). Returns 0 or -ENOMEM. */
int fnlog_read(struct fnlog *l, const struct fnlog_filter *f, size_t max,
	       char **out, size_t *len_out, uint64_t *last_seq);

/* The number of the newest line (0 when none was ever appended). */
uint64_t fnlog_last_seq(struct fnlog *l);

#endif /* GLINT_FNLOG_H */
