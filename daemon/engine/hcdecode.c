/* hcdecode.c: decoding the guest's FETCH and KV host-call requests. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hcdecode.h"

const char *hc_op_name(enum glint_hostcall_op op)
{
	static const char *const names[GLINT_HOSTCALL_OP_COUNT] = {
		[GLINT_HOSTCALL_NOOP] = "noop",
		[GLINT_HOSTCALL_SLEEP] = "sleep",
		[GLINT_HOSTCALL_FETCH] = "fetch",
		[GLINT_HOSTCALL_KV_GET] = "kv_get",
		[GLINT_HOSTCALL_KV_SET] = "kv_set",
		[GLINT_HOSTCALL_KV_DELETE] = "kv_delete",
		[GLINT_HOSTCALL_KV_LIST] = "kv_list",
		[GLINT_HOSTCALL_KV_INCR] = "kv_incr",
		[GLINT_HOSTCALL_KV_CAS] = "kv_cas",
	};

	if ((unsigned)op >= GLINT_HOSTCALL_OP_COUNT)
		return "unknown";
	return names[op];
}

/* The byte strings after a record must fill the request exactly; the
 * sum is taken in 64 bits from 32-bit lengths, so it cannot wrap. */
static int tail_fits(const char *what, size_t rec, size_t req_len,
		     uint64_t announced, char *msg, size_t msg_len)
{
	if (req_len < rec) {
		snprintf(msg, msg_len,
			 "host call %s: request of %zu bytes, shorter than its "
			 "%zu-byte record",
			 what, req_len, rec);
		return -EPROTO;
	}
	if (announced != req_len - rec) {
		snprintf(msg, msg_len,
			 "host call %s: the record announces %llu bytes after "
			 "it, the request has %zu",
			 what, (unsigned long long)announced, req_len - rec);
		return -EPROTO;
	}
	return 0;
}

/* Which of value, extra and flags an operation takes. */
static int kv_fields_ok(enum glint_hostcall_op op,
			const struct glint_hostcall_kv *k, const char **bad)
{
	int value = op == GLINT_HOSTCALL_KV_SET || op == GLINT_HOSTCALL_KV_CAS;
	int extra = op == GLINT_HOSTCALL_KV_CAS || op == GLINT_HOSTCALL_KV_LIST;

	if (!value && k->value_len) {
		*bad = "value_len must be 0";
		return 0;
	}
	if (!extra && k->extra_len) {
		*bad = "extra_len must be 0";
		return 0;
	}
	if (op == GLINT_HOSTCALL_KV_CAS) {
		if (k->flags & ~GLINT_KV_CAS_ABSENT) {
			*bad = "unknown flags";
			return 0;
		}
		if ((k->flags & GLINT_KV_CAS_ABSENT) && k->extra_len) {
			*bad = "GLINT_KV_CAS_ABSENT with an expected value";
			return 0;
		}
	} else if (k->flags) {
		*bad = "flags must be 0";
		return 0;
	}
	return 1;
}

int hc_decode_kv(enum glint_hostcall_op op, const void *req, size_t req_len,
		 struct hc_kv_req *out, char *msg, size_t msg_len)
{
	struct glint_hostcall_kv k;
	const uint8_t *p = req;
	const char *what = hc_op_name(op), *bad = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (op < GLINT_HOSTCALL_KV_GET || op > GLINT_HOSTCALL_KV_CAS) {
		snprintf(msg, msg_len, "host call %s is not a KV operation",
			 what);
		return -EPROTO;
	}
	ret = tail_fits(what, sizeof(k), req_len, 0, msg, msg_len);
	if (ret < 0 && req_len < sizeof(k))
		return ret;
	memcpy(&k, p, sizeof(k)); /* the guest's buffer need not be aligned */
	ret = tail_fits(what, sizeof(k), req_len,
			(uint64_t)k.key_len + k.value_len + k.extra_len, msg,
			msg_len);
	if (ret < 0)
		return ret;
	if (!kv_fields_ok(op, &k, &bad)) {
		snprintf(msg, msg_len, "host call %s: %s", what, bad);
		return -EPROTO;
	}
	p += sizeof(k);
	out->key = p;
	out->key_len = k.key_len;
	out->value = p + k.key_len;
	out->value_len = k.value_len;
	out->extra = out->value + k.value_len;
	out->extra_len = k.extra_len;
	out->flags = k.flags;
	out->arg = k.arg;
	return 0;
}

/* "name\0value\0" pairs: every string terminated, an even number. */
static int count_headers(const char *h, size_t len, size_t *n, char *msg,
			 size_t msg_len)
{
	size_t strings = 0;

	if (len && h[len - 1] != '\0') {
		snprintf(msg, msg_len,
			 "host call fetch: the header list does not end with "
			 "a NUL");
		return -EPROTO;
	}
	for (size_t i = 0; i < len; i++)
		strings += h[i] == '\0';
	if (strings % 2) {
		snprintf(msg, msg_len,
			 "host call fetch: the header list holds a name "
			 "without a value");
		return -EPROTO;
	}
	*n = strings / 2;
	return 0;
}

int hc_decode_fetch(const void *req, size_t req_len, struct hc_fetch_req *out,
		    char *msg, size_t msg_len)
{
	struct glint_hostcall_fetch f;
	const char *p = req;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = tail_fits("fetch", sizeof(f), req_len, 0, msg, msg_len);
	if (ret < 0 && req_len < sizeof(f))
		return ret;
	memcpy(&f, p, sizeof(f));
	ret = tail_fits("fetch", sizeof(f), req_len,
			(uint64_t)f.method_len + f.url_len + f.headers_len +
				f.body_len,
			msg, msg_len);
	if (ret < 0)
		return ret;
	p += sizeof(f);
	out->method = p;
	out->method_len = f.method_len;
	out->url = p + f.method_len;
	out->url_len = f.url_len;
	out->headers = out->url + f.url_len;
	out->headers_len = f.headers_len;
	out->body = (const uint8_t *)out->headers + f.headers_len;
	out->body_len = f.body_len;
	out->timeout_ms = f.timeout_ms;
	out->max_redirects = f.max_redirects;
	return count_headers(out->headers, out->headers_len, &out->nheaders,
			     msg, msg_len);
}

int hc_fetch_header_next(const struct hc_fetch_req *r, size_t *off,
			 const char **name, const char **value)
{
	size_t o = *off;

	if (o >= r->headers_len)
		return 0;
	*name = r->headers + o;
	o += strlen(*name) + 1;
	*value = r->headers + o;
	o += strlen(*value) + 1;
	*off = o;
	return 1;
}
