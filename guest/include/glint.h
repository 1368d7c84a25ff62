/* glint.h: the API a glint function is written against (guest side). */
#ifndef GLINT_H
#define GLINT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* glint_abi.h is C11; in C++ its layout checks use static_assert. */
#if defined(__cplusplus) && !defined(_Static_assert)
#define _Static_assert static_assert
#include "glint_abi.h"
#undef _Static_assert
#else
#include "glint_abi.h"
#endif
#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

/*
 * A glint function is a freestanding C program with no main(). It defines
 *
 *     void glint_handle(const char *input, size_t input_len);
 *
 * and optionally
 *
 *     void glint_init(void);
 *
 * glint_init runs once, when the function's VM boots. Everything it leaves
 * in memory (globals, heap) is captured in a snapshot, and every call starts
 * from exactly that snapshot: calls never see each other's changes, and
 * expensive set-up done in glint_init is paid once, not per call.
 *
 * glint_handle runs once per call. input points at the request body (not
 * NUL-terminated, read-only). What the handler writes with glint_write(),
 * glint_printf() (or printf/puts) becomes the response body. Returning
 * normally means success; glint_fail() ends the call with an error message
 * instead, and glint_abort() ends it as a crash.
 *
 * Everything here is single-threaded: a VM has one vCPU and no interrupts.
 */

/* ---- the function's entry points (defined by the function) ----------- */

void glint_handle(const char *input, size_t input_len);
void glint_init(void); /* optional */

/* ---- output ------------------------------------------------------------ */

/* Appends bytes to the response body. Output beyond the host's output area
 * is not stored, but counted: the call then fails with "output too large"
 * (the host knows the size that was asked for). */
void glint_write(const void *buf, size_t len);
void glint_write_str(const char *s);
/* printf-style append to the response body; returns the bytes formatted. */
int glint_printf(const char *fmt, ...)
	__attribute__((format(__printf__, 1, 2)));
int glint_vprintf(const char *fmt, va_list ap)
	__attribute__((format(__printf__, 1, 0)));
/* Bytes appended so far in this call (may exceed the output area). */
size_t glint_output_len(void);
/* Forgets everything written so far in this call. */
void glint_output_reset(void);
/* Sets the response's content type, e.g. "text/plain; charset=utf-8".
 * The default (or NULL/"") is application/json. Longer names are cut to
 * 63 bytes. */
void glint_set_content_type(const char *content_type);

/* ---- the request -------------------------------------------------------
 *
 * Zero-copy views of the read-only request area (see glint_abi.h). Every
 * string is NUL-terminated and stays valid until the call ends; outside a
 * call (in glint_init) the readers return "" (NULL for lookups, 0 for
 * counts). glint_handle's arguments are the body, as before. */

const char *glint_request_method(void);	      /* "GET", "POST", ... */
const char *glint_request_path(void);	      /* after /invoke/<fn>, decoded */
const char *glint_request_path_raw(void);     /* as received */
const char *glint_request_query_string(void); /* raw, without '?' */
/* First query parameter called name (exact match, decoded), or NULL. */
const char *glint_request_query(const char *name);
/* First request header called name (case-insensitive), or NULL. */
const char *glint_request_header(const char *name);
/* Iteration in arrival order: 0 and the i-th entry, -1 past the end. */
size_t glint_request_header_count(void);
int glint_request_header_at(size_t i, const char **name, const char **value);
size_t glint_request_query_count(void);
int glint_request_query_at(size_t i, const char **name, const char **value);
const char *glint_request_client_addr(void);
unsigned glint_request_client_port(void);
const char *glint_request_scheme(void); /* "http" or "https" */
const char *glint_request_id(void);
const void *glint_request_body(size_t *len);

/* ---- the response head ---------------------------------------------------
 *
 * glint_set_status: 100-599 except 101; 0 and the call answers with it,
 * -1 (errno EINVAL) otherwise. Not setting one answers 200.
 * glint_add_header adds a header (repeats allowed); glint_set_header
 * replaces every header of that name. Both return 0, or -1 with errno
 * EINVAL (empty name, outside a call) or E2BIG (more than
 * GLINT_RESP_HEADERS_MAX headers or the 32 KiB area is full: the call
 * then ends with an error naming the limit). glintd checks names and
 * values when the call ends: a name that is not an RFC 9110 token, a
 * value with CR, LF or NUL, or a framing header (Connection,
 * Transfer-Encoding, Content-Length, Upgrade, Keep-Alive, TE, Trailer)
 * turns the call into a guest_protocol_error naming the header. A
 * Content-Type header wins over glint_set_content_type. */
int glint_set_status(int status);
int glint_set_header(const char *name, const char *value);
int glint_add_header(const char *name, const char *value);

/* ---- environment and secrets ---------------------------------------------
 *
 * getenv (stdlib.h) reads the function's environment; glint_secret reads
 * its secrets, which getenv does not see. Both are read-only, set at
 * deploy time (a change re-initialises the function), and valid in
 * glint_init too. NULL when not set. */
const char *glint_secret(const char *name);

/* ---- ending a call ----------------------------------------------------- */

/* Ends the call as a function error: the output is replaced by the
 * formatted message, which the client receives as the error text. Called
 * from glint_init, it ends the boot like glint_abort. */
__attribute__((noreturn, format(__printf__, 1, 2))) void
glint_fail(const char *fmt, ...);

/* Ends the call (or the init) as a crash, with a message for the operator.
 * For broken invariants; use glint_fail for bad input. */
__attribute__((noreturn, format(__printf__, 1, 2))) void
glint_abort(const char *fmt, ...);

/* ---- logging ----------------------------------------------------------- */

/* Levels are syslog's. */
enum glint_log_level {
	GLINT_LOG_ERR = 3,
	GLINT_LOG_WARNING = 4,
	GLINT_LOG_NOTICE = 5,
	GLINT_LOG_INFO = 6,
	GLINT_LOG_DEBUG = 7,
};

/* Appends one line to the call's log (the host forwards it with the call
 * id). Lines are at most 1 KiB; newlines inside a line become spaces. The
 * log holds 16 KiB per call: when it is full, lines are dropped and
 * counted, never blocking. Logging never leaves the VM, so it is cheap. */
void glint_log(int level, const char *fmt, ...)
	__attribute__((format(__printf__, 2, 3)));
void glint_vlog(int level, const char *fmt, va_list ap)
	__attribute__((format(__printf__, 2, 0)));

#define glint_log_error(...) glint_log(GLINT_LOG_ERR, __VA_ARGS__)
#define glint_log_warn(...) glint_log(GLINT_LOG_WARNING, __VA_ARGS__)
#define glint_log_info(...) glint_log(GLINT_LOG_INFO, __VA_ARGS__)
#define glint_log_debug(...) glint_log(GLINT_LOG_DEBUG, __VA_ARGS__)

/* ---- about the call ---------------------------------------------------- */

/* The host's id of this call (0 during init); it tags the call's logs. */
uint64_t glint_call_id(void);
/* Wall clock (CLOCK_REALTIME, ns since the epoch) when the call started. */
int64_t glint_wall_ns(void);
/* Wall-clock deadline of the call in ns, or 0 when it has none. */
int64_t glint_deadline_ns(void);
/* Random numbers seeded freshly by the host for every call (never the same
 * in two calls, even though memory is restored between them). Not for
 * secrets beyond the call's lifetime; good for ids, sampling, shuffles. */
uint64_t glint_random_u64(void);
/* Uniform in [0, bound); bound 0 returns 0. */
uint64_t glint_random_below(uint64_t bound);
/* CPU time-stamp counter: cheap, monotonic, for measuring durations. */
static inline uint64_t glint_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* ---- host calls -------------------------------------------------------- */

/* Asks the host to perform op (enum glint_hostcall_op in glint_abi.h) with
 * the request record req (req_len bytes); the host writes at most resp_cap
 * bytes of answer to resp. Returns the bytes written (>= 0) or a negative
 * enum glint_error the function can handle (GLINT_E_LIMIT when a per-call
 * limit is reached). The call may wait here (the VM is parked; the
 * deadline keeps running). An unknown op, a buffer the function could not
 * read or write itself, or a malformed request ends the call as a
 * protocol error instead. Only during glint_handle, not glint_init. */
long glint_hostcall(unsigned op, const void *req, size_t req_len, void *resp,
		    size_t resp_cap);
/* Parks the call for ms milliseconds (0..GLINT_SLEEP_MAX_MS) without
 * holding a host thread: the host-call test operation. 0 or a negative
 * enum glint_error. */
int glint_sleep_ms(uint32_t ms);

/* ---- key-value state ------------------------------------------------------
 *
 * Each function has its own store (no function can name another's keys),
 * durable across calls, restarts and redeploys. Keys are any bytes,
 * 1..512 by default (kv_max_key_bytes), values at most 1 MiB
 * (kv_max_value_bytes). Every function returns a negative enum
 * glint_error on failure (glint_abi.h): GLINT_E_NOTFOUND,
 * GLINT_E_TOOLARGE (key or value over the limit), GLINT_E_INVALID (empty
 * key, bad ttl or page size), GLINT_E_NOSPACE (store full),
 * GLINT_E_UNAVAIL (store unreachable: a write may or may not have
 * happened), GLINT_E_LIMIT (per-call host-call limits). Each call parks
 * the VM while the store answers; only during glint_handle. */

/* Copies the value of key into val (cap bytes). Returns its length, or
 * GLINT_E_NOTFOUND, or GLINT_E_TOOBIG when cap is too small (nothing is
 * copied). */
long glint_kv_get(const void *key, size_t klen, void *val, size_t cap);
/* Stores val under key; ttl_ms 0 = no expiry, else it expires ttl_ms
 * later (at most ten years). 0 once it is on stable storage. */
int glint_kv_set(const void *key, size_t klen, const void *val, size_t vlen,
		 uint64_t ttl_ms);
/* 0, or GLINT_E_NOTFOUND. */
int glint_kv_delete(const void *key, size_t klen);
/* Adds delta to the decimal integer stored at key (absent = 0), keeping
 * its expiry; *out (may be NULL) gets the new value. GLINT_E_RANGE when
 * the value is not a decimal int64 or the sum would overflow. */
int glint_kv_incr(const void *key, size_t klen, int64_t delta, int64_t *out);
/* Sets key to val (no expiry) only if its value is expect (elen bytes),
 * or, with expect NULL, only if key is absent. 0 when swapped,
 * GLINT_E_CONFLICT when the current value differed. */
int glint_kv_cas(const void *key, size_t klen, const void *expect, size_t elen,
		 const void *val, size_t vlen);

/* One page of a listing; read it with glint_kv_page_next. Points into the
 * buffer given to glint_kv_list. */
struct glint_kv_page {
	uint32_t nkeys;
	const uint8_t *cursor; /* pass to the next glint_kv_list */
	size_t cursor_len;     /* 0: the listing is complete */
	const uint8_t *next_, *end_;
};
/* Keys beginning with prefix (plen 0: all), limit (1..1000) a page, into
 * buf (cap bytes, which the page points into). Start with cursor NULL;
 * pass page->cursor of the previous page until cursor_len is 0. With the
 * redis backend a page may hold more or fewer keys than limit, or repeat
 * one. 0, or GLINT_E_TOOBIG when the page does not fit cap (ask fewer). */
int glint_kv_list(const void *prefix, size_t plen, const void *cursor,
		  size_t clen, unsigned limit, void *buf, size_t cap,
		  struct glint_kv_page *page);
/* The next key of page: 1 with key/klen (not NUL-terminated), 0 at the
 * end. */
int glint_kv_page_next(struct glint_kv_page *page, const void **key,
		       size_t *klen);

/* ---- outbound HTTP ----------------------------------------------------------
 *
 * A function may reach only the URL prefixes its deploy setting
 * allow_fetch lists (glint deploy --allow-fetch PREFIX); everything else,
 * and loopback, private and link-local addresses unless an entry names
 * them, is GLINT_E_DENIED, as is a redirect to such a place. */
struct glint_http_header {
	const char *name, *value; /* NUL-terminated */
};

struct glint_fetch {
	/* request, set by the caller */
	const char *method; /* NULL or "" = GET */
	const char *url;
	const struct glint_http_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	uint32_t timeout_ms;	/* 0: the rest of the call's deadline */
	uint32_t max_redirects; /* 0: a 3xx is the answer; at most 10 */
	void *resp_buf;		/* the answer's headers and body go here */
	size_t resp_cap;
	/* response, set by glint_http_fetch; pointers into resp_buf */
	int status;
	size_t resp_nheaders;
	const char *resp_headers; /* "name\0value\0"... as received */
	size_t resp_headers_len;
	const uint8_t *resp_body;
	size_t resp_body_len;
};

/* Sends the request and waits for the whole answer (the VM is parked; the
 * call's deadline keeps running). 0 with the response fields set (any
 * HTTP status), or GLINT_E_DENIED, GLINT_E_INVALID (bad URL, method or
 * header), GLINT_E_TOOLARGE (over the host's request or response caps),
 * GLINT_E_TOOBIG (the answer does not fit resp_cap: 16 bytes plus
 * headers plus body), GLINT_E_TIMEOUT, GLINT_E_NETWORK, GLINT_E_UNAVAIL,
 * GLINT_E_LIMIT (fetches_per_call or the byte limits). */
int glint_http_fetch(struct glint_fetch *f);
/* The value of the first response header called name (any case), or
 * NULL. */
const char *glint_fetch_header(const struct glint_fetch *f, const char *name);

/* ---- digests ------------------------------------------------------------
 *
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), e.g. to check a
 * webhook's signature, and a comparison whose time does not depend on the
 * bytes compared. No allocation; any length, including 0. */
#define GLINT_SHA256_BYTES 32

void glint_sha256(const void *data, size_t len,
		  unsigned char out[GLINT_SHA256_BYTES]);
void glint_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, unsigned char out[GLINT_SHA256_BYTES]);
/* 1 when a[0..len) and b[0..len) are equal, else 0, in a time that depends
 * only on len: compare a computed MAC with a given one with this, never
 * memcmp, so that a caller cannot learn a valid MAC byte by byte. */
int glint_timingsafe_eq(const void *a, const void *b, size_t len);

/* ---- memory ------------------------------------------------------------ */

/* The heap the host gave this VM (malloc draws from it). */
void glint_heap_range(uintptr_t *start, size_t *len_bytes);

GLINT_END_DECLS

#endif /* GLINT_H */
