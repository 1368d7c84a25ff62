/* kv_lmdb.c: the embedded KV backend, LMDB in the state directory.
 *
 * Why LMDB: measured on the build machine (bench/kvengines, 10,000 keys of
 * 100 bytes, 2 cores shared with other builds, load average 8-10):
 *                          2 threads   3 threads   4 threads
 *   reads/s     LMDB         686,000   1,088,000   134,000-479,000
 *               SQLite-WAL    94,000     149,000    72,000-97,000
 *   durable writes/s, 64 to a commit (what this store does)
 *               LMDB           6,100       6,600    4,200-6,600
 *               SQLite-WAL     4,600       4,600    3,300-3,700
 *   durable writes/s, one commit each
 *               LMDB             160         131    84-246
 *               SQLite-WAL       190         302    254-315
 * LMDB reads faster in every run (about 7x; 1.4x in one 4-thread run on
 * the loaded machine) and, with group commit, writes 1.2-1.8x faster.
 * SQLite is faster only at one commit per write (LMDB syncs data and meta
 * page separately), which group commit avoids.
 *
 * Threads: one writer and one reader, each with its own queue. The writer
 * takes every operation queued since its last commit, applies each in a
 * nested transaction (so a failing one does not undo the others), commits
 * once (LMDB's commit fsyncs) and only then hands the results back: a
 * success is never reported before it is on disk, and many concurrent
 * writers share one fsync. Because there is a single writer, incr and cas
 * are atomic without further locking. Results come back to the loop through
 * a queue and a uv_async.
 *
 * Layout: database "data" maps a stored key to a record; "expiry" (DUPSORT)
 * maps an 8-byte big-endian expiry time to the stored keys expiring then,
 * for the sweep. A stored key begins with the function name, length first,
 * so one function's keys are a contiguous range no other function's name can
 * reach. LMDB keys are at most 511 bytes: a user key that does not fit
 * after the name is stored as its first T bytes and the SHA-256 of the whole
 * key, exactly 511 bytes long (short keys are at most 510), and its record
 * holds the whole key.
 *   stored key:  [n][fn: n bytes][key]                     (<= 510 bytes)
 *            or  [n][fn][key[0..T)][sha256(key)]           (== 511 bytes)
 *   record:      [expiry ms, 8 bytes BE, 0 = none][form 0|1]
 *                [form 1: key length 2 bytes BE, key][value]
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kv_internal.h"
#include "sha256.h"

#define SK_MAX 511
#define REC_HEAD 9
#define SWEEP_BATCH 10000

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct kv_op *head, *tail;
	int stop;
	pthread_t th;
	struct lmdb_store *s;
};

struct lmdb_store {
	struct kv *kv;
	MDB_env *env;
	MDB_dbi data, exp;
	struct queue wq, rq;
	pthread_mutex_t done_mu;
	struct kv_op *done, *done_tail;
	struct kv_op *delivering; /* taken from done, being called back */
	uv_async_t async;
	uv_timer_t sweep;
	int sweep_pending;
	int handles;
	unsigned long inflight;
};

struct sk {
	unsigned char b[SK_MAX];
	size_t len;
	size_t head; /* 1 + function name length */
};

struct rec {
	uint64_t expiry;
	const char *key; /* long form only */
	size_t klen;
	const char *val;
	size_t vlen;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int mdb_errno(int rc)
{
	if (rc == 0)
		return 0;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
		return -ENOSPC;
	if (rc == ENOMEM)
		return -ENOMEM;
	return -EIO;
}

static void sk_head(struct sk *k, const struct kv_op *op)
{
	k->b[0] = (unsigned char)op->fnlen;
	memcpy(k->b + 1, op->fn, op->fnlen);
	k->head = 1 + op->fnlen;
	k->len = k->head;
}

/* Bytes of the user key a long-form stored key keeps in the clear. */
static size_t sk_clear(const struct sk *k)
{
	return SK_MAX - SHA256_DIGEST_BYTES - k->head;
}

static void sk_make(struct sk *k, const struct kv_op *op, const char *key,
		    size_t klen)
{
	sk_head(k, op);
	if (k->head + klen < SK_MAX) {
		memcpy(k->b + k->head, key, klen);
		k->len = k->head + klen;
		return;
	}
	memcpy(k->b + k->head, key, sk_clear(k));
	sha256(key, klen, k->b + SK_MAX - SHA256_DIGEST_BYTES);
	k->len = SK_MAX;
}

static int rec_parse(const MDB_val *v, struct rec *r)
{
	const unsigned char *p = v->mv_data;
	size_t off = REC_HEAD;

	if (v->mv_size < REC_HEAD || p[8] > 1)
		return -EIO;
	r->expiry = get_be64(p);
	r->key = NULL;
	r->klen = 0;
	if (p[8] == 1) {
		if (v->mv_size < REC_HEAD + 2)
			return -EIO;
		r->klen = (size_t)p[9] << 8 | p[10];
		r->key = (const char *)p + 11;
		off = 11 + r->klen;
		if (off > v->mv_size)
			return -EIO;
	}
	r->val = (const char *)p + off;
	r->vlen = v->mv_size - off;
	return 0;
}

/* Looks a stored key up; an expired record counts as absent. */
static int lookup(MDB_txn *txn, struct lmdb_store *s, const struct sk *k,
		  const char *key, size_t klen, struct rec *r, int *expired)
{
	MDB_val mk = {k->len, (void *)k->b}, mv;
	int rc = mdb_errno(mdb_get(txn, s->data, &mk, &mv));

	*expired = 0;
	if (rc < 0)
		return rc;
	rc = rec_parse(&mv, r);
	if (rc < 0)
		return rc;
	/* A long-form key is a digest: confirm it is this key. */
	if (k->len == SK_MAX && (r->klen != klen || memcmp(r->key, key, klen)))
		return -EIO;
	if (r->expiry != 0 && r->expiry <= now_ms()) {
		*expired = 1;
		return -ENOENT;
	}
	return 0;
}

static int exp_del(MDB_txn *txn, struct lmdb_store *s, const struct sk *k,
		   uint64_t expiry)
{
	unsigned char e[8];
	MDB_val ek = {8, e}, ev = {k->len, (void *)k->b};
	int rc;

	be64(e, expiry);
	rc = mdb_del(txn, s->exp, &ek, &ev);
	return rc == MDB_NOTFOUND ? 0 : mdb_errno(rc);
}

/* Removes the record at k (and its expiry entry) if there is one. */
static int rec_remove(MDB_txn *txn, struct lmdb_store *s, const struct sk *k)
{
	MDB_val mk = {k->len, (void *)k->b}, mv;
	struct rec r;
	int rc = mdb_get(txn, s->data, &mk, &mv);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_errno(rc);
	if (rec_parse(&mv, &r) == 0 && r.expiry != 0) {
		rc = exp_del(txn, s, k, r.expiry);
		if (rc < 0)
			return rc;
	}
	return mdb_errno(mdb_del(txn, s->data, &mk, NULL));
}

static int rec_put(MDB_txn *txn, struct lmdb_store *s, const struct sk *k,
		   const char *key, size_t klen, const char *val, size_t vlen,
		   uint64_t expiry)
{
	int lng = k->len == SK_MAX;
	size_t head = REC_HEAD + (lng ? 2 + klen : 0);
	MDB_val mk = {k->len, (void *)k->b}, mv = {head + vlen, NULL};
	unsigned char *p;
	int rc = rec_remove(txn, s, k);

	if (rc < 0)
		return rc;
	rc = mdb_errno(mdb_put(txn, s->data, &mk, &mv, MDB_RESERVE));
	if (rc < 0)
		return rc;
	p = mv.mv_data;
	be64(p, expiry);
	p[8] = (unsigned char)lng;
	if (lng) {
		p[9] = (unsigned char)(klen >> 8);
		p[10] = (unsigned char)klen;
		memcpy(p + 11, key, klen);
	}
	memcpy(p + head, val, vlen);
	if (expiry != 0) {
		unsigned char e[8];
		MDB_val ek = {8, e}, ev = {k->len, (void *)k->b};

		be64(e, expiry);
		rc = mdb_errno(mdb_put(txn, s->exp, &ek, &ev, 0));
	}
	return rc;
}

static int w_set(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	uint64_t expiry = op->ttl_ms ? now_ms() + (uint64_t)op->ttl_ms : 0;

	sk_make(&k, op, op->key, op->klen);
	return rec_put(txn, s, &k, op->key, op->klen, op->val, op->vlen,
		       expiry);
}

static int w_delete(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	struct rec r;
	int expired, rc;

	sk_make(&k, op, op->key, op->klen);
	rc = lookup(txn, s, &k, op->key, op->klen, &r, &expired);
	if (rc < 0 && !expired)
		return rc;
	/* An expired key is removed, but reported absent. */
	return rec_remove(txn, s, &k) < 0 ? -EIO : rc;
}

static int w_incr(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	struct rec r;
	int64_t cur = 0;
	uint64_t expiry = 0;
	char buf[24];
	int expired, n;
	int rc;

	sk_make(&k, op, op->key, op->klen);
	rc = lookup(txn, s, &k, op->key, op->klen, &r, &expired);
	if (rc == 0) {
		if (kv_parse_int(r.val, r.vlen, &cur) < 0)
			return -EINVAL;
		expiry = r.expiry;
	} else if (rc != -ENOENT) {
		return rc;
	}
	if (__builtin_add_overflow(cur, op->delta, &cur))
		return -ERANGE;
	n = snprintf(buf, sizeof(buf), "%lld", (long long)cur);
	rc = rec_put(txn, s, &k, op->key, op->klen, buf, (size_t)n, expiry);
	op->res.number = cur;
	return rc;
}

static int w_cas(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	struct rec r;
	int expired, match;
	int rc;

	sk_make(&k, op, op->key, op->klen);
	rc = lookup(txn, s, &k, op->key, op->klen, &r, &expired);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (op->expect == NULL)
		match = rc == -ENOENT;
	else
		match = rc == 0 && r.vlen == op->elen &&
			memcmp(r.val, op->expect, op->elen) == 0;
	op->res.number = match;
	if (!match)
		return 0;
	return rec_put(txn, s, &k, op->key, op->klen, op->val, op->vlen, 0);
}

/* Deletes every record of op's function: the range its name prefixes. */
static int w_purge(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	MDB_cursor *c;
	MDB_val mk, mv;
	int rc;

	sk_head(&k, op);
	rc = mdb_errno(mdb_cursor_open(txn, s->data, &c));
	if (rc < 0)
		return rc;
	for (;;) {
		struct sk cur;
		struct rec r;

		mk.mv_size = k.len;
		mk.mv_data = k.b;
		rc = mdb_cursor_get(c, &mk, &mv, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || mk.mv_size < k.len ||
		    memcmp(mk.mv_data, k.b, k.len) != 0) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		memcpy(cur.b, mk.mv_data, mk.mv_size);
		cur.len = mk.mv_size;
		if (rec_parse(&mv, &r) == 0 && r.expiry != 0 &&
		    (rc = exp_del(txn, s, &cur, r.expiry)) < 0)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return mdb_errno(rc);
}

/* Removes records whose time has come, oldest first, at most a batch. */
static int w_sweep(MDB_txn *txn, struct lmdb_store *s)
{
	uint64_t now = now_ms();
	MDB_cursor *c;
	MDB_val ek, ev;
	int rc = mdb_errno(mdb_cursor_open(txn, s->exp, &c));

	for (int i = 0; rc == 0 && i < SWEEP_BATCH; i++) {
		struct sk k;
		MDB_val mk, mv;
		struct rec r;
		uint64_t e;

		if (mdb_cursor_get(c, &ek, &ev, MDB_FIRST) != 0 ||
		    ek.mv_size != 8)
			break;
		e = get_be64(ek.mv_data);
		if (e > now || ev.mv_size > SK_MAX)
			break;
		memcpy(k.b, ev.mv_data, ev.mv_size);
		k.len = ev.mv_size;
		mk.mv_size = k.len;
		mk.mv_data = k.b;
		rc = mdb_errno(mdb_cursor_del(c, 0));
		if (rc == 0 && mdb_get(txn, s->data, &mk, &mv) == 0 &&
		    rec_parse(&mv, &r) == 0 && r.expiry == e)
			rc = mdb_errno(mdb_del(txn, s->data, &mk, NULL));
	}
	mdb_cursor_close(c);
	return rc;
}

static int w_apply(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	switch (op->code) {
	case KV_OP_SET:
		return w_set(txn, s, op);
	case KV_OP_DELETE:
		return w_delete(txn, s, op);
	case KV_OP_INCR:
		return w_incr(txn, s, op);
	case KV_OP_CAS:
		return w_cas(txn, s, op);
	case KV_OP_PURGE:
		return w_purge(txn, s, op);
	case KV_OP_SWEEP:
		return w_sweep(txn, s);
	default:
		return -EINVAL;
	}
}

/* One group commit: every op in its own nested transaction, then one
 * durable commit for all. */
static void w_batch(struct lmdb_store *s, struct kv_op *ops)
{
	MDB_txn *txn, *child;
	int rc = mdb_errno(mdb_txn_begin(s->env, NULL, 0, &txn));

	for (struct kv_op *op = ops; op != NULL; op = op->next) {
		if (rc < 0) {
			op->res.status = rc;
			continue;
		}
		op->res.status =
			mdb_errno(mdb_txn_begin(s->env, txn, 0, &child));
		if (op->res.status < 0)
			continue;
		int st = w_apply(child, s, op);

		/* -ENOENT (delete of an absent or expired key) may still
		 * have removed an expired record: keep its changes. */
		if (st < 0 && st != -ENOENT) {
			mdb_txn_abort(child);
			op->res.status = st;
			continue;
		}
		op->res.status = mdb_errno(mdb_txn_commit(child));
		if (op->res.status == 0)
			op->res.status = st;
	}
	if (rc == 0)
		rc = mdb_errno(mdb_txn_commit(txn));
	if (rc < 0) {
		for (struct kv_op *op = ops; op != NULL; op = op->next)
			if (op->res.status == 0)
				op->res.status = rc;
	}
}

static int r_get(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk k;
	struct rec r;
	int expired;
	int rc;

	sk_make(&k, op, op->key, op->klen);
	rc = lookup(txn, s, &k, op->key, op->klen, &r, &expired);
	if (rc < 0)
		return rc;
	op->rval = malloc(r.vlen ? r.vlen : 1);
	if (op->rval == NULL)
		return -ENOMEM;
	memcpy(op->rval, r.val, r.vlen);
	op->res.value = op->rval;
	op->res.len = r.vlen;
	return 0;
}

/* The user key a stored key holds (from the record for the long form). */
static void user_key(const struct sk *head, const MDB_val *mk,
		     const struct rec *r, const char **key, size_t *klen)
{
	if (mk->mv_size == SK_MAX) {
		*key = r->key;
		*klen = r->klen;
	} else {
		*key = (const char *)mk->mv_data + head->head;
		*klen = mk->mv_size - head->head;
	}
}

/* Positions c at the first stored key of the page: just after the cursor
 * when there is one, else at the start of the prefix's range (sp). */
static int list_seek(MDB_cursor *c, const struct sk *sp, struct kv_op *op,
		     MDB_val *mk, MDB_val *mv)
{
	struct sk from = *sp;
	int rc;

	if (op->clen > 0) {
		if (sp->head + op->clen > SK_MAX)
			return -EINVAL;
		memcpy(from.b + sp->head, op->cursor, op->clen);
		from.len = sp->head + op->clen;
		if (memcmp(from.b, sp->b, sp->len) < 0)
			from = *sp;
	}
	mk->mv_size = from.len;
	mk->mv_data = from.b;
	rc = mdb_cursor_get(c, mk, mv, MDB_SET_RANGE);
	if (rc == 0 && op->clen > 0 && mk->mv_size == from.len &&
	    memcmp(mk->mv_data, from.b, from.len) == 0)
		rc = mdb_cursor_get(c, mk, mv, MDB_NEXT);
	return mdb_errno(rc);
}

static int in_range(const MDB_val *mk, const struct sk *sp)
{
	return mk->mv_size >= sp->len &&
	       memcmp(mk->mv_data, sp->b, sp->len) == 0;
}

static int r_list(MDB_txn *txn, struct lmdb_store *s, struct kv_op *op)
{
	struct sk sp;
	MDB_cursor *c;
	MDB_val mk, mv;
	uint64_t now = now_ms();
	int rc;

	/* The range every candidate lies in; keys are filtered against the
	 * whole prefix below, which may be longer than a stored key keeps. */
	sk_head(&sp, op);
	sp.len =
		sp.head + (op->klen < sk_clear(&sp) ? op->klen : sk_clear(&sp));
	memcpy(sp.b + sp.head, op->key, sp.len - sp.head);
	rc = mdb_errno(mdb_cursor_open(txn, s->data, &c));
	if (rc < 0)
		return rc;
	rc = list_seek(c, &sp, op, &mk, &mv);
	while (rc == 0 && in_range(&mk, &sp)) {
		struct rec r;
		const char *key;
		size_t klen;

		if (op->res.nkeys == op->limit)
			break; /* the cursor names the last key returned */
		if (rec_parse(&mv, &r) < 0) {
			rc = -EIO;
			break;
		}
		user_key(&sp, &mk, &r, &key, &klen);
		if ((r.expiry == 0 || r.expiry > now) && klen >= op->klen &&
		    memcmp(key, op->key, op->klen) == 0) {
			rc = kv_op_add_key(op, key, klen);
			if (rc == 0)
				rc = kv_op_set_cursor(
					op, (const char *)mk.mv_data + sp.head,
					mk.mv_size - sp.head);
		}
		if (rc == 0)
			rc = mdb_errno(mdb_cursor_get(c, &mk, &mv, MDB_NEXT));
	}
	mdb_cursor_close(c);
	if (rc == -ENOENT || (rc == 0 && op->res.nkeys < op->limit) ||
	    (rc == 0 && !in_range(&mk, &sp))) {
		/* End of the range: the listing is complete. */
		op->res.cursor = NULL;
		op->res.cursor_len = 0;
		rc = 0;
	}
	return rc;
}

static void r_batch(struct lmdb_store *s, struct kv_op *ops)
{
	MDB_txn *txn;
	int rc = mdb_errno(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn));

	for (struct kv_op *op = ops; op != NULL; op = op->next) {
		if (rc < 0)
			op->res.status = rc;
		else if (op->code == KV_OP_GET)
			op->res.status = r_get(txn, s, op);
		else
			op->res.status = r_list(txn, s, op);
	}
	if (rc == 0)
		mdb_txn_abort(txn);
}

static void done_push(struct lmdb_store *s, struct kv_op *ops)
{
	struct kv_op *last = ops;

	while (last->next != NULL)
		last = last->next;
	pthread_mutex_lock(&s->done_mu);
	if (s->done_tail != NULL)
		s->done_tail->next = ops;
	else
		s->done = ops;
	s->done_tail = last;
	pthread_mutex_unlock(&s->done_mu);
	uv_async_send(&s->async);
}

/* Both threads: take everything queued, run it as one batch, hand back. */
static void *queue_main(void *arg)
{
	struct queue *q = arg;
	struct lmdb_store *s = q->s;

	for (;;) {
		struct kv_op *ops;

		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stop) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		ops = q->head;
		q->head = q->tail = NULL;
		pthread_mutex_unlock(&q->mu);
		if (q == &s->wq)
			w_batch(s, ops);
		else
			r_batch(s, ops);
		done_push(s, ops);
	}
}

static void queue_push(struct queue *q, struct kv_op *op)
{
	op->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail != NULL)
		q->tail->next = op;
	else
		q->head = op;
	q->tail = op;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Loop thread: delivers one completed op; keeps the loop referenced only
 * while operations are outstanding. */
static void deliver(struct lmdb_store *s, struct kv_op *op)
{
	if (op->code == KV_OP_SWEEP) {
		s->sweep_pending = 0;
		kv_op_free(op);
		return;
	}
	if (--s->inflight == 0)
		uv_unref((uv_handle_t *)&s->async);
	kv_op_finish(op);
}

static void drain_done(struct lmdb_store *s)
{
	for (;;) {
		struct kv_op *op = s->delivering;

		if (op == NULL) {
			pthread_mutex_lock(&s->done_mu);
			op = s->done;
			s->done = s->done_tail = NULL;
			pthread_mutex_unlock(&s->done_mu);
			if (op == NULL)
				return;
		}
		s->delivering = op->next;
		deliver(s, op);
	}
}

static void on_async(uv_async_t *a)
{
	drain_done(a->data);
}

static int lmdb_submit(struct kv *kv, struct kv_op *op)
{
	struct lmdb_store *s = kv->impl;

	if (s->inflight++ == 0)
		uv_ref((uv_handle_t *)&s->async);
	if (op->code == KV_OP_GET || op->code == KV_OP_LIST)
		queue_push(&s->rq, op);
	else
		queue_push(&s->wq, op);
	return 0;
}

static void on_sweep(uv_timer_t *t)
{
	struct lmdb_store *s = t->data;
	struct kv_op *op;

	if (s->sweep_pending)
		return;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return;
	op->code = KV_OP_SWEEP;
	s->sweep_pending = 1;
	queue_push(&s->wq, op);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct lmdb_store *s = h->data;

	if (--s->handles == 0) {
		free(s->kv);
		free(s);
	}
}

static void cancel_queue(struct lmdb_store *s, struct queue *q)
{
	struct kv_op *op = q->head;

	q->head = q->tail = NULL;
	while (op != NULL) {
		struct kv_op *next = op->next;

		op->res.status = -ECANCELED;
		deliver(s, op);
		op = next;
	}
}

static void stop_thread(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
}

static void lmdb_close(struct kv *kv)
{
	struct lmdb_store *s = kv->impl;

	/* Each thread finishes the batch it holds; what it finished is
	 * reported as done, what it never took as cancelled. */
	stop_thread(&s->wq);
	stop_thread(&s->rq);
	drain_done(s);
	cancel_queue(s, &s->wq);
	cancel_queue(s, &s->rq);
	mdb_env_close(s->env);
	pthread_mutex_destroy(&s->done_mu);
	uv_close((uv_handle_t *)&s->async, on_handle_closed);
	uv_close((uv_handle_t *)&s->sweep, on_handle_closed);
}

static const struct kv_ops lmdb_ops = {lmdb_submit, lmdb_close};

static int env_open(struct lmdb_store *s, const struct kv_config *cfg,
		    char *err, size_t errlen)
{
	size_t map = cfg->map_size ? cfg->map_size : (size_t)1 << 30;
	MDB_txn *txn;
	int dead, rc;

	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "kv: cannot create %s: %s", cfg->dir,
			 strerror(errno));
		return rc;
	}
	rc = mdb_env_create(&s->env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(s->env, map);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(s->env, 2);
	/* No MDB_NOSYNC/MDB_NOMETASYNC: every commit is durable. */
	if (rc == 0)
		rc = mdb_env_open(s->env, cfg->dir, 0, 0600);
	if (rc == 0) /* slots of readers killed by kill -9 */
		rc = mdb_reader_check(s->env, &dead);
	if (rc == 0)
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, "data", MDB_CREATE, &s->data);
		if (rc == 0)
			rc = mdb_dbi_open(txn, "expiry",
					  MDB_CREATE | MDB_DUPSORT, &s->exp);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	if (rc != 0) {
		snprintf(err, errlen, "kv: cannot open database in %s: %s",
			 cfg->dir, mdb_strerror(rc));
		if (s->env != NULL)
			mdb_env_close(s->env);
		return mdb_errno(rc);
	}
	return 0;
}

static int queue_start(struct lmdb_store *s, struct queue *q)
{
	q->s = s;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	return -pthread_create(&q->th, NULL, queue_main, q);
}

int kv_lmdb_open(struct kv *kv, const struct kv_config *cfg, char *err,
		 size_t errlen)
{
	struct lmdb_store *s;
	unsigned sweep = cfg->sweep_ms ? cfg->sweep_ms : 1000;
	int rc;

	if (cfg->dir == NULL || cfg->dir[0] == '\0') {
		snprintf(err, errlen, "kv: embedded backend needs a directory");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = env_open(s, cfg, err, errlen);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->kv = kv;
	pthread_mutex_init(&s->done_mu, NULL);
	rc = queue_start(s, &s->wq);
	if (rc == 0) {
		rc = queue_start(s, &s->rq);
		if (rc < 0)
			stop_thread(&s->wq);
	}
	if (rc < 0) {
		snprintf(err, errlen, "kv: cannot start threads: %s",
			 strerror(-rc));
		mdb_env_close(s->env);
		free(s);
		return rc;
	}
	uv_async_init(kv->loop, &s->async, on_async);
	uv_timer_init(kv->loop, &s->sweep);
	s->async.data = s->sweep.data = s;
	s->handles = 2;
	uv_unref((uv_handle_t *)&s->async);
	uv_timer_start(&s->sweep, on_sweep, sweep, sweep);
	uv_unref((uv_handle_t *)&s->sweep);
	kv->ops = &lmdb_ops;
	kv->impl = s;
	return 0;
}
