/* hcops.c: the FETCH and KV host calls, run on the loop while the call's
 * VM is parked. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "fetch.h"
#include "hcdecode.h"
#include "kv.h"
#include "log.h"
#include "metrics.h"

/*
 * One operation in flight. Its callback may run after the call stopped
 * waiting for it (deadline, shutdown): the call was then detached (c is
 * NULL), may have ended and its VM may serve another call, so the late
 * answer is dropped without touching either. The op owns everything the
 * service borrows until its callback (the fetch allow-list).
 */
struct hc_op {
	struct call *c; /* NULL once detached */
	enum glint_hostcall_op op;
	struct fetch_op *fop;	    /* FETCH, until its callback starts */
	struct fetch_policy *allow; /* FETCH: borrowed by the fetch */
	size_t resp_cap;
	uint64_t start_ns;
};

#define FETCH_METHOD_MAX 32
#define FETCH_URL_MAX 8192

static int answer(struct call *c, int64_t result)
{
	c->hc_result = result;
	return 0;
}

static int protocol_error(struct call *c, const char *msg)
{
	snprintf(c->hc_msg, sizeof(c->hc_msg), "%s", msg);
	c->resume = RESUME_PROTOCOL;
	return 0;
}

/* Takes len bytes of response for vm_resume; the result is len, or
 * GLINT_E_TOOBIG when the guest's buffer is smaller. */
static void respond(struct call *c, size_t cap, void *buf, size_t len)
{
	if (len > cap) {
		free(buf);
		c->hc_result = GLINT_E_TOOBIG;
		return;
	}
	c->hc_resp = buf;
	c->hc_resp_len = len;
	c->hc_result = (int64_t)len;
}

/* ---- KV ---------------------------------------------------------------- */

static int64_t kv_error(enum glint_hostcall_op op, int status)
{
	switch (status) {
	case -ENOENT:
		return GLINT_E_NOTFOUND;
	case -EINVAL:
		/* The host checked key, ttl and page size before: what the
		 * store refuses to add to is the stored value. */
		return op == GLINT_HOSTCALL_KV_INCR ? GLINT_E_RANGE
						    : GLINT_E_INVALID;
	case -ENAMETOOLONG:
	case -E2BIG:
		return GLINT_E_TOOLARGE;
	case -ERANGE:
		return GLINT_E_RANGE;
	case -ENOSPC:
		return GLINT_E_NOSPACE;
	default: /* connection lost, store closing, I/O error */
		return GLINT_E_UNAVAIL;
	}
}

/* KV_LIST: struct glint_kv_list_head, the cursor, then length-prefixed keys. */
static void list_answer(struct call *c, size_t cap, const struct kv_result *r)
{
	struct glint_kv_list_head head = {(uint32_t)r->nkeys,
					  (uint32_t)r->cursor_len};
	size_t len = sizeof(head) + r->cursor_len, o;
	uint8_t *buf;

	for (size_t i = 0; i < r->nkeys; i++)
		len += sizeof(uint32_t) + r->key_lens[i];
	if (len > cap) {
		c->hc_result = GLINT_E_TOOBIG;
		return;
	}
	buf = malloc(len ? len : 1);
	if (buf == NULL) {
		c->hc_result = GLINT_E_UNAVAIL;
		return;
	}
	memcpy(buf, &head, sizeof(head));
	if (r->cursor_len) /* an empty cursor may be NULL */
		memcpy(buf + sizeof(head), r->cursor, r->cursor_len);
	o = sizeof(head) + r->cursor_len;
	for (size_t i = 0; i < r->nkeys; i++) {
		uint32_t kl = (uint32_t)r->key_lens[i];

		memcpy(buf + o, &kl, sizeof(kl));
		memcpy(buf + o + sizeof(kl), r->keys[i], kl);
		o += sizeof(kl) + kl;
	}
	respond(c, cap, buf, len);
}

static void kv_answer(struct call *c, const struct hc_op *op,
		      const struct kv_result *r)
{
	void *buf;

	if (r->status < 0) {
		c->hc_result = kv_error(op->op, r->status);
		return;
	}
	switch (op->op) {
	case GLINT_HOSTCALL_KV_GET:
		buf = malloc(r->len ? r->len : 1);
		if (buf == NULL) {
			c->hc_result = GLINT_E_UNAVAIL;
			return;
		}
		if (r->len)
			memcpy(buf, r->value, r->len);
		respond(c, op->resp_cap, buf, r->len);
		return;
	case GLINT_HOSTCALL_KV_INCR:
		buf = malloc(sizeof(int64_t));
		if (buf == NULL) {
			c->hc_result = GLINT_E_UNAVAIL;
			return;
		}
		memcpy(buf, &r->number, sizeof(int64_t));
		respond(c, op->resp_cap, buf, sizeof(int64_t));
		return;
	case GLINT_HOSTCALL_KV_CAS:
		c->hc_result = r->number == 1 ? 0 : GLINT_E_CONFLICT;
		return;
	case GLINT_HOSTCALL_KV_LIST:
		list_answer(c, op->resp_cap, r);
		return;
	default: /* SET, DELETE */
		c->hc_result = 0;
		return;
	}
}

static void kv_done(const struct kv_result *r, void *opaque)
{
	struct hc_op *op = opaque;
	struct call *c = op->c;

	if (c != NULL) {
		c->hc_op = NULL;
		metrics_kv_record(c->pvm->ver->mf,
				  monotime_ns() - op->start_ns);
		kv_answer(c, op, r);
		hostcall_answered(c);
	}
	free(op);
}

/* What the store cannot judge for us: an empty key, a ttl or page size
 * out of range, a response buffer too small for INCR's answer (refused
 * before the increment happens). */
static int64_t kv_refusal(enum glint_hostcall_op op, const struct hc_kv_req *k,
			  size_t resp_cap)
{
	if (k->key_len == 0 && op != GLINT_HOSTCALL_KV_LIST)
		return GLINT_E_INVALID;
	if (op == GLINT_HOSTCALL_KV_SET &&
	    (k->arg < 0 || k->arg > GLINT_KV_TTL_MAX_MS))
		return GLINT_E_INVALID;
	if (op == GLINT_HOSTCALL_KV_LIST &&
	    (k->arg < 1 || k->arg > GLINT_KV_LIST_MAX))
		return GLINT_E_INVALID;
	if (op == GLINT_HOSTCALL_KV_INCR && resp_cap < sizeof(int64_t))
		return GLINT_E_TOOBIG;
	return 0;
}

static int kv_submit(struct engine *e, const char *fn,
		     enum glint_hostcall_op op, const struct hc_kv_req *k,
		     struct hc_op *o)
{
	const char *cur = (const char *)k->extra;

	switch (op) {
	case GLINT_HOSTCALL_KV_GET:
		return kv_get(e->kv, fn, k->key, k->key_len, kv_done, o);
	case GLINT_HOSTCALL_KV_SET:
		return kv_set(e->kv, fn, k->key, k->key_len, k->value,
			      k->value_len, k->arg, kv_done, o);
	case GLINT_HOSTCALL_KV_DELETE:
		return kv_delete(e->kv, fn, k->key, k->key_len, kv_done, o);
	case GLINT_HOSTCALL_KV_LIST:
		return kv_list(e->kv, fn, k->key, k->key_len,
			       k->extra_len ? cur : NULL, k->extra_len,
			       (unsigned)k->arg, kv_done, o);
	case GLINT_HOSTCALL_KV_INCR:
		return kv_incr(e->kv, fn, k->key, k->key_len, k->arg, kv_done,
			       o);
	case GLINT_HOSTCALL_KV_CAS:
		return kv_cas(e->kv, fn, k->key, k->key_len,
			      (k->flags & GLINT_KV_CAS_ABSENT) ? NULL
							       : k->extra,
			      k->extra_len, k->value, k->value_len, kv_done, o);
	default:
		return -EINVAL;
	}
}

static int kv_start(struct call *c)
{
	struct hc_kv_req k;
	struct hc_op *o;
	char msg[256];
	int64_t refused;
	int rc;

	if (hc_decode_kv(c->hc.op, c->hc.req, c->hc.req_len, &k, msg,
			 sizeof(msg)) < 0)
		return protocol_error(c, msg);
	refused = kv_refusal(c->hc.op, &k, c->hc.resp_cap);
	if (refused < 0)
		return answer(c, refused);
	if (c->e->kv == NULL)
		return answer(c, GLINT_E_UNAVAIL);
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return answer(c, GLINT_E_UNAVAIL);
	*o = (struct hc_op){c,	  c->hc.op,	  NULL,
			    NULL, c->hc.resp_cap, monotime_ns()};
	rc = kv_submit(c->e, c->fn->name, c->hc.op, &k, o);
	if (rc < 0) {
		free(o);
		return answer(c, kv_error(c->hc.op, rc));
	}
	c->hc_op = o;
	return 1;
}

/* ---- FETCH --------------------------------------------------------------- */

static int64_t fetch_error(int err)
{
	switch (err) {
	case -EACCES:
		return GLINT_E_DENIED;
	case -EINVAL:
		return GLINT_E_INVALID;
	case -EFBIG:
	case -EMSGSIZE:
		return GLINT_E_TOOLARGE;
	case -ETIMEDOUT:
		return GLINT_E_TIMEOUT;
	case -EHOSTUNREACH:
	case -ECONNREFUSED:
	case -EPROTO:
	case -EIO:
		return GLINT_E_NETWORK;
	default: /* -ENOMEM, -EAGAIN, -ECANCELED */
		return GLINT_E_UNAVAIL;
	}
}

/* struct glint_fetch_response, the headers as "name\0value\0", the body. */
static void fetch_answer(struct call *c, size_t cap,
			 const struct fetch_result *res)
{
	struct glint_fetch_response head = {(uint32_t)res->status,
					    (uint32_t)res->n_headers, 0,
					    (uint32_t)res->body_len};
	size_t len, o = sizeof(head);
	uint8_t *buf;

	for (size_t i = 0; i < res->n_headers; i++)
		head.headers_len +=
			(uint32_t)(strlen(res->headers[i].name) +
				   strlen(res->headers[i].value) + 2);
	len = sizeof(head) + head.headers_len + res->body_len;
	if (len > cap) {
		c->hc_result = GLINT_E_TOOBIG;
		return;
	}
	buf = malloc(len);
	if (buf == NULL) {
		c->hc_result = GLINT_E_UNAVAIL;
		return;
	}
	memcpy(buf, &head, sizeof(head));
	for (size_t i = 0; i < res->n_headers; i++) {
		size_t nl = strlen(res->headers[i].name) + 1;
		size_t vl = strlen(res->headers[i].value) + 1;

		memcpy(buf + o, res->headers[i].name, nl);
		memcpy(buf + o + nl, res->headers[i].value, vl);
		o += nl + vl;
	}
	if (res->body_len)
		memcpy(buf + o, res->body, res->body_len);
	respond(c, cap, buf, len);
}

/*
 * Why a fetch failed, in the function's own log (warn, with the request
 * id): the guest sees only an error code, its author needs the reason.
 * The fetch client's messages name at most a URL's scheme, host, port and
 * path, never its userinfo, query or a header, so they are safe to show.
 */
static void log_fetch_failure(const struct call *c, const char *verb,
			      const char *why)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "fetch %s: %s", verb, why);

	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	fnlog_append(c->fn->log, LOG_LEVEL_WARN, c->inv->request_id,
		     c->pvm->ver->version, line, (size_t)n);
	engine_log(LOG_LEVEL_DEBUG, "request_id=%016" PRIx64 " function=%s %s",
		   c->inv->request_id, c->fn->name, line);
}

static void fetch_done(struct fetch_op *fop, int err,
		       const struct fetch_result *res, void *opaque)
{
	struct hc_op *op = opaque;
	struct call *c = op->c;

	(void)fop;
	if (c != NULL) {
		c->hc_op = NULL;
		metrics_fetch_record(c->pvm->ver->mf,
				     monotime_ns() - op->start_ns);
		if (err < 0) {
			log_fetch_failure(c, "failed",
					  res && res->error[0]
						  ? res->error
						  : "no reason given");
			c->hc_result = fetch_error(err);
		} else {
			fetch_answer(c, op->resp_cap, res);
		}
		hostcall_answered(c);
	}
	fetch_policy_destroy(op->allow);
	free(op);
}

/* The function's allow-list as a policy of its own, so that a fetch
 * outliving its call (cancelled on a deadline) borrows nothing the
 * function's retirement could free. */
static int make_policy(const char *list, char *err, size_t err_len,
		       struct fetch_policy **out)
{
	const char *entries[FUNCTION_ALLOW_FETCH_MAX];
	char copy[FUNCTION_ALLOW_FETCH_BYTES];
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *p = copy; *p && n < FUNCTION_ALLOW_FETCH_MAX;) {
		char *nl = strchr(p, '\n');

		entries[n++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return fetch_policy_create(entries, n, err, err_len, out);
}

/* What the client cannot judge for us, before anything is allocated;
 * *why says it in the function author's words. */
static int64_t fetch_refusal(struct call *c, const struct hc_fetch_req *r,
			     char *why, size_t why_len)
{
	if (!c->pvm->ver->settings.allow_fetch[0]) {
		snprintf(why, why_len,
			 "outbound access is not enabled for this function "
			 "(its allow_fetch list is empty)");
		return GLINT_E_DENIED;
	}
	if (c->e->cfg.fetches_per_call &&
	    c->nfetches >= c->e->cfg.fetches_per_call) {
		snprintf(why, why_len,
			 "this call has made its %u fetches (glintd's "
			 "fetches_per_call)",
			 c->e->cfg.fetches_per_call);
		return GLINT_E_LIMIT;
	}
	if (r->method_len > FETCH_METHOD_MAX || r->url_len > FETCH_URL_MAX) {
		snprintf(why, why_len,
			 "method over %d bytes or URL over %d bytes",
			 FETCH_METHOD_MAX, FETCH_URL_MAX);
		return GLINT_E_TOOLARGE;
	}
	if (memchr(r->method, '\0', r->method_len) ||
	    memchr(r->url, '\0', r->url_len) || r->max_redirects > 10) {
		snprintf(why, why_len,
			 "NUL byte in the method or URL, or more than 10 "
			 "redirects asked for");
		return GLINT_E_INVALID;
	}
	return 0;
}

/* The rest of the call's deadline, or the guest's own shorter timeout. */
static uint64_t fetch_timeout_ms(const struct call *c, uint32_t asked)
{
	uint64_t now = monotime_ns(), ms = 0;

	if (c->run_deadline_ns)
		ms = c->run_deadline_ns > now
			     ? (c->run_deadline_ns - now + 999999) / 1000000
			     : 1;
	if (asked && (ms == 0 || asked < ms))
		ms = asked;
	return ms;
}

static int fetch_submit(struct call *c, const struct hc_fetch_req *r,
			struct hc_op *o)
{
	char method[FETCH_METHOD_MAX + 1], *url = strndup(r->url, r->url_len);
	struct fetch_header *h = calloc(r->nheaders + 1, sizeof(*h));
	struct fetch_request req = {0};
	size_t off = 0;
	int rc = -ENOMEM;

	memcpy(method, r->method, r->method_len);
	method[r->method_len] = '\0';
	if (url == NULL || h == NULL)
		goto out;
	for (size_t i = 0; i < r->nheaders; i++)
		hc_fetch_header_next(r, &off, &h[i].name, &h[i].value);
	req = (struct fetch_request){method,
				     url,
				     h,
				     r->nheaders,
				     r->body,
				     r->body_len,
				     fetch_timeout_ms(c, r->timeout_ms),
				     r->max_redirects};
	rc = fetch_start(c->e->fetch, &req, o->allow, fetch_done, o, &o->fop);
out: /* fetch_start copied what it keeps */
	free(url);
	free(h);
	return rc;
}

static int fetch_begin(struct call *c)
{
	struct hc_fetch_req r;
	struct hc_op *o;
	char msg[256];
	int64_t refused;
	int rc;

	if (hc_decode_fetch(c->hc.req, c->hc.req_len, &r, msg, sizeof(msg)) < 0)
		return protocol_error(c, msg);
	refused = fetch_refusal(c, &r, msg, sizeof(msg));
	if (refused < 0) {
		log_fetch_failure(c, "refused", msg);
		return answer(c, refused);
	}
	c->nfetches++;
	o = calloc(1, sizeof(*o));
	if (o == NULL || c->e->fetch == NULL) {
		log_fetch_failure(c, "failed",
				  o ? "outbound HTTP is not available in glintd"
				    : "out of memory");
		free(o);
		return answer(c, GLINT_E_UNAVAIL);
	}
	*o = (struct hc_op){c,	  GLINT_HOSTCALL_FETCH, NULL,
			    NULL, c->hc.resp_cap,	monotime_ns()};
	if (make_policy(c->pvm->ver->settings.allow_fetch, msg, sizeof(msg),
			&o->allow) < 0) {
		free(o);
		log_fetch_failure(c, "refused", msg);
		return answer(c, GLINT_E_DENIED);
	}
	rc = fetch_submit(c, &r, o);
	if (rc < 0) {
		fetch_policy_destroy(o->allow);
		free(o);
		log_fetch_failure(c, "failed",
				  rc == -EAGAIN ? "too many fetches in flight "
						  "in glintd"
						: strerror(-rc));
		return answer(c, fetch_error(rc));
	}
	c->hc_op = o;
	return 1;
}

/* ---- both ---------------------------------------------------------------- */

int hcops_start(struct call *c)
{
	c->hc_result = 0;
	c->hc_resp = NULL;
	c->hc_resp_len = 0;
	if (c->hc.op == GLINT_HOSTCALL_FETCH)
		return fetch_begin(c);
	return kv_start(c);
}

void hcops_detach(struct call *c)
{
	struct hc_op *o = c->hc_op;

	if (o == NULL)
		return;
	o->c = NULL;
	c->hc_op = NULL;
	/* Its callback still runs (-ECANCELED) and frees o. A KV operation
	 * cannot be stopped: its answer is dropped when it comes. */
	if (o->fop)
		fetch_cancel(o->fop);
}

int hcops_check_allow_fetch(const char *list, char *err, size_t err_len)
{
	struct fetch_policy *p = NULL;
	int rc = make_policy(list, err, err_len, &p);

	fetch_policy_destroy(p);
	return rc;
}
