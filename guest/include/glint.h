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
