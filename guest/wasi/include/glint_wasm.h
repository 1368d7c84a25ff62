/* glint_wasm.h: glint's host calls (KV, outbound HTTP) for WASI modules.
 *
 * For C built with wasi-libc (clang --target=wasm32-wasi); any language
 * can import the same functions from the Wasm import module "glint". The
 * module must export its linear memory as "memory" (wasi-libc does).
 *
 * Every pointer is an address in the module's linear memory and every
 * length a byte count. A pointer and length that do not lie inside linear
 * memory end the call with the error "wasm trap: out of bounds memory
 * access: glint.NAME ARG [PTR, +LEN) is outside linear memory (N bytes)",
 * as a load past the end would; the VM is restored and the next call runs
 * normally. Results are those of the C SDK (glint.h): 0 or a length on
 * success, else a negative code below. The calls are valid only while a
 * request is handled (after the first read of standard input), and the
 * deploy settings apply as for native functions (allow_fetch for
 * http_fetch; the per-call host-call limits).
 */
#ifndef GLINT_WASM_H
#define GLINT_WASM_H

#include <stddef.h>
#include <stdint.h>

/* The negative results, the same numbers as enum glint_error. */
#define GLINT_WASM_E_LIMIT (-1)	    /* a per-call host-call limit */
#define GLINT_WASM_E_INVALID (-2)   /* a request the host refuses */
#define GLINT_WASM_E_TOOBIG (-3)    /* the answer does not fit a buffer */
#define GLINT_WASM_E_UNAVAIL (-4)   /* the store or service failed */
#define GLINT_WASM_E_DENIED (-5)    /* not allowed (allow_fetch) */
#define GLINT_WASM_E_NOTFOUND (-6)  /* KV: no such key */
#define GLINT_WASM_E_CONFLICT (-7)  /* kv_cas: the value differed */
#define GLINT_WASM_E_TIMEOUT (-8)   /* http_fetch: no answer in time */
#define GLINT_WASM_E_RANGE (-9)	    /* kv_incr: not a decimal int64 */
#define GLINT_WASM_E_TOOLARGE (-10) /* over a host limit */
#define GLINT_WASM_E_NOSPACE (-11)  /* KV: the store is full */
#define GLINT_WASM_E_NETWORK (-12)  /* http_fetch: no connection */

/* kv_cas's expected length meaning "only if the key is absent". */
#define GLINT_WASM_ABSENT 0xffffffffu

#define GLINT_WASM_IMPORT(name)                                                \
	__attribute__((import_module("glint"), import_name(#name)))

/* ---- the imports, as a module sees them (i32 = address or length) ------ */

/* The value of key into val (cap bytes): its length, GLINT_WASM_E_NOTFOUND,
 * or GLINT_WASM_E_TOOBIG when cap is too small (nothing is copied). */
GLINT_WASM_IMPORT(kv_get)
int32_t glint_wasm_kv_get(const void *key, uint32_t klen, void *val,
			  uint32_t cap);
/* Stores val under key; ttl_ms 0 = no expiry. 0 or an error. */
GLINT_WASM_IMPORT(kv_set)
int32_t glint_wasm_kv_set(const void *key, uint32_t klen, const void *val,
			  uint32_t vlen, uint64_t ttl_ms);
/* 0, or GLINT_WASM_E_NOTFOUND. */
GLINT_WASM_IMPORT(kv_delete)
int32_t glint_wasm_kv_delete(const void *key, uint32_t klen);
/* Adds delta to the decimal integer at key (absent = 0); the new value
 * goes to *out (an int64_t; NULL: not wanted). 0 or an error. */
GLINT_WASM_IMPORT(kv_incr)
int32_t glint_wasm_kv_incr(const void *key, uint32_t klen, int64_t delta,
			   int64_t *out);
/* Sets key to val only if its value is expect (elen bytes), or, with elen
 * GLINT_WASM_ABSENT, only if it is absent. 0 when swapped,
 * GLINT_WASM_E_CONFLICT otherwise. */
GLINT_WASM_IMPORT(kv_cas)
int32_t glint_wasm_kv_cas(const void *key, uint32_t klen, const void *expect,
			  uint32_t elen, const void *val, uint32_t vlen);

/* One page of kv_list, written by the call (20 bytes, little-endian). */
struct glint_wasm_kv_page {
	uint32_t nkeys;
	uint32_t cursor;     /* address (inside buf) of the next cursor */
	uint32_t cursor_len; /* 0: the listing is complete */
	uint32_t keys;	     /* address (inside buf) of the keys: nkeys times */
	uint32_t keys_len;   /* a uint32_t length, then that many bytes */
};
/* Keys beginning with prefix (plen 0: all), limit (1..1000) per page, into
 * buf (cap bytes). Start with clen 0; then pass the page's cursor until
 * cursor_len is 0. 0, or GLINT_WASM_E_TOOBIG (ask for fewer). */
GLINT_WASM_IMPORT(kv_list)
int32_t glint_wasm_kv_list(const void *prefix, uint32_t plen,
			   const void *cursor, uint32_t clen, uint32_t limit,
			   void *buf, uint32_t cap,
			   struct glint_wasm_kv_page *page);

/* http_fetch's request (40 bytes, read by the call). Strings are not
 * NUL-terminated and may not contain NUL. */
struct glint_wasm_fetch_req {
	uint32_t method, method_len;   /* method_len 0: GET */
	uint32_t url, url_len;	       /* absolute http(s) URL */
	uint32_t headers, headers_len; /* "Name: value\n" lines */
	uint32_t body, body_len;
	uint32_t timeout_ms;	/* 0: the rest of the call's deadline */
	uint32_t max_redirects; /* 0: a 3xx is the answer; at most 10 */
};
/* http_fetch's response (28 bytes): the caller sets the buffers, the call
 * writes status and the lengths when it returns 0. */
struct glint_wasm_fetch_resp {
	uint32_t status; /* out: the HTTP status */
	uint32_t headers, headers_cap;
	uint32_t headers_len; /* out: "Name: value\n" lines as received;
				 headers_cap 0: not wanted, left out */
	uint32_t body, body_cap;
	uint32_t body_len; /* out */
};
/* Sends the request and waits for the whole answer. 0 with resp filled
 * (any HTTP status), or GLINT_WASM_E_DENIED (not in allow_fetch),
 * _INVALID (bad URL, method or header line), _TOOBIG (the headers or the
 * body do not fit their buffer), _TOOLARGE, _TIMEOUT, _NETWORK, _UNAVAIL,
 * _LIMIT. */
GLINT_WASM_IMPORT(http_fetch)
int32_t glint_wasm_http_fetch(const struct glint_wasm_fetch_req *req,
			      struct glint_wasm_fetch_resp *resp);

/* ---- thin wrappers for C strings --------------------------------------- */

static inline int32_t glint_wasm_kv_get_str(const char *key, void *val,
					    uint32_t cap)
{
	return glint_wasm_kv_get(key, (uint32_t)__builtin_strlen(key), val,
				 cap);
}

static inline int32_t glint_wasm_kv_set_str(const char *key, const char *val,
					    uint64_t ttl_ms)
{
	return glint_wasm_kv_set(key, (uint32_t)__builtin_strlen(key), val,
				 (uint32_t)__builtin_strlen(val), ttl_ms);
}

static inline int32_t glint_wasm_kv_incr_str(const char *key, int64_t delta,
					     int64_t *out)
{
	return glint_wasm_kv_incr(key, (uint32_t)__builtin_strlen(key), delta,
				  out);
}

/* GET url; the body goes to body (cap bytes), its length to *len. The
 * HTTP status, or a negative code. */
static inline int32_t glint_wasm_get(const char *url, void *body, uint32_t cap,
				     uint32_t *len)
{
	struct glint_wasm_fetch_req rq = {0};
	struct glint_wasm_fetch_resp rs = {0};
	int32_t ret;

	rq.url = (uint32_t)(uintptr_t)url;
	rq.url_len = (uint32_t)__builtin_strlen(url);
	rs.body = (uint32_t)(uintptr_t)body;
	rs.body_cap = cap;
	ret = glint_wasm_http_fetch(&rq, &rs);
	*len = ret == 0 ? rs.body_len : 0;
	return ret == 0 ? (int32_t)rs.status : ret;
}

#endif /* GLINT_WASM_H */
