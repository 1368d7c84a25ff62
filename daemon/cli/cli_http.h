/* cli_http.h: the glint CLI's HTTP client (libcurl) for glintd's API. */
#ifndef GLINT_DAEMON_CLI_HTTP_H
#define GLINT_DAEMON_CLI_HTTP_H

#include <stddef.h>
#include <stdio.h>

/* Where glintd is and how to authenticate; strings are borrowed. */
struct cli_server {
	const char *url;    /* "http://host:port", no trailing slash */
	const char *token;  /* sent as "Authorization: Bearer", or NULL */
	const char *cacert; /* CA bundle for https, or NULL: the system's */
	long timeout_s;	    /* whole request; 0 = none */
	/* When set, a 200 body is written here as it arrives (a followed
	 * log) instead of collected in the response's body. */
	FILE *sink;
};

struct cli_resp {
	long status;
	char *body; /* malloc'd and NUL-terminated; len excludes the NUL */
	size_t len;
	char *content_type; /* malloc'd, or NULL */
	FILE *sink_;	    /* private: the request's s->sink */
	void *curl_;	    /* private */
};

/* Call once from main() before any request (not thread-safe). */
int cli_http_init(void);
void cli_http_cleanup(void);

/*
 * One request: method to s->url + path with an optional body (NULL = none).
 * Returns 0 when a response arrived (whatever its status), or a negative
 * errno when glintd could not be reached or the transfer failed; then err
 * holds a one-line reason such as "Connection refused". The caller frees
 * out with cli_resp_free either way.
 */
int cli_http_request(const struct cli_server *s, const char *method,
		     const char *path, const void *body, size_t len,
		     struct cli_resp *out, char *err, size_t err_len);
void cli_resp_free(struct cli_resp *r);

#endif /* GLINT_DAEMON_CLI_HTTP_H */
