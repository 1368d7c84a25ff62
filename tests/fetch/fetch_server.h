/* fetch_server.h: a small HTTP server on 127.0.0.1 for the fetch tests and
 * benchmark (libmicrohttpd, its own thread, delays without blocking). */
#ifndef GLINT_TESTS_FETCH_SERVER_H
#define GLINT_TESTS_FETCH_SERVER_H

/*
 * Routes:
 *   /echo          200, body = request body; X-Method: the method; every
 *                  request header named X-*, Authorization* or Cookie comes back as
 *                  X-Got-<name>: [value]
 *   /delay?ms=N    200 "ok" after N ms (the connection is suspended)
 *   /barrier?n=N   200 "ok" once N /barrier requests wait at the same time
 *   /stall         never answers (until the server stops)
 *   /redirect?to=URL&code=N   N (default 302) with Location: URL
 *   /big?n=N[&chunked=1]      N bytes of 'x', with Content-Length or chunked
 *   /headers?n=N   200 with N extra headers
 *   anything else  404
 */
struct fetch_server;

/* Starts on 127.0.0.1 and an ephemeral port. Returns 0 or -errno. */
int fetch_server_start(struct fetch_server **out);
/* The same over TLS with this certificate and key (PEM text, kept by the
 * caller until the server stops). Returns -EIO when MHD has no TLS. */
int fetch_server_start_tls(const char *cert_pem, const char *key_pem,
			   struct fetch_server **out);
unsigned fetch_server_port(const struct fetch_server *s);
/* TCP connections accepted so far. */
unsigned fetch_server_connections(const struct fetch_server *s);
/* Requests answered or suspended so far. */
unsigned fetch_server_requests(const struct fetch_server *s);
/* Answers every suspended request and stops. NULL: no-op. */
void fetch_server_stop(struct fetch_server *s);

#endif /* GLINT_TESTS_FETCH_SERVER_H */
