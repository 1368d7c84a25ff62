/* kv.c: the KV interface: argument checks shared by both backends, the
 * operation record, and dispatch to the backend chosen by configuration. */
#include "config.h"

#include "kv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_internal.h"
#include "settings.h"

int kv_open(uv_loop_t *loop, const struct kv_config *cfg, struct kv **out,
	    char *err, size_t errlen)
{
	struct kv *kv;
	int rc;

	*out = NULL;
	if (cfg->max_key > KV_MAX_KEY_LIMIT ||
	    cfg->max_value > KV_MAX_VALUE_LIMIT) {
		snprintf(err, errlen,
			 "kv limits too large (key <= %d, value <= %d)",
			 KV_MAX_KEY_LIMIT, KV_MAX_VALUE_LIMIT);
		return -EINVAL;
	}
	kv = calloc(1, sizeof(*kv));
	if (kv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	kv->loop = loop;
	kv->max_key = cfg->max_key ? cfg->max_key : KV_MAX_KEY_DEFAULT;
	kv->max_value = cfg->max_value ? cfg->max_value : KV_MAX_VALUE_DEFAULT;
	if (cfg->backend == KV_EMBEDDED) {
		rc = kv_lmdb_open(kv, cfg, err, errlen);
	} else if (cfg->backend == KV_REDIS) {
		rc = kv_redis_open(kv, cfg, err, errlen);
	} else {
		snprintf(err, errlen, "unknown kv backend %d",
			 (int)cfg->backend);
		rc = -EINVAL;
	}
	if (rc < 0) {
		free(kv);
		return rc;
	}
	*out = kv;
	return 0;
}

void kv_close(struct kv *kv)
{
	if (kv != NULL)
		kv->ops->close(kv); /* frees kv */
}

void kv_op_free(struct kv_op *op)
{
	if (op->rkeys != NULL) {
		for (size_t i = 0; i < op->res.nkeys; i++)
			free(op->rkeys[i]);
	}
	free(op->rkeys);
	free(op->rkey_lens);
	free(op->rcursor);
	free(op->rval);
	free((char *)op->val);
	free((char *)op->expect);
	free((char *)op->cursor);
	free(op);
}

void kv_op_finish(struct kv_op *op)
{
	if (op->cb != NULL) {
		op->res.keys = (const char *const *)op->rkeys;
		op->res.key_lens = op->rkey_lens;
		op->cb(&op->res, op->opaque);
	}
	kv_op_free(op);
}

int kv_op_add_key(struct kv_op *op, const char *key, size_t len)
{
	size_t n = op->res.nkeys;
	char *copy;

	/* Grows by doubling: a redis page may hold more than its limit. */
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		size_t cap = n ? 2 * n : 16;
		char **k = realloc(op->rkeys, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		op->rkeys = k;
		size_t *l = realloc(op->rkey_lens, cap * sizeof(*l));

		if (l == NULL)
			return -ENOMEM;
		op->rkey_lens = l;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, key, len);
	copy[len] = '\0';
	op->rkeys[n] = copy;
	op->rkey_lens[n] = len;
	op->res.nkeys = n + 1;
	return 0;
}

int kv_op_set_cursor(struct kv_op *op, const char *c, size_t len)
{
	free(op->rcursor);
	op->rcursor = malloc(len + 1);
	if (op->rcursor == NULL)
		return -ENOMEM;
	memcpy(op->rcursor, c, len);
	op->rcursor[len] = '\0';
	op->res.cursor = op->rcursor;
	op->res.cursor_len = len;
	return 0;
}

int kv_parse_int(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	uint64_t v = 0, lim;
	int neg = 0;

	if (len > 0 && s[0] == '-')
		neg = 1, i = 1;
	if (i == len || len > 20 || (s[i] == '0' && len > i + 1) ||
	    (neg && s[i] == '0'))
		return -EINVAL;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (lim - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* Checks what every keyed operation shares and makes the op with private
 * copies of key, val, expect, cursor. */
static int op_new(struct kv *kv, enum kv_opcode code, const char *fn,
		  const void *key, size_t klen, int need_key,
		  struct kv_op **out)
{
	size_t fnlen = fn ? strlen(fn) : 0;
	struct kv_op *op;

	if (!function_name_valid(fn, fnlen))
		return -EINVAL;
	if (need_key && (key == NULL || klen == 0))
		return -EINVAL;
	if (klen > kv->max_key)
		return -ENAMETOOLONG;
	op = calloc(1, sizeof(*op) + klen + 1);
	if (op == NULL)
		return -ENOMEM;
	op->code = code;
	memcpy(op->fn, fn, fnlen + 1);
	op->fnlen = fnlen;
	op->key = (char *)(op + 1);
	if (klen)
		memcpy((char *)op->key, key, klen);
	op->klen = klen;
	*out = op;
	return 0;
}

/* A second private buffer for value, expected value or cursor. */
static int op_copy(const void *src, size_t len, const char **dst)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return -ENOMEM;
	if (len)
		memcpy(p, src, len);
	p[len] = '\0';
	*dst = p;
	return 0;
}

static int submit(struct kv *kv, struct kv_op *op, kv_done_fn cb, void *opaque)
{
	int rc;

	op->cb = cb;
	op->opaque = opaque;
	rc = kv->ops->submit(kv, op);
	if (rc < 0)
		kv_op_free(op);
	return rc;
}

int kv_get(struct kv *kv, const char *fn, const void *key, size_t klen,
	   kv_done_fn cb, void *opaque)
{
	struct kv_op *op;
	int rc = op_new(kv, KV_OP_GET, fn, key, klen, 1, &op);

	return rc < 0 ? rc : submit(kv, op, cb, opaque);
}

static int with_value(struct kv *kv, struct kv_op *op, const void *val,
		      size_t vlen)
{
	if (vlen > kv->max_value)
		return -E2BIG;
	if (val == NULL && vlen > 0)
		return -EINVAL;
	op->vlen = vlen;
	return op_copy(val, vlen, &op->val);
}

int kv_set(struct kv *kv, const char *fn, const void *key, size_t klen,
	   const void *val, size_t vlen, int64_t ttl_ms, kv_done_fn cb,
	   void *opaque)
{
	struct kv_op *op;
	int rc;

	if (ttl_ms < 0 || ttl_ms > KV_TTL_MAX_MS)
		return -EINVAL;
	rc = op_new(kv, KV_OP_SET, fn, key, klen, 1, &op);
	if (rc < 0)
		return rc;
	op->ttl_ms = ttl_ms;
	rc = with_value(kv, op, val, vlen);
	if (rc < 0) {
		kv_op_free(op);
		return rc;
	}
	return submit(kv, op, cb, opaque);
}

int kv_delete(struct kv *kv, const char *fn, const void *key, size_t klen,
	      kv_done_fn cb, void *opaque)
{
	struct kv_op *op;
	int rc = op_new(kv, KV_OP_DELETE, fn, key, klen, 1, &op);

	return rc < 0 ? rc : submit(kv, op, cb, opaque);
}

int kv_list(struct kv *kv, const char *fn, const void *prefix, size_t plen,
	    const char *cursor, size_t clen, unsigned limit, kv_done_fn cb,
	    void *opaque)
{
	struct kv_op *op;
	int rc;

	if (limit == 0 || limit > KV_LIST_MAX || clen > KV_CURSOR_MAX ||
	    (cursor == NULL && clen > 0) || (prefix == NULL && plen > 0))
		return -EINVAL;
	rc = op_new(kv, KV_OP_LIST, fn, prefix, plen, 0, &op);
	if (rc < 0)
		return rc;
	op->limit = limit;
	op->clen = clen;
	rc = op_copy(cursor, clen, &op->cursor);
	if (rc < 0) {
		kv_op_free(op);
		return rc;
	}
	return submit(kv, op, cb, opaque);
}

int kv_incr(struct kv *kv, const char *fn, const void *key, size_t klen,
	    int64_t delta, kv_done_fn cb, void *opaque)
{
	struct kv_op *op;
	int rc = op_new(kv, KV_OP_INCR, fn, key, klen, 1, &op);

	if (rc < 0)
		return rc;
	op->delta = delta;
	return submit(kv, op, cb, opaque);
}

int kv_cas(struct kv *kv, const char *fn, const void *key, size_t klen,
	   const void *expect, size_t elen, const void *val, size_t vlen,
	   kv_done_fn cb, void *opaque)
{
	struct kv_op *op;
	int rc;

	if (elen > kv->max_value)
		return -E2BIG;
	rc = op_new(kv, KV_OP_CAS, fn, key, klen, 1, &op);
	if (rc < 0)
		return rc;
	rc = with_value(kv, op, val, vlen);
	if (rc == 0 && expect != NULL) {
		op->elen = elen;
		rc = op_copy(expect, elen, &op->expect);
	}
	if (rc < 0) {
		kv_op_free(op);
		return rc;
	}
	return submit(kv, op, cb, opaque);
}

int kv_purge(struct kv *kv, const char *fn, kv_done_fn cb, void *opaque)
{
	struct kv_op *op;
	int rc = op_new(kv, KV_OP_PURGE, fn, NULL, 0, 0, &op);

	return rc < 0 ? rc : submit(kv, op, cb, opaque);
}

const char *kv_strerror(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case -ENOENT:
		return "no such key";
	case -EINVAL:
		return "invalid argument";
	case -ENAMETOOLONG:
		return "key too long";
	case -E2BIG:
		return "value too large";
	case -ERANGE:
		return "increment would overflow";
	case -ENOSPC:
		return "key-value store full";
	case -ECONNRESET:
		return "key-value server connection lost";
	case -ECONNREFUSED:
		return "key-value server unreachable";
	case -ECANCELED:
		return "key-value store closed";
	case -ENOMEM:
		return "out of memory";
	default:
		return "key-value store error";
	}
}
