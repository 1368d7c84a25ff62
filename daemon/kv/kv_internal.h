/* kv_internal.h: what kv.c (checks, dispatch) shares with the backends. */
#ifndef GLINT_KV_INTERNAL_H
#define GLINT_KV_INTERNAL_H

#include "kv.h"

enum kv_opcode {
	KV_OP_GET,
	KV_OP_SET,
	KV_OP_DELETE,
	KV_OP_LIST,
	KV_OP_INCR,
	KV_OP_CAS,
	KV_OP_PURGE,
	KV_OP_SWEEP, /* embedded only: internal, no callback */
};

/* One operation, from submit to callback. The key, value, expected value
 * and cursor are private copies held after the struct (one allocation), so
 * the caller's buffers may go away once the submit returns. */
struct kv_op {
	struct kv_op *next;
	enum kv_opcode code;
	char fn[64];
	size_t fnlen;
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	const char *expect; /* NULL: cas only if absent */
	size_t elen;
	const char *cursor;
	size_t clen;
	int64_t ttl_ms;
	int64_t delta;
	unsigned limit;
	kv_done_fn cb;
	void *opaque;
	struct kv_result res;
	/* Result storage the backend filled; freed with the op. */
	void *rval;
	char **rkeys;
	size_t *rkey_lens;
	char *rcursor;
};

struct kv_ops {
	/* Takes ownership of op and completes it later with kv_op_finish on
	 * the loop thread, or returns a negative errno (op untouched). */
	int (*submit)(struct kv *kv, struct kv_op *op);
	void (*close)(struct kv *kv);
};

struct kv {
	const struct kv_ops *ops;
	uv_loop_t *loop;
	size_t max_key;
	size_t max_value;
	void *impl;
};

/* Runs op's callback with op->res (if it has one) and frees op. */
void kv_op_finish(struct kv_op *op);
void kv_op_free(struct kv_op *op);

/* Adds one key to a list result; -ENOMEM on failure. */
int kv_op_add_key(struct kv_op *op, const char *key, size_t len);
int kv_op_set_cursor(struct kv_op *op, const char *c, size_t len);

/* Strict decimal int64 (Redis's rules: optional '-', no '+', no spaces, no
 * leading zeros). 0 or -EINVAL. */
int kv_parse_int(const char *s, size_t len, int64_t *out);

int kv_lmdb_open(struct kv *kv, const struct kv_config *cfg, char *err,
		 size_t errlen);
int kv_redis_open(struct kv *kv, const struct kv_config *cfg, char *err,
		  size_t errlen);

#endif /* GLINT_KV_INTERNAL_H */
