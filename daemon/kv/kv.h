/* kv.h: per-function durable key-value state, the store behind the KV host
 * calls. One interface, two backends chosen by configuration:
 *   embedded  LMDB in the state directory (kv_lmdb.c), nothing to run;
 *   redis     a Redis server reached with hiredis on the loop (kv_redis.c),
 *             for several glintd hosts sharing state.
 *
 * Every operation is asynchronous and driven by the caller's libuv loop: all
 * calls are made on the loop thread and every result is delivered there. Libuv style: an operation that
 * returns a negative errno was not submitted and its callback never fires;
 * one that returns 0 fires its callback exactly once, never from inside the
 * submitting call. Results are negative errnos too:
 *   -ENOENT        key absent (get, delete) or expired
 *   -EINVAL        function name invalid, key empty, ttl out of range,
 *                  incr on a value that is not a decimal 64-bit integer,
 *                  list limit 0 or cursor not one this store produced
 *   -ENAMETOOLONG  key longer than kv_config.max_key
 *   -E2BIG         value longer than kv_config.max_value
 *   -ERANGE        incr would overflow a signed 64-bit integer
 *   -ENOSPC        embedded store full (kv_config.map_size)
 *   -ECONNRESET    redis connection lost before the answer came, or no
 *                  answer on it for kv_config.op_timeout_ms (the write
 *                  may or may not have happened); the connection is
 *                  dropped and the next operation connects again
 *   -ECONNREFUSED  redis unreachable when (re)connecting: refused at once
 *                  (from the submit) or failed, or not connected within
 *                  kv_config.connect_timeout_ms (from the callback)
 *   -ECANCELED     store closed before the operation completed
 *   -EIO           anything else the engine reports
 *
 * Namespacing: every key is stored under its function's name, which must
 * pass function_name_valid(); no operation takes a stored key, so no
 * function can name another's keys (see the backends for the encoding).
 *
 * Durability: a set/delete/incr/cas whose callback reports success is on
 * stable storage (embedded: committed and fsynced, many writers grouped into
 * one commit; redis: what the server's appendfsync gives, "always" for
 * surviving a power cut). */
#ifndef GLINT_KV_H
#define GLINT_KV_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define KV_MAX_KEY_DEFAULT 512
#define KV_MAX_VALUE_DEFAULT (1024 * 1024)
#define KV_MAX_KEY_LIMIT 4096 /* largest max_key a config may set */
#define KV_MAX_VALUE_LIMIT (64 * 1024 * 1024)
#define KV_TTL_MAX_MS 315360000000LL /* ten years */
#define KV_LIST_MAX 1000	     /* largest page kv_list returns */
#define KV_CURSOR_MAX (KV_MAX_KEY_LIMIT + 8)

enum kv_backend { KV_EMBEDDED = 0, KV_REDIS = 1 };

struct kv_config {
	enum kv_backend backend;
	const char *dir;       /* embedded: directory of the database */
	const char *redis_url; /* redis: redis://host:port[/db] */
	size_t max_key;	       /* 0 = KV_MAX_KEY_DEFAULT */
	size_t max_value;      /* 0 = KV_MAX_VALUE_DEFAULT */
	size_t map_size;       /* embedded: largest database size; 0 = 1 GiB */
	unsigned sweep_ms;     /* expired-key sweep period; 0 = 1000 */
	/* redis: a connect not done within this fails what waits on it
	 * (kv_open's own start-up check waits up to 5 s). 0 = 1000. */
	unsigned connect_timeout_ms;
	/* redis: operations left without any answer this long on a live
	 * connection fail with -ECONNRESET. 0 = 5000. */
	unsigned op_timeout_ms;
};

/* What an operation reports. Pointers are valid only during the callback. */
struct kv_result {
	int status;	   /* 0 or a negative errno (above) */
	const void *value; /* get: the value */
	size_t len;
	int64_t number; /* incr: the new value; cas: 1 swapped, 0 not */
	/* list: the keys of this page (function's own keys, without any
	 * prefix of the store) and the cursor for the next page: empty
	 * (cursor_len 0) when the listing is complete. */
	size_t nkeys;
	const char *const *keys;
	const size_t *key_lens;
	const char *cursor;
	size_t cursor_len;
};

struct kv;
typedef void (*kv_done_fn)(const struct kv_result *r, void *opaque);

/* Opens the store described by cfg on loop. On failure returns a negative
 * errno and writes a sentence into err. */
int kv_open(uv_loop_t *loop, const struct kv_config *cfg, struct kv **out,
	    char *err, size_t errlen);

/* Completes every operation still pending: those already done with their
 * result, the others with -ECANCELED (callbacks run inside kv_close, or,
 * on Redis when called from a callback, right after it returns). Memory is
 * released once the loop has run the handles' close callbacks. */
void kv_close(struct kv *kv);

int kv_get(struct kv *kv, const char *fn, const void *key, size_t klen,
	   kv_done_fn cb, void *opaque);
/* ttl_ms 0: no expiry; otherwise the key expires ttl_ms after the set. */
int kv_set(struct kv *kv, const char *fn, const void *key, size_t klen,
	   const void *val, size_t vlen, int64_t ttl_ms, kv_done_fn cb,
	   void *opaque);
int kv_delete(struct kv *kv, const char *fn, const void *key, size_t klen,
	      kv_done_fn cb, void *opaque);
/* Keys of fn beginning with prefix; cursor (NULL/0 first) from the previous
 * page; the listing is complete when the cursor comes back empty. Embedded:
 * at most limit (<= KV_LIST_MAX) keys a page, in key order. Redis (SCAN): a
 * page may hold more than limit keys, or none, and may repeat a key. */
int kv_list(struct kv *kv, const char *fn, const void *prefix, size_t plen,
	    const char *cursor, size_t clen, unsigned limit, kv_done_fn cb,
	    void *opaque);
/* Adds delta to the decimal integer stored at key (absent counts as 0) and
 * reports the result in number; keeps the key's expiry. */
int kv_incr(struct kv *kv, const char *fn, const void *key, size_t klen,
	    int64_t delta, kv_done_fn cb, void *opaque);
/* Sets key to val (without expiry) only if its current value equals expect;
 * expect NULL means "only if absent". number = 1 when swapped, 0 when the
 * current value differed (status 0 either way). */
int kv_cas(struct kv *kv, const char *fn, const void *key, size_t klen,
	   const void *expect, size_t elen, const void *val, size_t vlen,
	   kv_done_fn cb, void *opaque);
/* Deletes every key of fn (for deleting a function with ?purge=1). */
int kv_purge(struct kv *kv, const char *fn, kv_done_fn cb, void *opaque);

/* Human text for a kv status. */
const char *kv_strerror(int status);

#endif /* GLINT_KV_H */
