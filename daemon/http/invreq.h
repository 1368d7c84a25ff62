/* invreq.h: what a function sees of an HTTP request (struct vm_request). */
#ifndef GLINT_INVREQ_H
#define GLINT_INVREQ_H

#include <stddef.h>

#include "glintd_config.h"
#include "http.h"
#include "vm.h"

/* A request for /invoke/<fn>[/<path>][?<query>], owned by the API request
 * until the engine's callback. */
struct invreq {
	struct vm_request req;
	struct vm_kv *headers;
	struct vm_kv *query;
	size_t cap_headers, cap_query;
	char addr[64];
	char *raw_uri; /* the target to point into: the client's or ours */
};

/* Checks the request head against glintd's limits before anything else
 * runs: returns 0, 414 (target longer than max_url_bytes) or 431 (more
 * than max_request_headers header lines, or names and values longer than
 * max_request_header_bytes) with a message in msg. */
unsigned invreq_check_limits(struct http_request *http,
			     const struct glintd_config *cfg, char *msg,
			     size_t msg_len);

/* 1 when the name segment of the target as sent decodes to name: an
 * encoded slash ("/invoke/a%2Fb") is part of the name, not a separator,
 * and makes the name invalid. */
int invreq_name_as_sent(struct http_request *http, const char *name);

/* Fills ir for the function name (already validated): method (HEAD is
 * shown as GET: HEAD gets the GET response without its body), the path
 * after /invoke/<name> raw and decoded, the raw query and its decoded
 * parameters, every header in order, peer, scheme and request id.
 * Returns 0 or -ENOMEM. */
int invreq_build(struct invreq *ir, struct http_request *http,
		 const char *name);
void invreq_free(struct invreq *ir);

#endif /* GLINT_INVREQ_H */
