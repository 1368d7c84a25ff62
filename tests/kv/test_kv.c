/* test_kv.c: the KV store's suite. The same tests run against the embedded
 * backend (KV_TEST_REDIS=0: LMDB in a fresh directory per test) and the
 * Redis backend (KV_TEST_REDIS=1: one redis-server for the run, started by
 * tests/kv/redis_server.sh with appendfsync always; each test uses function
 * names of its own, made unique by the test process's pid). */
#include "config.h"

#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "check_run.h"
#include "../redis_server.h"
#include "kv.h"

#if !KV_TEST_REDIS
#include <lmdb.h>
#endif

#ifndef KV_TEST_REDIS
#error "build with -DKV_TEST_REDIS=0 or 1"
#endif

static struct test_redis redis; /* KV_TEST_REDIS */

struct ctx {
	uv_loop_t loop;
	struct kv *kv;
	char dir[256];
	struct kv_config cfg;
};

/* What one callback reported, copied out. */
struct res {
	int done;
	int status;
	char *val;
	size_t len;
	int64_t number;
	size_t nkeys;
	char **keys;
	size_t *key_lens;
	char cursor[KV_CURSOR_MAX + 1];
	size_t cursor_len;
};

/* Set around submits: a callback never runs inside the submitting call. */
static int submitting;

static void on_done(const struct kv_result *r, void *opaque)
{
	struct res *out = opaque;

	ck_assert_int_eq(submitting, 0);
	ck_assert_int_eq(out->done, 0); /* exactly once */
	out->done = 1;
	out->status = r->status;
	out->number = r->number;
	out->len = r->len;
	out->val = malloc(r->len + 1);
	memcpy(out->val, r->value ? r->value : "", r->len);
	out->val[r->len] = '\0';
	out->nkeys = r->nkeys;
	out->keys = calloc(r->nkeys + 1, sizeof(char *));
	out->key_lens = calloc(r->nkeys + 1, sizeof(size_t));
	for (size_t i = 0; i < r->nkeys; i++) {
		out->keys[i] = malloc(r->key_lens[i] + 1);
		memcpy(out->keys[i], r->keys[i], r->key_lens[i]);
		out->keys[i][r->key_lens[i]] = '\0';
		out->key_lens[i] = r->key_lens[i];
	}
	ck_assert_uint_le(r->cursor_len, KV_CURSOR_MAX);
	memcpy(out->cursor, r->cursor ? r->cursor : "", r->cursor_len);
	out->cursor_len = r->cursor_len;
}

static void res_free(struct res *r)
{
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->key_lens);
	free(r->val);
	memset(r, 0, sizeof(*r));
}

/* Runs the loop until the callback has fired; a loop with nothing left to
 * do before that is a lost callback. */
static void wait_for(struct ctx *c, struct res *r)
{
	while (!r->done)
		ck_assert_msg(uv_run(&c->loop, UV_RUN_ONCE) != 0 || r->done,
			      "loop idle but callback never fired");
}

/* A function name of this test process: unique per test on a shared
 * redis-server. */
static const char *fname(const char *base)
{
	static char names[8][64];
	static int next;
	char *n = names[next++ % 8];

	snprintf(n, 64, "%s-%d", base, (int)getpid());
	return n;
}

static void ctx_open_cfg(struct ctx *c, size_t max_key, size_t max_value)
{
	char err[256];
	int rc;

	memset(&c->cfg, 0, sizeof(c->cfg));
	c->cfg.max_key = max_key;
	c->cfg.max_value = max_value;
	c->cfg.sweep_ms = 50;
	if (KV_TEST_REDIS) {
		c->cfg.backend = KV_REDIS;
		c->cfg.redis_url = redis.url;
	} else {
		c->cfg.backend = KV_EMBEDDED;
		if (c->dir[0] == '\0') {
			snprintf(c->dir, sizeof(c->dir),
				 "/tmp/glint-kv-XXXXXX");
			ck_assert_ptr_nonnull(mkdtemp(c->dir));
		}
		c->cfg.dir = c->dir;
		c->cfg.map_size = (size_t)256 << 20;
	}
	rc = kv_open(&c->loop, &c->cfg, &c->kv, err, sizeof(err));
	ck_assert_msg(rc == 0, "kv_open: %s", err);
}

static void ctx_open(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	uv_loop_init(&c->loop);
	ctx_open_cfg(c, 0, 0);
}

/* Closes the store and runs the loop until its handles are gone. */
static void ctx_reopen_close(struct ctx *c)
{
	kv_close(c->kv);
	c->kv = NULL;
	uv_run(&c->loop, UV_RUN_DEFAULT);
}

static void ctx_close(struct ctx *c)
{
	char cmd[600];

	ctx_reopen_close(c);
	ck_assert_int_eq(uv_loop_close(&c->loop), 0);
	if (c->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}

static int do_set(struct ctx *c, const char *fn, const char *k, size_t kl,
		  const char *v, size_t vl, int64_t ttl)
{
	struct res r = {0};
	int rc;

	submitting = 1;
	rc = kv_set(c->kv, fn, k, kl, v, vl, ttl, on_done, &r);
	submitting = 0;

	if (rc < 0)
		return rc;
	wait_for(c, &r);
	rc = r.status;
	res_free(&r);
	return rc;
}

static int set_s(struct ctx *c, const char *fn, const char *k, const char *v)
{
	return do_set(c, fn, k, strlen(k), v, strlen(v), 0);
}

/* get into r (caller frees); returns the status or submit error. */
static int get_r(struct ctx *c, const char *fn, const char *k, size_t kl,
		 struct res *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	submitting = 1;
	rc = kv_get(c->kv, fn, k, kl, on_done, r);
	submitting = 0;
	if (rc < 0)
		return rc;
	wait_for(c, r);
	return r->status;
}

/* Asserts key k of fn holds exactly v (NULL: absent). */
static void expect_val(struct ctx *c, const char *fn, const char *k,
		       const char *v)
{
	struct res r;
	int rc = get_r(c, fn, k, strlen(k), &r);

	if (v == NULL) {
		ck_assert_msg(rc == -ENOENT, "%s/%s: want absent, got %d", fn,
			      k, rc);
	} else {
		ck_assert_msg(rc == 0, "%s/%s: get failed %d", fn, k, rc);
		ck_assert_uint_eq(r.len, strlen(v));
		ck_assert_mem_eq(r.val, v, r.len);
	}
	res_free(&r);
}

static int del_s(struct ctx *c, const char *fn, const char *k)
{
	struct res r = {0};
	int rc = kv_delete(c->kv, fn, k, strlen(k), on_done, &r);

	if (rc < 0)
		return rc;
	wait_for(c, &r);
	rc = r.status;
	res_free(&r);
	return rc;
}

static int incr_s(struct ctx *c, const char *fn, const char *k, int64_t d,
		  int64_t *out)
{
	struct res r = {0};
	int rc = kv_incr(c->kv, fn, k, strlen(k), d, on_done, &r);

	if (rc < 0)
		return rc;
	wait_for(c, &r);
	rc = r.status;
	if (out)
		*out = r.number;
	res_free(&r);
	return rc;
}

static int cas_s(struct ctx *c, const char *fn, const char *k,
		 const char *expect, const char *v, int64_t *swapped)
{
	struct res r = {0};
	int rc = kv_cas(c->kv, fn, k, strlen(k), expect,
			expect ? strlen(expect) : 0, v, strlen(v), on_done, &r);

	if (rc < 0)
		return rc;
	wait_for(c, &r);
	rc = r.status;
	*swapped = r.number;
	res_free(&r);
	return rc;
}

static int purge_s(struct ctx *c, const char *fn)
{
	struct res r = {0};
	int rc = kv_purge(c->kv, fn, on_done, &r);

	if (rc < 0)
		return rc;
	wait_for(c, &r);
	rc = r.status;
	res_free(&r);
	return rc;
}

/* All keys of fn under prefix, page by page. Checks what each backend
 * promises about a page: embedded pages hold at most limit keys in
 * ascending order; redis (SCAN) may repeat a key, which is dropped here. */
struct keyset {
	size_t n;
	char *k[4096];
	size_t len[4096];
	unsigned pages;
};

static int keyset_has(const struct keyset *s, const char *k, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->len[i] == len && memcmp(s->k[i], k, len) == 0)
			return 1;
	return 0;
}

static void keyset_free(struct keyset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->k[i]);
	s->n = 0;
}

static int list_all(struct ctx *c, const char *fn, const char *prefix,
		    size_t plen, unsigned limit, struct keyset *out)
{
	char cursor[KV_CURSOR_MAX + 1];
	size_t clen = 0;

	memset(out, 0, sizeof(*out));
	do {
		struct res r = {0};
		int rc = kv_list(c->kv, fn, prefix, plen, cursor, clen, limit,
				 on_done, &r);

		if (rc < 0)
			return rc;
		wait_for(c, &r);
		if (r.status < 0) {
			rc = r.status;
			res_free(&r);
			return rc;
		}
		out->pages++;
		ck_assert_uint_lt(out->pages, 10000);
		if (!KV_TEST_REDIS)
			ck_assert_uint_le(r.nkeys, limit);
		for (size_t i = 0; i < r.nkeys; i++) {
			ck_assert_uint_ge(r.key_lens[i], plen);
			ck_assert_mem_eq(r.keys[i], prefix, plen);
			/* Embedded pages are in key order, except among keys
			 * too long to keep whole in an LMDB key (see
			 * kv_lmdb.c), which come in a fixed order. */
			if (!KV_TEST_REDIS && i > 0 &&
			    r.key_lens[i - 1] < 400 && r.key_lens[i] < 400) {
				size_t a = r.key_lens[i - 1], b = r.key_lens[i];
				int cmp = memcmp(r.keys[i - 1], r.keys[i],
						 a < b ? a : b);

				ck_assert(cmp < 0 || (cmp == 0 && a < b));
			}
			if (keyset_has(out, r.keys[i], r.key_lens[i])) {
				ck_assert_msg(KV_TEST_REDIS, "duplicate key %s",
					      r.keys[i]);
				continue;
			}
			ck_assert_uint_lt(out->n, 4096);
			out->k[out->n] = malloc(r.key_lens[i] + 1);
			memcpy(out->k[out->n], r.keys[i], r.key_lens[i] + 1);
			out->len[out->n++] = r.key_lens[i];
		}
		memcpy(cursor, r.cursor, r.cursor_len);
		clen = r.cursor_len;
		res_free(&r);
	} while (clen > 0);
	return 0;
}

START_TEST(test_basic)
{
	struct ctx c;
	const char *fn = fname("basic");
	static const char bin_key[] = "k\0:*?[x]\\";
	static const char bin_val[] = "\0\1\2value\0with\0nul";
	struct res r;

	ctx_open(&c);
	expect_val(&c, fn, "a", NULL);
	ck_assert_int_eq(set_s(&c, fn, "a", "one"), 0);
	expect_val(&c, fn, "a", "one");
	ck_assert_int_eq(set_s(&c, fn, "a", "two, longer"), 0);
	expect_val(&c, fn, "a", "two, longer");
	ck_assert_int_eq(set_s(&c, fn, "empty", ""), 0);
	expect_val(&c, fn, "empty", "");
	/* Keys and values are bytes: NULs, ':' and glob characters. */
	ck_assert_int_eq(do_set(&c, fn, bin_key, sizeof(bin_key) - 1, bin_val,
				sizeof(bin_val) - 1, 0),
			 0);
	ck_assert_int_eq(get_r(&c, fn, bin_key, sizeof(bin_key) - 1, &r), 0);
	ck_assert_uint_eq(r.len, sizeof(bin_val) - 1);
	ck_assert_mem_eq(r.val, bin_val, r.len);
	res_free(&r);
	ck_assert_int_eq(get_r(&c, fn, "k", 1, &r), -ENOENT);
	res_free(&r);
	ck_assert_int_eq(del_s(&c, fn, "a"), 0);
	expect_val(&c, fn, "a", NULL);
	ck_assert_int_eq(del_s(&c, fn, "a"), -ENOENT);
	ck_assert_int_eq(del_s(&c, fn, "never"), -ENOENT);
	ctx_close(&c);
}
END_TEST

/* Values survive closing and reopening the store. */
START_TEST(test_reopen)
{
	struct ctx c;
	const char *fn = fname("reopen");

	ctx_open(&c);
	ck_assert_int_eq(set_s(&c, fn, "persist", "yes"), 0);
	ctx_reopen_close(&c);
	ctx_open_cfg(&c, 0, 0);
	expect_val(&c, fn, "persist", "yes");
	ctx_close(&c);
}
END_TEST

START_TEST(test_isolation)
{
	struct ctx c;
	char a[64], ab[80], b[64];
	struct keyset ks;

	snprintf(a, sizeof(a), "%s", fname("a"));
	snprintf(ab, sizeof(ab), "%sb", a); /* a name extending another */
	snprintf(b, sizeof(b), "%s", fname("b"));
	ctx_open(&c);
	ck_assert_int_eq(set_s(&c, a, "k", "of-a"), 0);
	ck_assert_int_eq(set_s(&c, b, "k", "of-b"), 0);
	ck_assert_int_eq(set_s(&c, a, "bk", "a-bk"), 0);
	ck_assert_int_eq(set_s(&c, ab, "k", "ab-k"), 0);
	ck_assert_int_eq(set_s(&c, a, "x:y", "a-x:y"), 0);
	expect_val(&c, a, "k", "of-a");
	expect_val(&c, b, "k", "of-b");
	expect_val(&c, ab, "k", "ab-k");
	expect_val(&c, a, "bk", "a-bk");
	expect_val(&c, ab, "bk", NULL);
	expect_val(&c, b, "x:y", NULL);
	/* Listing sees one function's keys only, whatever the prefix. */
	ck_assert_int_eq(list_all(&c, a, "", 0, 100, &ks), 0);
	ck_assert_uint_eq(ks.n, 3);
	ck_assert(keyset_has(&ks, "k", 1) && keyset_has(&ks, "bk", 2) &&
		  keyset_has(&ks, "x:y", 3));
	keyset_free(&ks);
	ck_assert_int_eq(list_all(&c, b, "", 0, 100, &ks), 0);
	ck_assert_uint_eq(ks.n, 1);
	keyset_free(&ks);
	ck_assert_int_eq(list_all(&c, a, "*", 1, 100, &ks), 0);
	ck_assert_uint_eq(ks.n, 0);
	ck_assert_int_eq(del_s(&c, b, "bk"), -ENOENT);
	expect_val(&c, a, "bk", "a-bk");
	ctx_close(&c);
}
END_TEST

/* Names that are not function names are refused before anything is sent,
 * so ':' or '*' cannot reach into another namespace. */
START_TEST(test_bad_function_names)
{
	static const char *const bad[] = {
		"",
		"A",
		"a:b",
		"a*",
		"../x",
		"a b",
		"a/b",
		"a\nb",
		"01234567890123456789012345678901234567890123456789012345678901"
		"23",
	};
	struct ctx c;
	struct res r = {0};

	ctx_open(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(kv_get(c.kv, bad[i], "k", 1, on_done, &r),
				 -EINVAL);
		ck_assert_int_eq(
			kv_set(c.kv, bad[i], "k", 1, "v", 1, 0, on_done, &r),
			-EINVAL);
		ck_assert_int_eq(
			kv_list(c.kv, bad[i], "", 0, NULL, 0, 10, on_done, &r),
			-EINVAL);
		ck_assert_int_eq(kv_purge(c.kv, bad[i], on_done, &r), -EINVAL);
	}
	ck_assert_int_eq(kv_get(c.kv, NULL, "k", 1, on_done, &r), -EINVAL);
	/* A refused submit never calls back: a later op completes alone. */
	ck_assert_int_eq(set_s(&c, fname("ok"), "k", "v"), 0);
	ck_assert_int_eq(r.done, 0);
	ctx_close(&c);
}
END_TEST

START_TEST(test_limits)
{
	struct ctx c;
	const char *fn = fname("limits");
	size_t big = KV_MAX_VALUE_DEFAULT;
	char *key = malloc(KV_MAX_KEY_DEFAULT + 2);
	char *val = malloc(big + 2);
	struct res r = {0};

	memset(key, 'k', KV_MAX_KEY_DEFAULT + 1);
	for (size_t i = 0; i < big + 1; i++)
		val[i] = (char)(i * 7 + i / 251);
	ctx_open(&c);
	ck_assert_int_eq(do_set(&c, fn, key, KV_MAX_KEY_DEFAULT, "v", 1, 0), 0);
	ck_assert_int_eq(kv_set(c.kv, fn, key, KV_MAX_KEY_DEFAULT + 1, "v", 1,
				0, on_done, &r),
			 -ENAMETOOLONG);
	ck_assert_int_eq(
		kv_get(c.kv, fn, key, KV_MAX_KEY_DEFAULT + 1, on_done, &r),
		-ENAMETOOLONG);
	ck_assert_int_eq(kv_get(c.kv, fn, key, 0, on_done, &r), -EINVAL);
	ck_assert_int_eq(kv_set(c.kv, fn, "k", 1, val, big + 1, 0, on_done, &r),
			 -E2BIG);
	ck_assert_int_eq(
		kv_cas(c.kv, fn, "k", 1, NULL, 0, val, big + 1, on_done, &r),
		-E2BIG);
	ck_assert_int_eq(kv_set(c.kv, fn, "k", 1, "v", 1, -1, on_done, &r),
			 -EINVAL);
	ck_assert_int_eq(kv_set(c.kv, fn, "k", 1, "v", 1, KV_TTL_MAX_MS + 1,
				on_done, &r),
			 -EINVAL);
	ck_assert_int_eq(kv_list(c.kv, fn, "", 0, NULL, 0, 0, on_done, &r),
			 -EINVAL);
	ck_assert_int_eq(
		kv_list(c.kv, fn, "", 0, NULL, 0, KV_LIST_MAX + 1, on_done, &r),
		-EINVAL);
	ck_assert_int_eq(r.done, 0);
	/* The largest value goes in and comes back byte for byte. */
	ck_assert_int_eq(do_set(&c, fn, "big", 3, val, big, 0), 0);
	ck_assert_int_eq(get_r(&c, fn, "big", 3, &r), 0);
	ck_assert_uint_eq(r.len, big);
	ck_assert(memcmp(r.val, val, big) == 0);
	res_free(&r);
	ctx_reopen_close(&c);
	/* Limits come from the configuration. */
	ctx_open_cfg(&c, 16, 100);
	ck_assert_int_eq(do_set(&c, fn, key, 16, val, 100, 0), 0);
	ck_assert_int_eq(kv_set(c.kv, fn, key, 17, "v", 1, 0, on_done, &r),
			 -ENAMETOOLONG);
	ck_assert_int_eq(kv_set(c.kv, fn, "k", 1, val, 101, 0, on_done, &r),
			 -E2BIG);
	ctx_close(&c);
	free(key);
	free(val);
}
END_TEST

/* Long keys that share a long beginning stay distinct, and a prefix longer
 * than what the embedded store keeps in the clear still filters exactly. */
START_TEST(test_long_keys)
{
	struct ctx c;
	const char *fn = fname("longkeys");
	char key[KV_MAX_KEY_DEFAULT + 1], val[16];
	struct keyset ks;

	ctx_open(&c);
	memset(key, 'p', sizeof(key));
	for (int len = 490; len <= KV_MAX_KEY_DEFAULT; len++) {
		key[len - 1] = (char)('a' + len % 26);
		snprintf(val, sizeof(val), "v%d", len);
		ck_assert_int_eq(
			do_set(&c, fn, key, (size_t)len, val, strlen(val), 0),
			0);
		key[len - 1] = 'p';
	}
	for (int len = 490; len <= KV_MAX_KEY_DEFAULT; len++) {
		struct res r;

		key[len - 1] = (char)('a' + len % 26);
		snprintf(val, sizeof(val), "v%d", len);
		ck_assert_int_eq(get_r(&c, fn, key, (size_t)len, &r), 0);
		ck_assert_str_eq(r.val, val);
		res_free(&r);
		key[len - 1] = 'p';
	}
	ck_assert_int_eq(list_all(&c, fn, key, 400, 5, &ks), 0);
	ck_assert_uint_eq(ks.n, KV_MAX_KEY_DEFAULT - 490 + 1);
	keyset_free(&ks);
	/* Only the key of length 500 ends its 500th byte with this letter. */
	key[499] = (char)('a' + 500 % 26);
	ck_assert_int_eq(list_all(&c, fn, key, 500, 5, &ks), 0);
	ck_assert_uint_eq(ks.n, 1);
	ck_assert_uint_eq(ks.len[0], 500);
	keyset_free(&ks);
	key[499] = 'p';
	ck_assert_int_eq(del_s(&c, fn, "p"), -ENOENT);
	key[511] = (char)('a' + 512 % 26);
	{
		struct res r = {0};

		ck_assert_int_eq(kv_delete(c.kv, fn, key, 512, on_done, &r), 0);
		wait_for(&c, &r);
		ck_assert_int_eq(r.status, 0);
		res_free(&r);
	}
	ctx_reopen_close(&c);
	ctx_open_cfg(&c, 0, 0);
	{
		struct res r;

		ck_assert_int_eq(get_r(&c, fn, key, 512, &r), -ENOENT);
		res_free(&r);
		key[510] = (char)('a' + 511 % 26);
		key[511] = 'p';
		ck_assert_int_eq(get_r(&c, fn, key, 511, &r), 0);
		ck_assert_str_eq(r.val, "v511");
		res_free(&r);
	}
	ctx_close(&c);
}
END_TEST

/* Waits (generous cap, no speed assumed) until key k of fn reads absent. */
static void wait_expired(struct ctx *c, const char *fn, const char *k)
{
	for (int i = 0; i < 30000; i++) {
		struct res r;
		int rc = get_r(c, fn, k, strlen(k), &r);

		res_free(&r);
		if (rc == -ENOENT)
			return;
		ck_assert_int_eq(rc, 0);
		usleep(1000);
	}
	ck_abort_msg("%s never expired", k);
}

START_TEST(test_ttl)
{
	struct ctx c;
	const char *fn = fname("ttl");
	struct keyset ks;

	ctx_open(&c);
	ck_assert_int_eq(do_set(&c, fn, "short", 5, "x", 1, 1), 0);
	ck_assert_int_eq(do_set(&c, fn, "long", 4, "y", 1, 3600 * 1000), 0);
	/* A set without ttl over a key with one makes it permanent. */
	ck_assert_int_eq(do_set(&c, fn, "kept", 4, "old", 3, 1), 0);
	ck_assert_int_eq(set_s(&c, fn, "kept", "new"), 0);
	wait_expired(&c, fn, "short");
	expect_val(&c, fn, "long", "y");
	expect_val(&c, fn, "kept", "new");
	ck_assert_int_eq(del_s(&c, fn, "short"), -ENOENT);
	/* Expired keys are not listed. */
	ck_assert_int_eq(do_set(&c, fn, "gone", 4, "z", 1, 1), 0);
	wait_expired(&c, fn, "gone");
	ck_assert_int_eq(list_all(&c, fn, "", 0, 10, &ks), 0);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert(keyset_has(&ks, "long", 4) && keyset_has(&ks, "kept", 4));
	keyset_free(&ks);
	/* An expired key counts as absent for incr and cas. */
	ck_assert_int_eq(do_set(&c, fn, "n", 1, "41", 2, 1), 0);
	wait_expired(&c, fn, "n");
	{
		int64_t v, swapped;

		ck_assert_int_eq(incr_s(&c, fn, "n", 5, &v), 0);
		ck_assert_int_eq(v, 5);
		ck_assert_int_eq(do_set(&c, fn, "c", 1, "old", 3, 1), 0);
		wait_expired(&c, fn, "c");
		ck_assert_int_eq(cas_s(&c, fn, "c", NULL, "fresh", &swapped),
				 0);
		ck_assert_int_eq(swapped, 1);
		expect_val(&c, fn, "c", "fresh");
	}
	ctx_close(&c);
}
END_TEST

START_TEST(test_paging)
{
	struct ctx c;
	const char *fn = fname("paging"), *other = fname("pagingx");
	char k[32];
	struct keyset ks;

	ctx_open(&c);
	for (int i = 0; i < 250; i++) {
		snprintf(k, sizeof(k), "p/%03d", i);
		ck_assert_int_eq(set_s(&c, fn, k, "v"), 0);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "q/%03d", i);
		ck_assert_int_eq(set_s(&c, fn, k, "v"), 0);
		snprintf(k, sizeof(k), "p/%03d", 900 + i);
		ck_assert_int_eq(set_s(&c, other, k, "v"), 0);
	}
	ck_assert_int_eq(list_all(&c, fn, "p/", 2, 7, &ks), 0);
	ck_assert_uint_eq(ks.n, 250);
	for (int i = 0; i < 250; i++) {
		snprintf(k, sizeof(k), "p/%03d", i);
		ck_assert_msg(keyset_has(&ks, k, strlen(k)), "missing %s", k);
	}
	if (!KV_TEST_REDIS)
		ck_assert_uint_eq(ks.pages, 36); /* ceil(250 / 7) */
	keyset_free(&ks);
	ck_assert_int_eq(list_all(&c, fn, "", 0, KV_LIST_MAX, &ks), 0);
	ck_assert_uint_eq(ks.n, 260);
	keyset_free(&ks);
	ck_assert_int_eq(list_all(&c, fn, "zz", 2, 10, &ks), 0);
	ck_assert_uint_eq(ks.n, 0);
	keyset_free(&ks);
	/* Prefixes are literal bytes, glob characters included. */
	{
		static const char *const g[] = {"g*1", "g?2", "g[3]", "g\\4",
						"gx"};

		for (int i = 0; i < 5; i++)
			ck_assert_int_eq(set_s(&c, fn, g[i], "v"), 0);
		for (int i = 0; i < 4; i++) {
			ck_assert_int_eq(list_all(&c, fn, g[i], 2, 10, &ks), 0);
			ck_assert_uint_eq(ks.n, 1);
			ck_assert_str_eq(ks.k[0], g[i]);
			keyset_free(&ks);
		}
	}
	if (KV_TEST_REDIS) { /* the redis cursor is SCAN's: digits only */
		struct res r = {0};

		ck_assert_int_eq(
			kv_list(c.kv, fn, "", 0, "12x", 3, 10, on_done, &r),
			-EINVAL);
	} else { /* the embedded cursor is the last key returned */
		struct res r = {0};
		char longc[600];

		ck_assert_int_eq(
			kv_list(c.kv, fn, "p/", 2, "p/245", 5, 10, on_done, &r),
			0);
		wait_for(&c, &r);
		ck_assert_int_eq(r.status, 0);
		ck_assert_uint_eq(r.nkeys, 4);
		ck_assert_str_eq(r.keys[0], "p/246");
		ck_assert_str_eq(r.keys[3], "p/249");
		ck_assert_uint_eq(r.cursor_len, 0);
		res_free(&r);
		memset(longc, 'p', sizeof(longc));
		ck_assert_int_eq(kv_list(c.kv, fn, "p/", 2, longc,
					 sizeof(longc), 10, on_done, &r),
				 0);
		wait_for(&c, &r);
		ck_assert_int_eq(r.status, -EINVAL);
		res_free(&r);
	}
	ctx_close(&c);
}
END_TEST

START_TEST(test_incr)
{
	struct ctx c;
	const char *fn = fname("incr");
	int64_t v;

	ctx_open(&c);
	ck_assert_int_eq(incr_s(&c, fn, "n", 3, &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(incr_s(&c, fn, "n", -10, &v), 0);
	ck_assert_int_eq(v, -7);
	expect_val(&c, fn, "n", "-7");
	ck_assert_int_eq(set_s(&c, fn, "s", "abc"), 0);
	ck_assert_int_eq(incr_s(&c, fn, "s", 1, &v), -EINVAL);
	expect_val(&c, fn, "s", "abc");
	ck_assert_int_eq(set_s(&c, fn, "sp", " 1"), 0);
	ck_assert_int_eq(incr_s(&c, fn, "sp", 1, &v), -EINVAL);
	ck_assert_int_eq(set_s(&c, fn, "max", "9223372036854775807"), 0);
	ck_assert_int_eq(incr_s(&c, fn, "max", 1, &v), -ERANGE);
	expect_val(&c, fn, "max", "9223372036854775807");
	ck_assert_int_eq(set_s(&c, fn, "min", "-9223372036854775808"), 0);
	ck_assert_int_eq(incr_s(&c, fn, "min", -1, &v), -ERANGE);
	ck_assert_int_eq(incr_s(&c, fn, "min", 1, &v), 0);
	ck_assert_int_eq(v, INT64_MIN + 1);
	ctx_close(&c);
}
END_TEST

START_TEST(test_cas)
{
	struct ctx c;
	const char *fn = fname("cas");
	int64_t sw;

	ctx_open(&c);
	ck_assert_int_eq(cas_s(&c, fn, "k", "x", "y", &sw), 0);
	ck_assert_int_eq(sw, 0); /* absent is not "x" */
	expect_val(&c, fn, "k", NULL);
	ck_assert_int_eq(cas_s(&c, fn, "k", NULL, "first", &sw), 0);
	ck_assert_int_eq(sw, 1);
	ck_assert_int_eq(cas_s(&c, fn, "k", NULL, "again", &sw), 0);
	ck_assert_int_eq(sw, 0);
	ck_assert_int_eq(cas_s(&c, fn, "k", "firs", "no", &sw), 0);
	ck_assert_int_eq(sw, 0);
	ck_assert_int_eq(cas_s(&c, fn, "k", "first", "second", &sw), 0);
	ck_assert_int_eq(sw, 1);
	expect_val(&c, fn, "k", "second");
	ck_assert_int_eq(set_s(&c, fn, "e", ""), 0);
	ck_assert_int_eq(cas_s(&c, fn, "e", NULL, "x", &sw), 0);
	ck_assert_int_eq(sw, 0); /* empty is present */
	ck_assert_int_eq(cas_s(&c, fn, "e", "", "x", &sw), 0);
	ck_assert_int_eq(sw, 1);
	ctx_close(&c);
}
END_TEST

/* Many increments in flight at once: every result distinct, none lost. */
enum { N_INCR = 300 };
static struct res incr_res[N_INCR];

START_TEST(test_incr_race)
{
	struct ctx c;
	const char *fn = fname("incrrace");
	char seen[N_INCR + 1] = {0};

	ctx_open(&c);
	for (int i = 0; i < N_INCR; i++)
		ck_assert_int_eq(
			kv_incr(c.kv, fn, "ctr", 3, 1, on_done, &incr_res[i]),
			0);
	for (int i = 0; i < N_INCR; i++) {
		wait_for(&c, &incr_res[i]);
		ck_assert_int_eq(incr_res[i].status, 0);
		ck_assert(incr_res[i].number >= 1 &&
			  incr_res[i].number <= N_INCR);
		ck_assert(!seen[incr_res[i].number]);
		seen[incr_res[i].number] = 1;
		res_free(&incr_res[i]);
	}
	expect_val(&c, fn, "ctr", "300");
	ctx_close(&c);
}
END_TEST

/* Compare-and-set clients racing to count: each reads, then swaps in the
 * next number, retrying on a lost race. The count comes out exact and the
 * number of successful swaps equals it. */
enum { CAS_CLIENTS = 20, CAS_EACH = 10 };
struct cas_client {
	struct ctx *c;
	const char *fn;
	int done_swaps;
	int64_t swaps_total;
	char cur[32], next[32];
	int have_cur, busy;
};

static void cas_step(struct cas_client *cl);
static void on_cas_done(const struct kv_result *r, void *opaque);

static void on_cas_get(const struct kv_result *r, void *opaque)
{
	struct cas_client *cl = opaque;

	ck_assert(r->status == 0 || r->status == -ENOENT);
	cl->have_cur = r->status == 0;
	ck_assert_uint_lt(r->len, sizeof(cl->cur));
	memcpy(cl->cur, r->value ? r->value : "", r->len);
	cl->cur[r->len] = '\0';
	snprintf(cl->next, sizeof(cl->next), "%ld",
		 (cl->have_cur ? atol(cl->cur) : 0) + 1);
	ck_assert_int_eq(kv_cas(cl->c->kv, cl->fn, "count", 5,
				cl->have_cur ? cl->cur : NULL, strlen(cl->cur),
				cl->next, strlen(cl->next), on_cas_done, cl),
			 0);
}

static void on_cas_done(const struct kv_result *r, void *opaque)
{
	struct cas_client *cl = opaque;

	ck_assert_int_eq(r->status, 0);
	if (r->number == 1)
		cl->done_swaps++;
	cas_step(cl);
}

static void cas_step(struct cas_client *cl)
{
	if (cl->done_swaps == CAS_EACH) {
		cl->busy = 0;
		return;
	}
	ck_assert_int_eq(kv_get(cl->c->kv, cl->fn, "count", 5, on_cas_get, cl),
			 0);
}

START_TEST(test_cas_race)
{
	struct ctx c;
	struct cas_client cl[CAS_CLIENTS];
	const char *fn = fname("casrace");
	int busy;

	ctx_open(&c);
	for (int i = 0; i < CAS_CLIENTS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].c = &c;
		cl[i].fn = fn;
		cl[i].busy = 1;
		cas_step(&cl[i]);
	}
	for (;;) {
		int alive;

		busy = 0;
		for (int i = 0; i < CAS_CLIENTS; i++)
			busy |= cl[i].busy;
		if (!busy)
			break;
		alive = uv_run(&c.loop, UV_RUN_ONCE);
		busy = 0;
		for (int i = 0; i < CAS_CLIENTS; i++)
			busy |= cl[i].busy;
		ck_assert_msg(alive || !busy, "loop idle, clients waiting");
	}
	expect_val(&c, fn, "count", "200");
	ctx_close(&c);
}
END_TEST

enum { N_PURGE = 1500 };
static struct res purge_res[N_PURGE];

START_TEST(test_purge)
{
	struct ctx c;
	char a[64], ab[80];
	struct keyset ks;

	snprintf(a, sizeof(a), "%s", fname("purge"));
	snprintf(ab, sizeof(ab), "%sx", a);
	ctx_open(&c);
	/* All in flight at once: they share commits. */
	for (int i = 0; i < N_PURGE; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(kv_set(c.kv, a, k, strlen(k), "v", 1,
					i % 2 ? 3600000 : 0, on_done,
					&purge_res[i]),
				 0);
	}
	for (int i = 0; i < N_PURGE; i++) {
		wait_for(&c, &purge_res[i]);
		ck_assert_int_eq(purge_res[i].status, 0);
		res_free(&purge_res[i]);
	}
	ck_assert_int_eq(set_s(&c, ab, "k1", "stays"), 0);
	ck_assert_int_eq(purge_s(&c, a), 0);
	ck_assert_int_eq(list_all(&c, a, "", 0, 100, &ks), 0);
	ck_assert_uint_eq(ks.n, 0);
	expect_val(&c, a, "k1", NULL);
	expect_val(&c, ab, "k1", "stays");
	ck_assert_int_eq(purge_s(&c, a), 0); /* purging nothing is fine */
	ctx_close(&c);
}
END_TEST

/* Closing with operations in flight calls every callback exactly once
 * (on_done asserts that), and every set reported done is stored. */
enum { N_PENDING = 64 };
static struct res pend[N_PENDING];

START_TEST(test_close_pending)
{
	struct ctx c;
	const char *fn = fname("closing");
	char k[16];

	ctx_open(&c);
	for (int i = 0; i < N_PENDING; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(kv_set(c.kv, fn, k, strlen(k), k, strlen(k), 0,
					on_done, &pend[i]),
				 0);
	}
	ctx_reopen_close(&c);
	ctx_open_cfg(&c, 0, 0);
	for (int i = 0; i < N_PENDING; i++) {
		ck_assert_int_eq(pend[i].done, 1);
		ck_assert(pend[i].status == 0 || pend[i].status == -ECANCELED);
		snprintf(k, sizeof(k), "k%d", i);
		if (pend[i].status == 0)
			expect_val(&c, fn, k, k);
		res_free(&pend[i]);
	}
	ctx_close(&c);
}
END_TEST

/* Durability: a child writes continuously, 16 sets in flight, and reports
 * each acknowledged key on a pipe; the parent kill -9s it at a random
 * number of acknowledgements, then reopens the store and checks that every
 * acknowledged key is there with its value. On Redis some rounds kill -9
 * the server instead and restart it from its append-only file. */
enum {
	ROUNDS = 100,
	IN_FLIGHT = 16,
	ROUND_ACKS = 16384 + 64,
	MAX_ACKS = ROUNDS * ROUND_ACKS
};

struct writer {
	struct ctx c;
	int fd, round, next;
	const char *fn;
};

struct wslot {
	struct writer *w;
	int idx;
};

static size_t dur_value(int round, int i, char *buf)
{
	size_t len = 10 + (size_t)(i * 37 + round) % 900;

	for (size_t j = 0; j < len; j++)
		buf[j] = (char)('a' + (round + i + (int)j) % 26);
	return len;
}

static void writer_next(struct wslot *s);

static void on_durable_set(const struct kv_result *r, void *opaque)
{
	struct wslot *s = opaque;

	if (r->status != 0) /* the server went away: stop acknowledging */
		_exit(0);
	if (write(s->w->fd, &s->idx, sizeof(s->idx)) != sizeof(s->idx))
		_exit(0);
	writer_next(s);
}

static void writer_next(struct wslot *s)
{
	char key[32], val[1000];
	size_t vlen;

	s->idx = s->w->next++;
	snprintf(key, sizeof(key), "r%d-%d", s->w->round, s->idx);
	vlen = dur_value(s->w->round, s->idx, val);
	if (kv_set(s->w->c.kv, s->w->fn, key, strlen(key), val, vlen, 0,
		   on_durable_set, s) != 0)
		_exit(4);
}

static void writer_child(const char *dir, const char *fn, int round, int fd)
{
	static struct writer w;
	static struct wslot slots[IN_FLIGHT];
	char err[256];

	memset(&w, 0, sizeof(w));
	uv_loop_init(&w.c.loop);
	w.fd = fd;
	w.round = round;
	w.fn = fn;
	w.c.cfg.backend = KV_TEST_REDIS ? KV_REDIS : KV_EMBEDDED;
	w.c.cfg.dir = dir;
	w.c.cfg.redis_url = redis.url;
	w.c.cfg.map_size = (size_t)256 << 20;
	if (kv_open(&w.c.loop, &w.c.cfg, &w.c.kv, err, sizeof(err)) < 0) {
		fprintf(stderr, "writer: %s\n", err);
		_exit(3);
	}
	for (int i = 0; i < IN_FLIGHT; i++) {
		slots[i].w = &w;
		writer_next(&slots[i]);
	}
	uv_run(&w.c.loop, UV_RUN_DEFAULT);
	_exit(5);
}

/* Reads acknowledged indexes into out[n..] until want (or EOF if want < 0).
 * A round holds at most what was read before the kill plus what the pipe
 * held then (64 KiB by default). */
static int read_acks(int fd, int *out, int n, int want)
{
	while (n < want || want < 0) {
		ssize_t got = read(fd, &out[n], sizeof(int));

		if (got == 0)
			break;
		ck_assert_int_eq(got, sizeof(int));
		ck_assert_int_lt(++n, ROUND_ACKS);
	}
	return n;
}

/* The run's server again, on its port, after a kill. */
static void redis_restart(void)
{
	ck_assert_int_eq(test_redis_script(&redis, "start"), 0);
}

static void kill_redis(void)
{
	char path[300];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/redis.pid", redis.dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	/* Gone once the port refuses us: poll with a generous cap. */
	for (int i = 0; kill(pid, 0) == 0; i++) {
		ck_assert_int_lt(i, 30000);
		usleep(1000);
	}
}

static void verify_round(struct ctx *c, const char *fn, int round,
			 const int *acks, int n)
{
	char key[32], val[1000];

	for (int i = 0; i < n; i++) {
		struct res r;
		size_t vlen = dur_value(round, acks[i], val);

		snprintf(key, sizeof(key), "r%d-%d", round, acks[i]);
		ck_assert_msg(get_r(c, fn, key, strlen(key), &r) == 0,
			      "round %d: acknowledged %s lost", round, key);
		ck_assert_uint_eq(r.len, vlen);
		ck_assert_mem_eq(r.val, val, vlen);
		res_free(&r);
	}
}

static int acks[MAX_ACKS];
static int round_start[ROUNDS + 1]; /* round r's acks: [start[r], start[r+1]) */

/* One round: returns how many writes the killed writer acknowledged. */
static int kill9_round(struct ctx *c, const char *fn, int round, int *out,
		       unsigned *seed)
{
	int p[2], n, st, kill_server = KV_TEST_REDIS && round % 10 == 9;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		writer_child(c->dir, fn, round, p[1]);
	}
	close(p[1]);
	n = read_acks(p[0], out, 0, 1 + (int)(rand_r(seed) % 48));
	ck_assert_msg(n > 0, "round %d: writer acknowledged nothing", round);
	if (kill_server)
		kill_redis();
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	n = read_acks(p[0], out, n, -1);
	close(p[0]);
	if (kill_server)
		redis_restart();
	return n;
}

START_TEST(test_kill9_durability)
{
	struct ctx c;
	const char *fn = fname("durable");
	unsigned seed = (unsigned)getpid();
	int total = 0;

	ctx_open(&c); /* makes the directory (embedded) */
	ctx_reopen_close(&c);
	for (int round = 0; round < ROUNDS; round++) {
		int n;

		round_start[round] = total;
		n = kill9_round(&c, fn, round, acks + total, &seed);
		ctx_open_cfg(&c, 0, 0);
		verify_round(&c, fn, round, acks + total, n);
		ctx_reopen_close(&c);
		total += n;
	}
	round_start[ROUNDS] = total;
	/* Later kills did not disturb earlier rounds either. */
	ctx_open_cfg(&c, 0, 0);
	for (int round = 0; round < ROUNDS; round++)
		verify_round(&c, fn, round, acks + round_start[round],
			     round_start[round + 1] - round_start[round]);
	fprintf(stderr, "kill9: %d rounds, %d acknowledged writes, none lost\n",
		ROUNDS, total);
	ctx_close(&c);
}
END_TEST

#if !KV_TEST_REDIS
/* Records in the embedded store's data table, read with LMDB directly
 * (the store must be closed: LMDB allows one open per process). */
static size_t data_entries(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;

	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 2), 0);
	ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "data", 0, &dbi), 0);
	ck_assert_int_eq(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return st.ms_entries;
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

/* Expired records are removed from disk by the periodic sweep, not only
 * hidden from readers: poll (generous cap) until only the live one is left,
 * letting the store's loop run a little between looks. */
START_TEST(test_sweep)
{
	struct ctx c;
	const char *fn = fname("sweep");
	uv_timer_t tick;
	int i;

	ctx_open(&c);
	for (i = 0; i < 50; i++) {
		char k[16];

		snprintf(k, sizeof(k), "t%d", i);
		ck_assert_int_eq(do_set(&c, fn, k, strlen(k), "x", 1, 1), 0);
	}
	ck_assert_int_eq(set_s(&c, fn, "live", "y"), 0);
	ctx_reopen_close(&c);
	/* Only the sweep removes records nobody reads or deletes; it may
	 * already have run during the sets. */
	ck_assert_uint_ge(data_entries(c.dir), 1);
	uv_timer_init(&c.loop, &tick);
	for (i = 0; i < 600 && data_entries(c.dir) != 1; i++) {
		ctx_open_cfg(&c, 0, 0);
		uv_timer_start(&tick, on_tick, 100, 0);
		uv_run(&c.loop, UV_RUN_ONCE); /* the timer, or a sweep first */
		while (uv_is_active((uv_handle_t *)&tick))
			uv_run(&c.loop, UV_RUN_ONCE);
		ctx_reopen_close(&c);
	}
	ck_assert_uint_eq(data_entries(c.dir), 1);
	uv_close((uv_handle_t *)&tick, NULL);
	ctx_open_cfg(&c, 0, 0);
	expect_val(&c, fn, "live", "y");
	ctx_close(&c);
}
END_TEST

/* A full embedded store refuses the write that does not fit with "store
 * full" and keeps serving everything else. */
START_TEST(test_store_full)
{
	struct ctx c;
	const char *fn = fname("full");
	size_t vlen = 64 * 1024;
	char *val = malloc(vlen), k[16];
	int rc = 0, n;

	memset(&c, 0, sizeof(c));
	uv_loop_init(&c.loop);
	snprintf(c.dir, sizeof(c.dir), "/tmp/glint-kv-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c.dir));
	c.cfg.backend = KV_EMBEDDED;
	c.cfg.dir = c.dir;
	c.cfg.map_size = 4 << 20;
	{
		char err[256];

		ck_assert_int_eq(
			kv_open(&c.loop, &c.cfg, &c.kv, err, sizeof(err)), 0);
	}
	memset(val, 'f', vlen);
	ck_assert_int_eq(set_s(&c, fn, "small", "kept"), 0);
	for (n = 0; n < 1000 && rc == 0; n++) {
		snprintf(k, sizeof(k), "big%d", n);
		rc = do_set(&c, fn, k, strlen(k), val, vlen, 0);
	}
	ck_assert_int_eq(rc, -ENOSPC);
	expect_val(&c, fn, "small", "kept");
	ck_assert_int_eq(del_s(&c, fn, "big0"), 0);
	ck_assert_int_eq(set_s(&c, fn, "small", "still works"), 0);
	expect_val(&c, fn, "small", "still works");
	free(val);
	ctx_close(&c);
}
END_TEST
#else
/* The server going away fails what is in flight with -ECONNRESET; once it
 * is back, the next operation reconnects. */
START_TEST(test_redis_reconnect)
{
	struct ctx c;
	const char *fn = fname("reconnect");
	int rc = -ECONNRESET;

	ctx_open(&c);
	ck_assert_int_eq(set_s(&c, fn, "k", "before"), 0);
	kill_redis();
	redis_restart();
	for (int i = 0; i < 1000 && rc == -ECONNRESET; i++)
		rc = set_s(&c, fn, "k2", "after");
	ck_assert_int_eq(rc, 0);
	expect_val(&c, fn, "k", "before");
	expect_val(&c, fn, "k2", "after");
	ctx_close(&c);
}
END_TEST

/* A store with short deadlines for the outage tests: they only bound how
 * long a test waits, nothing asserts how long anything took. */
static void ctx_open_deadlines(struct ctx *c, unsigned op_timeout_ms)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	uv_loop_init(&c->loop);
	c->cfg.backend = KV_REDIS;
	c->cfg.redis_url = redis.url;
	c->cfg.connect_timeout_ms = 200;
	c->cfg.op_timeout_ms = op_timeout_ms;
	ck_assert_msg(kv_open(&c->loop, &c->cfg, &c->kv, err, sizeof(err)) == 0,
		      "kv_open: %s", err);
}

/* Redis stopped: every operation is answered (wait_for fails on a lost
 * callback), first -ECONNRESET on the old connection at most, then
 * -ECONNREFUSED; once the server is back, operations succeed again. */
START_TEST(test_redis_down)
{
	struct ctx c;
	struct res r;
	const char *fn = fname("down");
	int rc = 0;

	ctx_open_deadlines(&c, 300);
	ck_assert_int_eq(set_s(&c, fn, "k", "before"), 0);
	kill_redis();
	for (int i = 0; i < 100 && rc != -ECONNREFUSED; i++) {
		rc = get_r(&c, fn, "k", 1, &r);
		res_free(&r);
		ck_assert_msg(rc == -ECONNRESET || rc == -ECONNREFUSED,
			      "get with redis down: %d", rc);
	}
	ck_assert_int_eq(rc, -ECONNREFUSED);
	ck_assert_int_eq(set_s(&c, fn, "k", "x"), -ECONNREFUSED);
	ck_assert_str_eq(kv_strerror(-ECONNREFUSED),
			 "key-value server unreachable");
	redis_restart();
	expect_val(&c, fn, "k", "before");
	ck_assert_int_eq(set_s(&c, fn, "k", "after"), 0);
	expect_val(&c, fn, "k", "after");
	ctx_close(&c);
}
END_TEST

/* A listening socket on the redis port that never answers: backlog
 * connections complete in the kernel and are never read; with backlog 0
 * and one connection queued, further SYNs are dropped. */
static int blackhole_listen(int backlog)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(redis.port));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	return fd;
}

/* Fills a backlog-0 listener's accept queue: one connection completed
 * (polled for, with a generous cap). */
static int blackhole_fill(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(redis.port));
	ck_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ||
		  errno == EINPROGRESS);
	ck_assert_int_eq(poll(&p, 1, 30000), 1);
	return fd;
}

struct ticker {
	uv_timer_t t;
	const struct res *op;
	int while_pending; /* ticks seen before op completed */
};

static void on_ticker(uv_timer_t *t)
{
	struct ticker *k = t->data;

	if (!k->op->done)
		k->while_pending++;
}

/* Submits a get and runs the loop until it completes, with a timer
 * ticking meanwhile; returns the status and how many ticks the loop served
 * while the get was pending. */
static int get_ticking(struct ctx *c, const char *fn, int *ticks)
{
	struct res r;
	struct ticker k = {.op = &r};
	int rc;

	memset(&r, 0, sizeof(r));
	uv_timer_init(&c->loop, &k.t);
	k.t.data = &k;
	rc = kv_get(c->kv, fn, "k", 1, on_done, &r);
	ck_assert_int_eq(rc, 0); /* nothing waits inside the submit */
	uv_timer_start(&k.t, on_ticker, 0, 1);
	wait_for(c, &r);
	uv_close((uv_handle_t *)&k.t, NULL);
	uv_run(&c->loop, UV_RUN_NOWAIT);
	*ticks = k.while_pending;
	rc = r.status;
	res_free(&r);
	return rc;
}

struct resetter {
	uv_timer_t t;
	int listen_fd;
	int fd;	   /* the store's connection, once accepted; else -1 */
	int reset; /* it was reset with the command sent on it */
};

/* Once the store is connected and has sent its command (readable on our
 * side): reset the connection (linger 0 makes close send RST), which the
 * store sees as a socket error. */
static void on_resetter(uv_timer_t *t)
{
	struct resetter *k = t->data;
	struct linger l = {1, 0};
	struct pollfd p = {.events = POLLIN};

	if (k->reset)
		return;
	if (k->fd < 0)
		k->fd = accept4(k->listen_fd, NULL, NULL, SOCK_NONBLOCK);
	p.fd = k->fd;
	if (k->fd < 0 || poll(&p, 1, 0) != 1)
		return;
	ck_assert_int_eq(
		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	close(k->fd);
	k->reset = 1;
}

/* A connection reset while an operation waits on it is answered from the
 * socket error itself (libuv reports it as an error status): the answer
 * deadline is far beyond the test's own time limit, so only that path can
 * answer. */
START_TEST(test_redis_reset)
{
	struct ctx c;
	struct res r;
	struct resetter k = {.fd = -1};
	const char *fn = fname("reset");
	int rc;

	ctx_open_deadlines(&c, 3600 * 1000);
	ck_assert_int_eq(set_s(&c, fn, "k", "before"), 0);
	kill_redis();
	rc = get_r(&c, fn, "k", 1, &r); /* the old connection goes */
	res_free(&r);
	ck_assert(rc == -ECONNRESET || rc == -ECONNREFUSED);

	k.listen_fd = blackhole_listen(16);
	uv_timer_init(&c.loop, &k.t);
	k.t.data = &k;
	uv_timer_start(&k.t, on_resetter, 0, 1);
	rc = get_r(&c, fn, "k", 1, &r);
	res_free(&r);
	ck_assert_int_eq(rc, -ECONNRESET);
	ck_assert_int_eq(k.reset, 1); /* the reset really happened */
	uv_close((uv_handle_t *)&k.t, NULL);
	close(k.listen_fd);

	redis_restart();
	expect_val(&c, fn, "k", "before");
	ctx_close(&c);
}
END_TEST

/* A server that accepts and never answers, then one whose connect never
 * completes: the operation fails after the configured deadline with the
 * documented error while the loop keeps serving; then the real server is
 * back and operations succeed again. */
START_TEST(test_redis_blackhole)
{
	struct ctx c;
	struct res r;
	const char *fn = fname("blackhole");
	int bh, fill, acc, ticks = 0, rc;

	ctx_open_deadlines(&c, 300);
	ck_assert_int_eq(set_s(&c, fn, "k", "before"), 0);
	kill_redis();
	rc = get_r(&c, fn, "k", 1, &r); /* the old connection goes */
	res_free(&r);
	ck_assert(rc == -ECONNRESET || rc == -ECONNREFUSED);

	bh = blackhole_listen(16);
	ck_assert_int_eq(get_ticking(&c, fn, &ticks), -ECONNRESET);
	ck_assert_int_ge(ticks, 1);
	/* The store really was connected to the blackhole. */
	acc = accept(bh, NULL, NULL);
	ck_assert_int_ge(acc, 0);
	close(acc);
	close(bh);

	bh = blackhole_listen(0);
	fill = blackhole_fill();
	ck_assert_int_eq(get_ticking(&c, fn, &ticks), -ECONNREFUSED);
	ck_assert_int_ge(ticks, 1);
	close(fill);
	close(bh);

	redis_restart();
	expect_val(&c, fn, "k", "before");
	ctx_close(&c);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create(KV_TEST_REDIS ? "kv-redis" : "kv-embedded");
	TCase *tc = tcase_create("store");
	TCase *dur = tcase_create("durability");
	int rc;

	if (KV_TEST_REDIS)
		test_redis_start(&redis, "kv");
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_isolation);
	tcase_add_test(tc, test_bad_function_names);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_long_keys);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_incr);
	tcase_add_test(tc, test_cas);
	tcase_add_test(tc, test_incr_race);
	tcase_add_test(tc, test_cas_race);
	tcase_add_test(tc, test_purge);
	tcase_add_test(tc, test_close_pending);
#if KV_TEST_REDIS
	tcase_add_test(tc, test_redis_reconnect);
#else
	tcase_add_test(tc, test_store_full);
	tcase_add_test(tc, test_sweep);
#endif
	suite_add_tcase(s, tc);
	/* 100 rounds of fork, kill and verify: no time limit from Check, the
	 * rounds themselves wait only on conditions. */
	tcase_set_timeout(dur, 0);
	tcase_add_test(dur, test_kill9_durability);
	suite_add_tcase(s, dur);
#if KV_TEST_REDIS
	/* Last: they stop and restart the run's server. */
	TCase *outage = tcase_create("outage");

	tcase_add_test(outage, test_redis_down);
	tcase_add_test(outage, test_redis_blackhole);
	tcase_add_test(outage, test_redis_reset);
	suite_add_tcase(s, outage);
#endif
	rc = check_run(s);
	if (KV_TEST_REDIS)
		test_redis_stop(&redis);
	return rc;
}
