/* kv_redis.c: the Redis KV backend, for several glintd hosts sharing state.
 * hiredis's async API on the glintd loop, attached by a small adapter of
 * our own (one uv_poll_t per connection, below).
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
 * Nothing blocks the loop after kv_open. A connect runs in the background
 * with the operations queued behind it; one refused, failed or not done
 * within connect_timeout_ms fails them with -ECONNREFUSED. On a live
 * connection, operations waiting op_timeout_ms without any answer (a
 * server that stopped answering: packets dropped, process stopped) fail
 * with -ECONNRESET and the connection is dropped, as is a connection lost
 * outright (a write may or may not have happened either way). The next
 * operation connects again. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

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

#define CONNECT_TIMEOUT_DEFAULT_MS 1000
#define OP_TIMEOUT_DEFAULT_MS 5000

struct redis_store;

/* One connection: the hiredis context and the poll handle watching its
 * socket. Freed when the poll handle's close completes, which is after
 * hiredis's last call into it (cleanup comes last in redisAsyncFree). */
struct rs_conn {
	struct redis_store *r;
	redisAsyncContext *ac; /* NULL once hiredis has cleaned up */
	uv_poll_t poll;
	int events;	  /* UV_READABLE | UV_WRITABLE hiredis asked for */
	int connected;	  /* connect completed */
	int fail_status;  /* what pending operations get when it goes away */
	unsigned pending; /* operations waiting for an answer */
};

struct redis_store {
	struct kv *kv;
	redisAsyncContext *ac; /* the current connection, or NULL */
	char host[256];
	int port;
	int db;
	int closing;
	uint64_t connect_timeout_ms;
	uint64_t op_timeout_ms;
	uv_timer_t watchdog; /* connect, then answer deadline of r->ac */
	uv_timer_t reaper;   /* frees the store after a close, see rs_close */
};

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

static void on_watchdog(uv_timer_t *t);

static void on_poll_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct rs_conn *cn = h->data;

	/* libuv reports a socket error (connect refused, connection reset)
	 * as a negative status with no events and stops the handle; hiredis
	 * only learns of the error by looking at the socket, which a read
	 * does (SO_ERROR while connecting, read(2) after): without it the
	 * connection would hang with its operations unanswered. */
	if (status < 0)
		events = UV_READABLE;
	if ((events & UV_READABLE) && cn->ac != NULL)
		redisAsyncHandleRead(cn->ac);
	/* The read may have freed the context (cleanup clears cn->ac). */
	if ((events & UV_WRITABLE) && cn->ac != NULL)
		redisAsyncHandleWrite(cn->ac);
}

/* uv_poll_start on an active handle only changes its events, and also
 * re-arms a handle libuv stopped after an error. */
static void set_events(struct rs_conn *cn, int events)
{
	cn->events = events;
	if (events != 0)
		uv_poll_start(&cn->poll, events, on_poll);
	else
		uv_poll_stop(&cn->poll);
}

static void ev_add_read(void *p)
{
	struct rs_conn *cn = p;

	set_events(cn, cn->events | UV_READABLE);
}

static void ev_del_read(void *p)
{
	struct rs_conn *cn = p;

	set_events(cn, cn->events & ~UV_READABLE);
}

static void ev_add_write(void *p)
{
	struct rs_conn *cn = p;

	set_events(cn, cn->events | UV_WRITABLE);
}

static void ev_del_write(void *p)
{
	struct rs_conn *cn = p;

	set_events(cn, cn->events & ~UV_WRITABLE);
}

/* hiredis's last call into a connection; the memory stays until the
 * handle's close completes on the loop. */
static void ev_cleanup(void *p)
{
	struct rs_conn *cn = p;

	cn->ac = NULL;
	uv_close((uv_handle_t *)&cn->poll, on_poll_closed);
}

static int attach(struct redis_store *r, redisAsyncContext *ac)
{
	struct rs_conn *cn = calloc(1, sizeof(*cn));

	if (cn == NULL)
		return -ENOMEM;
	if (uv_poll_init_socket(r->kv->loop, &cn->poll, ac->c.fd) < 0) {
		free(cn);
		return -ENOMEM;
	}
	cn->poll.data = cn;
	cn->r = r;
	cn->ac = ac;
	cn->fail_status = -ECONNREFUSED;
	ac->data = cn;
	ac->ev.data = cn;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	return 0;
}

/* The current connection is gone (or going): the next operation connects
 * again. */
static void forget(struct redis_store *r, const redisAsyncContext *c)
{
	if (r->ac == c) {
		r->ac = NULL;
		uv_timer_stop(&r->watchdog);
	}
}

static void on_connect(const redisAsyncContext *c, int status)
{
	struct rs_conn *cn = c->data;
	struct redis_store *r = cn->r;

	/* hiredis frees a context whose connect failed, answering what was
	 * queued on it with NULL (fail_status is still -ECONNREFUSED). */
	if (status != REDIS_OK) {
		forget(r, c);
		return;
	}
	cn->connected = 1;
	cn->fail_status = -ECONNRESET;
	if (r->ac != c)
		return;
	if (cn->pending)
		uv_timer_start(&r->watchdog, on_watchdog, r->op_timeout_ms, 0);
	else
		uv_timer_stop(&r->watchdog);
}

static void on_disconnect(const redisAsyncContext *c, int status)
{
	struct rs_conn *cn = c->data;

	(void)status;
	forget(cn->r, c);
}

/* A connect that did not complete in time, or a connection that left its
 * operations unanswered for op_timeout_ms: dropped, so that its operations
 * get their answer (the connection's fail_status) now. */
static void on_watchdog(uv_timer_t *t)
{
	struct redis_store *r = t->data;
	redisAsyncContext *ac = r->ac;
	struct rs_conn *cn;
	struct pollfd pfd;

	if (ac == NULL)
		return;
	/* libuv runs timers before it polls: after the loop stalled, the
	 * connect or an answer may be waiting in the socket. Then this turn's
	 * poll hands it to hiredis and the deadline starts again; a working
	 * connection is never dropped for the loop's own slowness. */
	cn = ac->data;
	pfd.fd = ac->c.fd;
	pfd.events = cn->connected ? POLLIN : POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) > 0) {
		uv_timer_start(t, on_watchdog,
			       cn->connected ? r->op_timeout_ms
					     : r->connect_timeout_ms,
			       0);
		return;
	}
	r->ac = NULL;
	redisAsyncFree(ac);
}

static int rs_connect(struct redis_store *r)
{
	redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);
	int rc;

	if (ac == NULL)
		return -ENOMEM;
	if (ac->err) {
		redisAsyncFree(ac);
		return -ECONNREFUSED;
	}
	rc = attach(r, ac);
	if (rc < 0) {
		redisAsyncFree(ac);
		return rc;
	}
	/* Hooks first: setting the connect callback arms the write watch. */
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	r->ac = ac;
	/* The loop's clock may be stale (a submit outside a callback, after
	 * the loop was idle): deadlines run from now. */
	uv_update_time(r->kv->loop);
	uv_timer_start(&r->watchdog, on_watchdog, r->connect_timeout_ms, 0);
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

static int send_cmd(struct redis_store *r, struct kv_op *op, struct cmd *c)
{
	struct rs_conn *cn;
	int rc = 0;

	if (r->ac == NULL)
		rc = rs_connect(r);
	if (rc == 0 && redisAsyncCommandArgv(r->ac, on_reply, op, c->argc,
					     c->argv, c->len) != REDIS_OK)
		rc = -ECONNRESET;
	if (rc == 0) {
		cn = r->ac->data;
		cn->pending++;
		/* The deadline runs from the oldest unanswered moment: a
		 * stream of new operations does not extend it. */
		if (cn->connected &&
		    !uv_is_active((uv_handle_t *)&r->watchdog)) {
			uv_update_time(r->kv->loop);
			uv_timer_start(&r->watchdog, on_watchdog,
				       r->op_timeout_ms, 0);
		}
	}
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
	struct rs_conn *cn = ac->data;
	struct redis_store *r = cn->r;
	struct kv_op *op = priv;
	const redisReply *rep = reply;

	if (cn->pending > 0)
		cn->pending--;
	/* An answer is progress: the deadline starts again for the rest. */
	if (rep != NULL && r->ac == ac && cn->pending > 0)
		uv_timer_start(&r->watchdog, on_watchdog, r->op_timeout_ms, 0);
	else if (rep != NULL && r->ac == ac)
		uv_timer_stop(&r->watchdog);
	if (rep == NULL) {
		op->res.status = r->closing ? -ECANCELED : cn->fail_status;
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

static void on_watchdog_closed(uv_handle_t *h)
{
	struct redis_store *r = h->data;

	uv_timer_start(&r->reaper, on_reaper, 0, 0);
}

/* redisAsyncFree answers every pending command with NULL (-ECANCELED here)
 * at once, or, when called from inside a reply callback, right after that
 * callback returns; the store is freed on a later loop turn, once hiredis
 * no longer calls into it. */
static void rs_close(struct kv *kv)
{
	struct redis_store *r = kv->impl;

	redisAsyncContext *ac = r->ac;

	r->closing = 1;
	r->ac = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
	uv_close((uv_handle_t *)&r->watchdog, on_watchdog_closed);
}

static const struct kv_ops redis_ops = {rs_submit, rs_close};

/* One blocking PING at start-up, before the loop serves anything, for a
 * precise error when the server is unreachable; afterwards everything is
 * asynchronous. */
static int probe(struct redis_store *r, char *err, size_t errlen)
{
	struct timeval tv = {5, 0};
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
	r->connect_timeout_ms = cfg->connect_timeout_ms
					? cfg->connect_timeout_ms
					: CONNECT_TIMEOUT_DEFAULT_MS;
	r->op_timeout_ms =
		cfg->op_timeout_ms ? cfg->op_timeout_ms : OP_TIMEOUT_DEFAULT_MS;
	rc = parse_url(r, cfg->redis_url, err, errlen);
	if (rc == 0)
		rc = probe(r, err, errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	uv_timer_init(kv->loop, &r->watchdog);
	r->watchdog.data = r;
	uv_timer_init(kv->loop, &r->reaper);
	r->reaper.data = r;
	kv->ops = &redis_ops;
	kv->impl = r;
	return 0;
}
