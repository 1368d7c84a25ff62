/* kvapi.c: the operators' KV routes: arguments from the request target, the
 * store's answers as outcomes and bodies. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kv.h"
#include "kvapi.h"
#include "text.h"

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes src[0..len) into a malloc'd, NUL-terminated buffer. A '%' not
 * followed by two hex digits is refused: guessing would make two spellings
 * name one key. */
static int decode(const char *src, size_t len, char **out, size_t *out_len)
{
	char *d = malloc(len + 1);
	size_t n = 0;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (src[i] != '%') {
			d[n++] = src[i];
			continue;
		}
		if (i + 2 >= len || (hi = hex_digit(src[i + 1])) < 0 ||
		    (lo = hex_digit(src[i + 2])) < 0) {
			free(d);
			return -EINVAL;
		}
		d[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[n] = '\0';
	*out = d;
	*out_len = n;
	return 0;
}

int kvapi_key_from_target(const char *raw_uri, char **key, size_t *klen)
{
	const char *p, *end;

	if (!raw_uri || strncmp(raw_uri, "/functions/", 11) != 0)
		return -EINVAL;
	p = strchr(raw_uri + 11, '/');
	if (!p || strncmp(p, "/kv/", 4) != 0)
		return -EINVAL;
	p += 4;
	end = strchr(p, '?');
	if (!end)
		end = p + strlen(p);
	return decode(p, (size_t)(end - p), key, klen);
}

static int refuse(struct kvapi_call *c, enum engine_outcome o, int err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct kvapi_call *c, enum engine_outcome o, int err,
		  const char *fmt, ...)
{
	va_list ap;

	c->outcome = o;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return err;
}

static int parse_number(const char *s, size_t len, int64_t min, int64_t max,
			int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 18)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One "name=value" of the query: which arguments an operation takes and
 * what they may be. */
static int query_arg(struct kvapi_call *c, const char *name, size_t nlen,
		     const char *val, size_t vlen)
{
	int64_t n;
	char **dst = NULL;
	size_t *dlen = NULL;

	if (c->op == KVAPI_SET && nlen == 6 && !memcmp(name, "ttl_ms", 6)) {
		if (parse_number(val, vlen, 1, KV_TTL_MAX_MS, &n) < 0)
			return refuse(c, ENGINE_INVALID_KV_QUERY, -EINVAL,
				      "ttl_ms must be a whole number of "
				      "milliseconds from 1 to %lld; leave it "
				      "out for a key that does not expire",
				      (long long)KV_TTL_MAX_MS);
		c->ttl_ms_ = n;
		return 0;
	}
	if (c->op == KVAPI_LIST && nlen == 5 && !memcmp(name, "limit", 5)) {
		if (parse_number(val, vlen, 1, KV_LIST_MAX, &n) < 0)
			return refuse(c, ENGINE_INVALID_KV_QUERY, -EINVAL,
				      "limit must be a whole number from 1 "
				      "to %d",
				      KV_LIST_MAX);
		c->limit_ = (unsigned)n;
		return 0;
	}
	if (c->op == KVAPI_LIST && nlen == 6 && !memcmp(name, "prefix", 6)) {
		dst = &c->prefix_;
		dlen = &c->plen_;
	} else if (c->op == KVAPI_LIST && nlen == 6 &&
		   !memcmp(name, "cursor", 6)) {
		dst = &c->cursor_;
		dlen = &c->clen_;
	}
	if (!dst)
		return refuse(
			c, ENGINE_INVALID_KV_QUERY, -EINVAL,
			"unknown query argument '%.*s': %s", (int)nlen, name,
			c->op == KVAPI_LIST  ? "a listing takes prefix, "
					       "cursor and limit"
			: c->op == KVAPI_SET ? "a set takes only ttl_ms"
					     : "this route takes no query");
	free(*dst);
	*dst = NULL;
	if (decode(val, vlen, dst, dlen) < 0)
		return refuse(c, ENGINE_INVALID_KV_QUERY, -EINVAL,
			      "%.*s is not properly percent-encoded", (int)nlen,
			      name);
	return 0;
}

static int parse_query(struct kvapi_call *c)
{
	const char *q = c->raw_uri ? strchr(c->raw_uri, '?') : NULL;

	while (q && *q) {
		const char *arg = q + 1, *end = strchr(arg, '&'), *eq;
		int rc;

		if (!end)
			end = arg + strlen(arg);
		eq = memchr(arg, '=', (size_t)(end - arg));
		if (end > arg) {
			rc = query_arg(c, arg, (size_t)((eq ? eq : end) - arg),
				       eq ? eq + 1 : end,
				       eq ? (size_t)(end - eq - 1) : 0);
			if (rc < 0)
				return rc;
		}
		q = *end ? end : NULL;
	}
	return 0;
}

/* ---- the store's answers ---- */

static enum engine_outcome outcome_of(const struct kvapi_call *c, int status)
{
	switch (status) {
	case 0:
		return ENGINE_OK;
	case -ENOENT:
		return ENGINE_KEY_NOT_FOUND;
	case -ENAMETOOLONG:
		return ENGINE_KEY_TOO_LONG;
	case -E2BIG:
		return ENGINE_VALUE_TOO_LARGE;
	case -EINVAL:
		return c->op == KVAPI_LIST ? ENGINE_INVALID_KV_QUERY
					   : ENGINE_INVALID_KEY;
	case -ENOSPC:
		return ENGINE_KV_FULL;
	case -ECONNRESET:
	case -ECONNREFUSED:
	case -ECANCELED:
	case -ENOTCONN:
		return ENGINE_KV_UNAVAILABLE;
	default:
		return ENGINE_INTERNAL;
	}
}

static void fail_status(struct kvapi_call *c, int status)
{
	c->outcome = outcome_of(c, status);
	if (c->outcome == ENGINE_KEY_NOT_FOUND)
		snprintf(c->message, sizeof(c->message),
			 "function '%s' has no such key (or it expired)",
			 c->function);
	else if (c->outcome == ENGINE_KV_UNAVAILABLE ||
		 c->outcome == ENGINE_INTERNAL)
		snprintf(c->message, sizeof(c->message),
			 "the key-value store failed: %s", kv_strerror(status));
	else
		snprintf(c->message, sizeof(c->message), "%s",
			 kv_strerror(status));
}

static int add_encoded(json_t *arr, const void *s, size_t len, int path)
{
	char *e = text_percent_encode(s, len, path);
	int rc = e ? json_array_append_new(arr, json_string(e)) : -1;

	free(e);
	return rc;
}

static int list_body(struct kvapi_call *c, const struct kv_result *r)
{
	json_t *keys = json_array(), *doc;
	char *cursor = NULL;

	for (size_t i = 0; keys && i < r->nkeys; i++)
		if (add_encoded(keys, r->keys[i], r->key_lens[i], 1) < 0)
			goto oom;
	if (r->cursor_len &&
	    !(cursor = text_percent_encode(r->cursor, r->cursor_len, 0)))
		goto oom;
	doc = json_pack("{s:o,s:s?}", "keys", keys, "cursor", cursor);
	keys = NULL;
	free(cursor);
	c->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!c->body)
		return -ENOMEM;
	c->body_len = strlen(c->body);
	return 0;
oom:
	json_decref(keys);
	free(cursor);
	return -ENOMEM;
}

static void on_kv(const struct kv_result *r, void *opaque)
{
	struct kvapi_call *c = opaque;

	c->outcome = ENGINE_OK;
	if (r->status < 0) {
		fail_status(c, r->status);
	} else if (c->op == KVAPI_GET) {
		/* The value is the store's only during this callback. */
		c->body = malloc(r->len ? r->len : 1);
		if (c->body) {
			memcpy(c->body, r->value, r->len);
			c->body_len = r->len;
		}
	} else if (c->op == KVAPI_LIST && list_body(c, r) < 0) {
		free(c->body);
		c->body = NULL;
	}
	if (c->outcome == ENGINE_OK &&
	    (c->op == KVAPI_GET || c->op == KVAPI_LIST) && !c->body)
		refuse(c, ENGINE_INTERNAL, 0, "out of memory");
	c->done(c);
}

static int submit(struct kv *kv, struct kvapi_call *c)
{
	switch (c->op) {
	case KVAPI_GET:
		return kv_get(kv, c->function, c->key_, c->klen_, on_kv, c);
	case KVAPI_SET:
		return kv_set(kv, c->function, c->key_, c->klen_, c->value,
			      c->value_len, c->ttl_ms_, on_kv, c);
	case KVAPI_DELETE:
		return kv_delete(kv, c->function, c->key_, c->klen_, on_kv, c);
	case KVAPI_LIST:
		return kv_list(kv, c->function, c->prefix_, c->plen_,
			       c->cursor_, c->clen_,
			       c->limit_ ? c->limit_ : KVAPI_LIST_DEFAULT,
			       on_kv, c);
	case KVAPI_PURGE:
		return kv_purge(kv, c->function, on_kv, c);
	}
	return -EINVAL;
}

int kvapi_start(struct kv *kv, struct kvapi_call *c)
{
	int rc;

	c->outcome = ENGINE_OK;
	c->message[0] = '\0';
	if (c->op != KVAPI_LIST && c->op != KVAPI_PURGE) {
		rc = kvapi_key_from_target(c->raw_uri, &c->key_, &c->klen_);
		if (rc == -ENOMEM)
			return refuse(c, ENGINE_INTERNAL, rc, "out of memory");
		if (rc < 0)
			return refuse(c, ENGINE_INVALID_KEY, rc,
				      "the key in the path is not properly "
				      "percent-encoded");
		if (c->klen_ == 0)
			return refuse(c, ENGINE_INVALID_KEY, -EINVAL,
				      "the key is empty: use "
				      "/functions/%s/kv/<key>",
				      c->function);
	}
	if (c->op != KVAPI_PURGE && (rc = parse_query(c)) < 0)
		return rc;
	if (!kv)
		return refuse(c, ENGINE_KV_UNAVAILABLE, -ENOTCONN,
			      "the key-value store is not open");
	rc = submit(kv, c);
	if (rc < 0)
		fail_status(c, rc);
	return rc;
}

void kvapi_call_clean(struct kvapi_call *c)
{
	free(c->key_);
	free(c->prefix_);
	free(c->cursor_);
	free(c->body);
	c->key_ = c->prefix_ = c->cursor_ = c->body = NULL;
}
