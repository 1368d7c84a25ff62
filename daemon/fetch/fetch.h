/* fetch.h: outbound HTTP client on a libuv loop (libcurl multi), behind an
 * allow-list; the engine of the functions' fetch host call. */
#ifndef GLINT_FETCH_H
#define GLINT_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "fetch_policy.h"

/*
 * One struct fetch per loop; every function here is called on that loop's
 * thread. Transfers run concurrently on the loop: libcurl's multi_socket
 * interface with each socket a uv_poll and its timer a uv_timer, no thread
 * per request (libcurl's resolver may use its own short-lived threads).
 *
 * HTTP/1.1 over http or https only; TLS peers are verified against the
 * system CA store (or config.ca_file); proxies from the environment are
 * never used; no cookies, no content decoding (the body is the bytes on the
 * wire after chunked decoding); redirects are returned to the caller unless
 * the request asks to follow them, and then every hop passes the same
 * allow-list and address checks as the first request.
 */
struct fetch;
struct fetch_op;

struct fetch_config {
	size_t max_inflight;		  /* operations at once (-EAGAIN) */
	size_t max_url_bytes;		  /* request URL length */
	size_t max_request_headers;	  /* count */
	size_t max_request_header_bytes;  /* sum of name + value */
	size_t max_request_body_bytes;	  /* request body */
	size_t max_response_bytes;	  /* response body cap (-EFBIG) */
	size_t max_response_headers;	  /* count (-EMSGSIZE) */
	size_t max_response_header_bytes; /* sum of header lines */
	uint64_t default_timeout_ms;	  /* when the request gives none */
	uint64_t connect_timeout_ms;	  /* cap on connecting (and TLS) */
	unsigned max_redirects;		  /* cap on request.max_redirects */
	size_t max_idle_connections;	  /* kept open for reuse, all hosts */
	const char *ca_file;		  /* NULL: the system CA store */
	const char *user_agent;		  /* sent unless the request sets one */
	/* "host:port:address" pins, as curl's CURLOPT_RESOLVE: names that
	 * must resolve to fixed addresses. The address check still applies. */
	const char *const *resolve;
	size_t n_resolve;
};

/* Defaults: 4096 in flight, 1024 idle connections kept, URL 8 KiB, 64 request headers / 16 KiB,
 * request body 8 MiB, response body 8 MiB, 100 response headers / 64 KiB,
 * timeout 30 s, connect 10 s, at most 10 redirects, system CA store,
 * "glint-fetch/VERSION". */
void fetch_config_default(struct fetch_config *cfg);

struct fetch_header {
	const char *name;
	const char *value;
};

/* Copied by fetch_start: the caller may free it once fetch_start returns. */
struct fetch_request {
	const char *method; /* NULL or "" = GET; an HTTP token */
	const char *url;
	const struct fetch_header *headers; /* names tokens; values without
					     * CR, LF, NUL or other controls */
	size_t n_headers;
	const void *body; /* sent as is; may hold any bytes */
	size_t body_len;
	uint64_t timeout_ms;	/* whole operation; 0 = default_timeout_ms.
				 * Pass the caller's remaining deadline. */
	unsigned max_redirects; /* 0: a 3xx is the result */
};

/* Per-transfer times of the last hop, from libcurl, in microseconds since
 * that hop started; total_ns covers the whole operation (all hops) from
 * fetch_start to completion. */
struct fetch_timings {
	uint64_t total_ns;
	uint64_t dns_us, connect_us, tls_us, first_byte_us, transfer_us;
};

/* Borrowed by the done callback: valid only until it returns. */
struct fetch_result {
	int status; /* HTTP status; 0 when none arrived */
	const struct fetch_header *headers; /* of the final response, as sent */
	size_t n_headers;
	const char *body; /* NUL-terminated after body_len bytes */
	size_t body_len;
	unsigned redirects; /* hops followed */
	const char *error;  /* why err < 0, one line; "" when err == 0 */
	struct fetch_timings timings;
};

/*
 * err is 0 when a response arrived (any status), or:
 *   -EACCES     refused by the allow-list or address check (no connection
 *               to a refused address is ever attempted); a redirect whose
 *               target is refused for any reason
 *   -EINVAL     bad request: URL, method, header, size limits
 *   -EFBIG      response body over max_response_bytes
 *   -EMSGSIZE   response headers over their limits
 *   -ETIMEDOUT  no complete response within the timeout
 *   -ECANCELED  fetch_cancel or fetch_destroy
 *   -EHOSTUNREACH  the host name did not resolve
 *   -ECONNREFUSED  no connection could be made
 *   -EPROTO     TLS failure (e.g. certificate not trusted)
 *   -EIO        the connection failed mid-exchange or the reply was not HTTP
 *   -ENOMEM
 * res->error says which, in words a function author can act on.
 */
typedef void (*fetch_done_fn)(struct fetch_op *op, int err,
			      const struct fetch_result *res, void *opaque);

/* Creates the client on loop. cfg NULL = defaults; it is copied (strings
 * too). Returns 0, -ENOMEM or -EIO (libcurl could not start). */
int fetch_create(uv_loop_t *loop, const struct fetch_config *cfg,
		 struct fetch **out);

/*
 * Starts one operation. allow is borrowed until the callback runs (NULL or
 * empty: nothing is allowed). Returns 0 and then cb runs exactly once, on a
 * later loop iteration, never from inside fetch_start, or returns -EAGAIN
 * (max_inflight reached), -ENOMEM, -EINVAL (NULL arguments) or -ECANCELED
 * (fetch_destroy has begun) and cb never runs. Every refusal of the request itself (URL not allowed, bad header)
 * arrives through cb, with its message. *out (may be NULL) stays valid until
 * cb starts.
 */
int fetch_start(struct fetch *f, const struct fetch_request *req,
		const struct fetch_policy *allow, fetch_done_fn cb,
		void *opaque, struct fetch_op **out);

/* Stops op: its transfer ends at once (connection closed) and its callback
 * runs once with -ECANCELED on a later loop iteration, as uv_cancel does.
 * Returns 0, or -EALREADY when op's completion is already scheduled (its
 * callback will run with that result). Not valid once cb has started. */
int fetch_cancel(struct fetch_op *op);

/* Cancels every operation (their callbacks run with -ECANCELED from inside
 * this call) and closes the client; its memory is freed once the loop has
 * run the handles' close callbacks (run the loop after this). NULL: no-op. */
void fetch_destroy(struct fetch *f);

/* Operations currently started and not yet completed. */
size_t fetch_inflight(const struct fetch *f);

#endif /* GLINT_FETCH_H */
