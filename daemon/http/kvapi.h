/* kvapi.h: the operators' view of a function's key-value store, behind the
 * /functions/{name}/kv routes and DELETE /functions/{name}?purge=1. */
#ifndef GLINT_KVAPI_H
#define GLINT_KVAPI_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

struct kv;

/*
 * Requests, their arguments read from the request target exactly as the
 * client sent it (so a key may hold any byte, '/' and NUL included):
 *   KVAPI_LIST    GET    /functions/{name}/kv[?prefix=P&cursor=C&limit=N]
 *   KVAPI_GET     GET    /functions/{name}/kv/{key}
 *   KVAPI_SET     PUT    /functions/{name}/kv/{key}[?ttl_ms=N]  body = value
 *   KVAPI_DELETE  DELETE /functions/{name}/kv/{key}
 *   KVAPI_PURGE   every key of the function
 * {key} is everything after "kv/" up to '?', percent-decoded; query
 * values are percent-decoded ('+' is a plus sign).
 *
 * A listing is {"keys":[...],"cursor":C} with each key percent-encoded as
 * it goes into the path of the routes above (unreserved characters and
 * ":@!$'()*,;=/" stay as they are), and C the encoded cursor for the next
 * page, or null when the listing is complete.
 */
enum kvapi_op { KVAPI_LIST, KVAPI_GET, KVAPI_SET, KVAPI_DELETE, KVAPI_PURGE };

#define KVAPI_LIST_DEFAULT 100 /* keys a page when ?limit is not given */

struct kvapi_call;
typedef void (*kvapi_done_fn)(struct kvapi_call *c);

struct kvapi_call {
	/* Set by the caller before kvapi_start. */
	enum kvapi_op op;
	char function[64];   /* a valid function name */
	const char *raw_uri; /* the request target; read in kvapi_start */
	const void *value;   /* KVAPI_SET: borrowed until done */
	size_t value_len;
	kvapi_done_fn done;
	void *opaque;

	/* The result, valid in done (or after kvapi_start failed). */
	enum engine_outcome outcome;
	char message[200]; /* why, when outcome is not ENGINE_OK */
	char *body;	   /* ENGINE_OK, KVAPI_GET: the value; KVAPI_LIST:
	                      the JSON listing; malloc'd, the caller frees */
	size_t body_len;

	/* Private. */
	char *key_, *prefix_, *cursor_;
	size_t klen_, plen_, clen_;
	unsigned limit_;
	int64_t ttl_ms_;
};

/*
 * Starts c on kv (NULL: no store, the call fails as kv_unavailable). Loop
 * thread only. Returns 0 when the operation is under way: done(c) then
 * runs exactly once, later, on the loop; until then c and c->value must
 * stay. Returns a negative errno when the request is refused or could not
 * be submitted: done never runs, and outcome and message say why.
 * Either way, kvapi_call_clean releases c's memory after the result has
 * been used.
 */
int kvapi_start(struct kv *kv, struct kvapi_call *c);
void kvapi_call_clean(struct kvapi_call *c);

/* The key of a /functions/{name}/kv/{key} target, decoded into a malloc'd
 * buffer (NUL-terminated; klen excludes it). 0 or -EINVAL. */
int kvapi_key_from_target(const char *raw_uri, char **key, size_t *klen);

#endif /* GLINT_KVAPI_H */
