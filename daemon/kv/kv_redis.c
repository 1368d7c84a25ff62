/* kv_redis.c: the Redis KV backend, for several glintd hosts sharing state.
 * hiredis's async API on the glintd loop (its libuv adapter).
 *
 * Keys: glint:kv:<fn>:<key>. Function names pass function_name_valid(), so
 * they hold no ':' and the first ':' after "glint:kv:" ends the name: no
 * function can form a key inside another's namespace.
 *
 * Durability is the server's: with appendonly yes and appendfsync always,
 * Redis fsyncs its append-only file before it answers a write, so an
 * acknowledged write survives a power cut; with appendfsync everysec up to
 * a second of acknowledged writes can be lost. Redis batches the fsync of
 * all writes of one event-loop turn (its own group commit).
 *
 * incr is INCRBY; cas is a Lua script (atomic on the server); list is SCAN
 * with MATCH, whose cursor is handed to the caller as the page cursor. SCAN
 * guarantees that a key present during the whole listing is returned at
 * least once; a key may be returned twice, keys added or removed meanwhile
 * may or may not appear, order is unspecified, a page may hold more keys
 * than the limit asked for (COUNT is a hint) or none at all while the
 * cursor says there is more.
 *
 * A lost connection fails the operations in flight with -ECONNRESET (a
 * write may or may not have happened); the next operation reconnects once
 * the server answers a blocking PING (at most 1 s on the loop, not tried
 * again within PROBE_BACKOFF_MS of a failure: meanwhile -ECONNREFUSED). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include <hiredis/adapters/libuv.h>
#pragma GCC diagnostic pop

#include "kv_internal.h"

#define NS "glint:kv:"
#define SCAN_PURGE_COUNT "1000"
#define SCAN_EMPTY_STEPS 16

/* KEYS[1] key; ARGV: 1 = expect present, expected value, new value. */
static const char cas_script[] = "local v = redis.call('GET', KEYS[1])\n"
				 "if ARGV[1] == '0' then\n"
				 "  if v then return 0 end\n"
				 "elseif v ~= ARGV[2] then\n"
				 "  return 0\n"
				 "end\n"
				 "redis.call('SET', KEYS[1], ARGV[3])\n"
				 "return 1\n";

struct redis_store {
	struct kv *kv;
	redisAsyncContext *ac;
	char host[256];
	int port;
	int db;
	int closing;
	uint64_t probe_failed_ms; /* loop time of the last failed probe, 0 */
	uv_timer_t reaper; /* frees the store after a close, see rs_close */
};

/* After a failed probe, operations fail at once for this long: a probe
 * blocks the loop (up to 1 s for a server that does not answer). */
#define PROBE_BACKOFF_MS 1000

static int parse_url(struct redis_store *r, const char *url, char *err,
		     size_t errlen)
{
	const char *p = url, *colon, *slash;
	size_t hlen;
	char *end;

	if (url == NULL)
		goto bad;
	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	colon = strrchr(p, ':');
	slash = strchr(p, '/');
	hlen = (colon	? (size_t)(colon - p)
		: slash ? (size_t)(slash - p)
			: strlen(p));
	if (hlen == 0 || hlen >= sizeof(r->host))
		goto bad;
	memcpy(r->host, p, hlen);
	r->host[hlen] = '\0';
	r->port = 6379;
	if (colon) {
		long port = strtol(colon + 1, &end, 10);

		if (end == colon + 1 || port < 1 || port > 65535 ||
		    (*end != '\0' && *end != '/'))
			goto bad;
		r->port = (int)port;
		slash = *end == '/' ? end : NULL;
	}
	if (slash && slash[1] != '\0') {
		long db = strtol(slash + 1, &end, 10);

		if (*end != '\0' || db < 0 || db > 1000000)
			goto bad;
		r->db = (int)db;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "kv: redis URL must be redis://host[:port][/db], got \"%s\"",
		 url ? url : "");
	return -EINVAL;
}

static void on_connect(const redisAsyncContext *c, int status)
{
	struct redis_store *r = c->data;

	/* hiredis frees a context whose connect failed. */
	if (status != REDIS_OK && r != NULL && r->ac == c)
		r->ac = NULL;
}

static void on_disconnect(const redisAsyncContext *c, int status)
{
	struct redis_store *r = c->data;

	(void)status;
	if (r != NULL && r->ac == c)
		r->ac = NULL;
}

static int rs_connect(struct redis_store *r)
{
	redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);

	if (ac == NULL)
		return -ENOMEM;
	if (ac->err) {
		redisAsyncFree(ac);
		return -ECONNREFUSED;
	}
	ac->data = r;
	if (redisLibuvAttach(ac, r->kv->loop) != REDIS_OK) {
		redisAsyncFree(ac);
		return -ENOMEM;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	r->ac = ac;
	if (r->db != 0 &&
	    redisAsyncCommand(ac, NULL, NULL, "SELECT %d", r->db) != REDIS_OK)
		return -ECONNRESET;
	return 0;
}

/* A command's arguments: at most a few, each pointer and length. */
struct cmd {
	int argc;
	const char *argv[8];
	size_t len[8];
	char *owned[2]; /* freed after sending */
};

static void arg(struct cmd *c, const void *p, size_t n)
{
	c->argv[c->argc] = p;
	c->len[c->argc++] = n;
}

static void arg_str(struct cmd *c, const char *s)
{
	arg(c, s, strlen(s));
}

/* glint:kv:<fn>:<bytes>, escaped for a MATCH pattern when glob is set (and
 * then followed by '*'). */
static int arg_key(struct cmd *c, const struct kv_op *op, const char *b,
		   size_t n, int glob)
{
	size_t ns = strlen(NS), len = ns + op->fnlen + 1;
	char *k = malloc(ns + op->fnlen + 2 + 2 * n + 1);

	if (k == NULL)
		return -ENOMEM;
	memcpy(k, NS, ns);
	memcpy(k + ns, op->fn, op->fnlen);
	k[ns + op->fnlen] = ':';
	for (size_t i = 0; i < n; i++) {
		if (glob && strchr("*?[]\\", b[i]) != NULL && b[i] != '\0')
			k[len++] = '\\';
		k[len++] = b[i];
	}
	if (glob)
		k[len++] = '*';
	c->owned[c->owned[0] ? 1 : 0] = k;
	arg(c, k, len);
	return 0;
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv);

static int probe(struct redis_store *r, long timeout_s, char *err,
		 size_t errlen);

/* 0 when the server answers a PING now; -ECONNREFUSED when it did not, or
 * did not a moment ago. */
static int reachable(struct redis_store *r)
{
	uint64_t now = uv_now(r->kv->loop);
	char err[160];

	if (r->probe_failed_ms && now - r->probe_failed_ms < PROBE_BACKOFF_MS)
		return -ECONNREFUSED;
	if (probe(r, 1, err, sizeof(err)) < 0) {
		r->probe_failed_ms = now ? now : 1;
		return -ECONNREFUSED;
	}
	r->probe_failed_ms = 0;
	return 0;
}

static int send_cmd(struct redis_store *r, struct kv_op *op, struct cmd *c)
{
	int rc = 0;

	/* hiredis 0.14's libuv adapter drops a failed connect (libuv reports
	 * it as an error status, which the adapter ignores), so a command
	 * queued on it would never be answered: the server must answer
	 * before the context is made. */
	if (r->ac == NULL && (rc = reachable(r)) == 0)
		rc = rs_connect(r);
	if (rc == 0 && redisAsyncCommandArgv(r->ac, on_reply, op, c->argc,
					     c->argv, c->len) != REDIS_OK)
		rc = -ECONNRESET;
	free(c->owned[0]);
	free(c->owned[1]);
	return rc;
}

static int send_scan(struct redis_store *r, struct kv_op *op,
		     const char *cursor, size_t clen)
{
	struct cmd c = {0};
	char count[16];
	int purge = op->code == KV_OP_PURGE;

	arg_str(&c, "SCAN");
	arg(&c, cursor, clen);
	arg_str(&c, "MATCH");
	if (arg_key(&c, op, op->key, purge ? 0 : op->klen, 1) < 0)
		return -ENOMEM;
	arg_str(&c, "COUNT");
	snprintf(count, sizeof(count), "%u", op->limit);
	arg_str(&c, purge ? SCAN_PURGE_COUNT : count);
	return send_cmd(r, op, &c);
}

static int build(struct redis_store *r, struct kv_op *op)
{
	struct cmd c = {0};
	char num[24];

	if (op->code == KV_OP_LIST) {
		for (size_t i = 0; i < op->clen; i++)
			if (op->cursor[i] < '0' || op->cursor[i] > '9' ||
			    op->clen > 20)
				return -EINVAL;
		return op->clen ? send_scan(r, op, op->cursor, op->clen)
				: send_scan(r, op, "0", 1);
	}
	if (op->code == KV_OP_PURGE)
		return send_scan(r, op, "0", 1);
	static const char *const verb[] = {
		[KV_OP_GET] = "GET",	[KV_OP_SET] = "SET",
		[KV_OP_DELETE] = "DEL", [KV_OP_INCR] = "INCRBY",
		[KV_OP_CAS] = "EVAL",
	};
	arg_str(&c, verb[op->code]);
	if (op->code == KV_OP_CAS) {
		arg_str(&c, cas_script);
		arg_str(&c, "1");
	}
	if (arg_key(&c, op, op->key, op->klen, 0) < 0)
		return -ENOMEM;
	if (op->code == KV_OP_SET) {
		arg(&c, op->val, op->vlen);
		if (op->ttl_ms > 0) {
			snprintf(num, sizeof(num), "%lld",
				 (long long)op->ttl_ms);
			arg_str(&c, "PX");
			arg_str(&c, num);
		}
	} else if (op->code == KV_OP_INCR) {
		snprintf(num, sizeof(num), "%lld", (long long)op->delta);
		arg_str(&c, num);
	} else if (op->code == KV_OP_CAS) {
		arg_str(&c, op->expect ? "1" : "0");
		arg(&c, op->expect ? op->expect : "", op->elen);
		arg(&c, op->val, op->vlen);
	}
	return send_cmd(r, op, &c);
}

static int rs_submit(struct kv *kv, struct kv_op *op)
{
	struct redis_store *r = kv->impl;

	if (r->closing)
		return -ECANCELED;
	return build(r, op);
}

static int reply_error(const redisReply *rep)
{
	if (strstr(rep->str, "overflow") != NULL)
		return -ERANGE;
	if (strstr(rep->str, "not an integer") != NULL)
		return -EINVAL;
	if (strstr(rep->str, "OOM") != NULL)
		return -ENOSPC;
	return -EIO;
}

/* Sends UNLINK for one SCAN page of a purge; the answer is not awaited
 * (commands on one connection are answered in order, and the purge ends
 * with a PING whose answer comes after all of them). */
static int purge_page(struct redis_store *r, const redisReply *keys)
{
	const char **argv = malloc((keys->elements + 1) * sizeof(*argv));
	size_t *len = malloc((keys->elements + 1) * sizeof(*len));
	int rc = -ENOMEM;

	if (argv != NULL && len != NULL) {
		argv[0] = "UNLINK";
		len[0] = 6;
		for (size_t i = 0; i < keys->elements; i++) {
			argv[i + 1] = keys->element[i]->str;
			len[i + 1] = keys->element[i]->len;
		}
		rc = redisAsyncCommandArgv(r->ac, NULL, NULL,
					   (int)keys->elements + 1, argv,
					   len) == REDIS_OK
			     ? 0
			     : -ECONNRESET;
	}
	free(argv);
	free(len);
	return rc;
}

/* One SCAN answer. Returns 1 when op has been sent on (another SCAN or the
 * final PING) and must not be finished yet. */
static int on_scan(struct redis_store *r, struct kv_op *op,
		   const redisReply *rep)
{
	const redisReply *cur, *keys;
	size_t skip = strlen(NS) + op->fnlen + 1;
	int done;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[1]->type != REDIS_REPLY_ARRAY) {
		op->res.status = -EIO;
		return 0;
	}
	cur = rep->element[0];
	keys = rep->element[1];
	done = cur->len == 1 && cur->str[0] == '0';
	if (op->code == KV_OP_PURGE) {
		struct cmd c = {0};

		op->res.status = keys->elements ? purge_page(r, keys) : 0;
		if (op->res.status < 0)
			return 0;
		if (!done)
			op->res.status = send_scan(r, op, cur->str, cur->len);
		else if (arg_str(&c, "PING"), 1)
			op->res.status = send_cmd(r, op, &c);
		op->limit = done; /* the next answer is the PING's */
		return op->res.status == 0;
	}
	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];

		if (k->type == REDIS_REPLY_STRING && k->len >= skip &&
		    (op->res.status = kv_op_add_key(op, k->str + skip,
						    k->len - skip)) < 0)
			return 0;
	}
	if (done)
		return 0;
	/* An empty SCAN step (other functions' keys filtered out by MATCH):
	 * scan on, but a bounded number of times, so one call cannot take
	 * a round trip per bucket of a huge keyspace; the caller then gets
	 * an empty page with a cursor. */
	if (op->res.nkeys == 0 && ++op->delta < SCAN_EMPTY_STEPS) {
		op->res.status = send_scan(r, op, cur->str, cur->len);
		return op->res.status == 0;
	}
	op->res.status = kv_op_set_cursor(op, cur->str, cur->len);
	return 0;
}

static void on_value(struct kv_op *op, const redisReply *rep)
{
	if (rep->type == REDIS_REPLY_NIL) {
		op->res.status = -ENOENT;
	} else if (rep->type != REDIS_REPLY_STRING) {
		op->res.status = -EIO;
	} else if ((op->rval = malloc(rep->len ? rep->len : 1)) == NULL) {
		op->res.status = -ENOMEM;
	} else {
		memcpy(op->rval, rep->str, rep->len);
		op->res.value = op->rval;
		op->res.len = rep->len;
	}
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_store *r = ac->data;
	struct kv_op *op = priv;
	const redisReply *rep = reply;

	if (rep == NULL) {
		op->res.status = r->closing ? -ECANCELED : -ECONNRESET;
	} else if (rep->type == REDIS_REPLY_ERROR) {
		op->res.status = reply_error(rep);
	} else if (op->code == KV_OP_GET) {
		on_value(op, rep);
	} else if (op->code == KV_OP_SET) {
		op->res.status = rep->type == REDIS_REPLY_STATUS ? 0 : -EIO;
	} else if (op->code == KV_OP_PURGE && op->limit == 1) {
		op->res.status = rep->type == REDIS_REPLY_STATUS ? 0 : -EIO;
	} else if (op->code == KV_OP_LIST || op->code == KV_OP_PURGE) {
		if (on_scan(r, op, rep))
			return;
	} else if (rep->type != REDIS_REPLY_INTEGER) {
		op->res.status = -EIO;
	} else if (op->code == KV_OP_DELETE) {
		op->res.status = rep->integer > 0 ? 0 : -ENOENT;
	} else {
		op->res.number = rep->integer; /* incr, cas */
	}
	kv_op_finish(op);
}

static void on_reaper_closed(uv_handle_t *h)
{
	struct redis_store *r = h->data;

	free(r->kv);
	free(r);
}

static void on_reaper(uv_timer_t *t)
{
	uv_close((uv_handle_t *)t, on_reaper_closed);
}

/* redisAsyncFree answers every pending command with NULL (-ECANCELED here)
 * at once, or, when called from inside a reply callback, right after that
 * callback returns; the store is freed on a later loop turn, once hiredis
 * no longer calls into it. */
static void rs_close(struct kv *kv)
{
	struct redis_store *r = kv->impl;

	r->closing = 1;
	if (r->ac != NULL)
		redisAsyncFree(r->ac);
	uv_timer_start(&r->reaper, on_reaper, 0, 0);
}

static const struct kv_ops redis_ops = {rs_submit, rs_close};

/* One blocking PING at start-up, for a precise error when the server is
 * unreachable; afterwards everything is asynchronous. */
static int probe(struct redis_store *r, long timeout_s, char *err,
		 size_t errlen)
{
	struct timeval tv = {timeout_s, 0};
	redisContext *c = redisConnectWithTimeout(r->host, r->port, tv);
	redisReply *rep = NULL;
	int rc = 0;

	if (c == NULL || c->err) {
		snprintf(err, errlen,
			 "kv: cannot connect to redis at %s:%d: %s", r->host,
			 r->port, c ? c->errstr : "out of memory");
		rc = -ECONNREFUSED;
	} else if ((rep = redisCommand(c, "PING")) == NULL ||
		   rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen,
			 "kv: redis at %s:%d does not answer PING: %s", r->host,
			 r->port, rep ? rep->str : c->errstr);
		rc = -EIO;
	}
	if (rep != NULL)
		freeReplyObject(rep);
	if (c != NULL)
		redisFree(c);
	return rc;
}

int kv_redis_open(struct kv *kv, const struct kv_config *cfg, char *err,
		  size_t errlen)
{
	struct redis_store *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->kv = kv;
	rc = parse_url(r, cfg->redis_url, err, errlen);
	if (rc == 0)
		rc = probe(r, 5, err, errlen);
	if (rc == 0 && (rc = rs_connect(r)) < 0)
		snprintf(err, errlen, "kv: cannot connect to redis at %s:%d",
			 r->host, r->port);
	if (rc < 0) {
		free(r);
		return rc;
	}
	uv_timer_init(kv->loop, &r->reaper);
	r->reaper.data = r;
	kv->ops = &redis_ops;
	kv->impl = r;
	return 0;
}
