/* http.h: libmicrohttpd served from a libuv loop, one request object per HTTP request. */
#ifndef GLINT_HTTP_H
#define GLINT_HTTP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

/*
 * libmicrohttpd runs in external-loop mode: its epoll fd is watched by a
 * uv_poll and its timeout by a uv_timer on the caller's loop; it starts no
 * threads. Every function here and every callback runs on the loop thread.
 *
 * A request goes through three callbacks:
 *   begin(req)  headers are in; returns the body limit for this request,
 *               and may answer at once with http_respond (the body is then
 *               not read).
 *   handle(req) the body is in (or went over the limit:
 *               http_request_body_too_large); answers with http_respond now
 *               or later. Answering later suspends the connection until
 *               http_respond is called.
 *   done(req)   the request is finished (answered and sent, or the client
 *               went away); user data must be released here.
 * Exactly one http_respond per request.
 */

struct http_server;
struct http_request;

struct http_handlers {
	size_t (*begin)(void *opaque, struct http_request *req);
	void (*handle)(void *opaque, struct http_request *req);
	void (*done)(void *opaque, struct http_request *req);
	void *opaque;
};

struct http_config {
	const char *host; /* IPv4 dotted quad */
	uint16_t port;	  /* 0: any free port */
	int listen_fd;	  /* >= 0: serve this listening socket (taken over),
	                     host and port are then ignored; -1: bind */
	unsigned max_connections;
	unsigned max_connections_per_ip; /* 0: unlimited */
	unsigned connection_timeout_s;	 /* no bytes either way */
	unsigned request_head_timeout_s; /* whole request head; 0: 20 */
	unsigned min_body_bytes_per_s;	 /* slower bodies are cut; 0: none */
	size_t connection_memory_bytes;	 /* bounds the request header size */
	const char *tls_cert_pem; /* both set: HTTPS only; borrowed for the */
	const char *tls_key_pem;  /* server's lifetime */
};

/* 1 when libmicrohttpd was built with TLS support. */
int http_tls_supported(void);

int http_create(uv_loop_t *loop, const struct http_config *cfg,
		const struct http_handlers *h, struct http_server **out,
		char *err, size_t err_len);

/* The port actually bound (useful with port 0). */
uint16_t http_port(const struct http_server *s);

/* Stops accepting connections; requests on open connections still run. */
void http_quiesce(struct http_server *s);

/* Calls done(opaque) once no request is in progress, or after timeout_ms. */
void http_drain(struct http_server *s, uint32_t timeout_ms,
		void (*done)(void *opaque), void *opaque);

/* Stops the daemon and closes the loop handles; the memory is freed from
 * the last close callback, so the loop must run afterwards. NULL ok. No
 * request may be waiting for its answer. */
void http_destroy(struct http_server *s);

/* ---- the request ---- */

const char *http_request_method(const struct http_request *r);
const char *http_request_path(const struct http_request *r); /* decoded */
/* The value of request header name (case-insensitive); NULL when absent.
 * Query arguments are read with http_request_query_foreach. */
const char *http_request_header(const struct http_request *r, const char *name);
/* Calls fn for each query argument (value NULL when given without '=');
 * stops and returns fn's value when it is non-zero. */
int http_request_query_foreach(struct http_request *r,
			       int (*fn)(void *opaque, const char *key,
					 const char *value),
			       void *opaque);
const uint8_t *http_request_body(const struct http_request *r, size_t *len_out);
int http_request_body_too_large(const struct http_request *r);

/* 16 hex digits, unique per daemon run; also sent as X-Request-Id. */
uint64_t http_request_id(const struct http_request *r);
const char *http_request_id_str(const struct http_request *r);
/* monotime_ns() when the request's headers arrived. */
uint64_t http_request_start_ns(const struct http_request *r);

void http_request_set_user(struct http_request *r, void *user);
void *http_request_user(const struct http_request *r);

/* Times sent in Server-Timing next to the total. */
void http_request_set_timing(struct http_request *r, uint64_t queue_ns,
			     uint64_t run_ns);

/* The request target as the client sent it ("/path?query", still
 * percent-encoded), or NULL when unknown. */
const char *http_request_raw_uri(const struct http_request *r);
/* Calls fn for every request header in arrival order (repeats kept);
 * stops and returns fn's value when it is non-zero. */
int http_request_header_foreach(struct http_request *r,
				int (*fn)(void *opaque, const char *name,
					  size_t name_len, const char *value,
					  size_t value_len),
				void *opaque);
/* The peer's address as text and its port. */
int http_request_peer(const struct http_request *r, char *addr, size_t addr_len,
		      unsigned *port);
int http_request_is_tls(const struct http_request *r);

/* Adds response headers from a block of "name\0value\0" pairs (copied),
 * already checked by the caller (names tokens, values without CR/LF/NUL).
 * A Content-Type among them replaces http_respond's content type. */
int http_request_add_block(struct http_request *r, const char *block,
			   size_t len);

/* Adds a response header (copied) for the coming http_respond. */
int http_request_add_header(struct http_request *r, const char *name,
			    const char *value);

enum http_body_mode {
	HTTP_BODY_COPY,	  /* copied now */
	HTTP_BODY_TAKE,	  /* malloc'd; freed with free() once sent */
	HTTP_BODY_STATIC, /* lives for the whole program */
};

/* Sends the response with X-Request-Id and Server-Timing added. Returns 0,
 * or -ENOMEM (an HTTP 500 is attempted instead; a TAKE body is freed
 * either way) or -EALREADY. */
int http_respond(struct http_request *r, unsigned status,
		 const char *content_type, const void *body, size_t len,
		 enum http_body_mode mode);

/* Sends a body of unknown length made piece by piece as the client takes
 * it (chunked): read fills buf with up to max bytes and returns how many,
 * 0 at the end, negative on error (the connection is then cut). release
 * is called once the response is done with, also when this fails.
 * Returns 0, -EALREADY or -ENOMEM (a 500 is attempted). */
typedef ssize_t (*http_stream_read_fn)(void *opaque, char *buf, size_t max);
/* What read returns when it has nothing yet but is not done: the
 * connection is suspended (no busy loop) and read is asked again within
 * about half a second. When the server shuts down such a stream ends. */
#define HTTP_STREAM_AGAIN (-EAGAIN)
int http_respond_stream(struct http_request *r, unsigned status,
			const char *content_type, http_stream_read_fn read,
			void (*release)(void *opaque), void *opaque);

#endif /* GLINT_HTTP_H */
