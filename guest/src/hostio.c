/* hostio.c: the SDK's outbound HTTP and key-value calls (host calls FETCH
 * and KV_*), built on glint_hostcall. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint.h"

/* A KV request: the record, then key, value and extra bytes. */
static long kv_call(unsigned op, const void *key, size_t klen, const void *val,
		    size_t vlen, const void *extra, size_t elen, uint32_t flags,
		    int64_t arg, void *resp, size_t cap)
{
	struct glint_hostcall_kv k;
	uint8_t *req;
	size_t len;
	long ret;

	if (klen > UINT32_MAX || vlen > UINT32_MAX || elen > UINT32_MAX)
		return GLINT_E_TOOLARGE;
	len = sizeof(k) + klen + vlen + elen;
	req = malloc(len);
	if (req == NULL)
		return GLINT_E_TOOLARGE;
	k = (struct glint_hostcall_kv){(uint32_t)klen, (uint32_t)vlen,
				       (uint32_t)elen, flags, arg};
	memcpy(req, &k, sizeof(k));
	if (klen)
		memcpy(req + sizeof(k), key, klen);
	if (vlen)
		memcpy(req + sizeof(k) + klen, val, vlen);
	if (elen)
		memcpy(req + sizeof(k) + klen + vlen, extra, elen);
	ret = glint_hostcall(op, req, len, resp, cap);
	free(req);
	return ret;
}

long glint_kv_get(const void *key, size_t klen, void *val, size_t cap)
{
	return kv_call(GLINT_HOSTCALL_KV_GET, key, klen, NULL, 0, NULL, 0, 0, 0,
		       val, cap);
}

int glint_kv_set(const void *key, size_t klen, const void *val, size_t vlen,
		 uint64_t ttl_ms)
{
	if (ttl_ms > (uint64_t)GLINT_KV_TTL_MAX_MS)
		return GLINT_E_INVALID;
	return (int)kv_call(GLINT_HOSTCALL_KV_SET, key, klen, val, vlen, NULL,
			    0, 0, (int64_t)ttl_ms, NULL, 0);
}

int glint_kv_delete(const void *key, size_t klen)
{
	return (int)kv_call(GLINT_HOSTCALL_KV_DELETE, key, klen, NULL, 0, NULL,
			    0, 0, 0, NULL, 0);
}

int glint_kv_incr(const void *key, size_t klen, int64_t delta, int64_t *out)
{
	int64_t v;
	long ret = kv_call(GLINT_HOSTCALL_KV_INCR, key, klen, NULL, 0, NULL, 0,
			   0, delta, &v, sizeof(v));

	if (ret < 0)
		return (int)ret;
	if (out)
		*out = v;
	return 0;
}

int glint_kv_cas(const void *key, size_t klen, const void *expect, size_t elen,
		 const void *val, size_t vlen)
{
	return (int)kv_call(GLINT_HOSTCALL_KV_CAS, key, klen, val, vlen, expect,
			    expect ? elen : 0, expect ? 0 : GLINT_KV_CAS_ABSENT,
			    0, NULL, 0);
}

int glint_kv_list(const void *prefix, size_t plen, const void *cursor,
		  size_t clen, unsigned limit, void *buf, size_t cap,
		  struct glint_kv_page *page)
{
	struct glint_kv_list_head head;
	long ret = kv_call(GLINT_HOSTCALL_KV_LIST, prefix, plen, NULL, 0,
			   cursor, cursor ? clen : 0, 0, limit, buf, cap);

	memset(page, 0, sizeof(*page));
	if (ret < 0)
		return (int)ret;
	memcpy(&head, buf, sizeof(head));
	page->nkeys = head.nkeys;
	page->cursor = (const uint8_t *)buf + sizeof(head);
	page->cursor_len = head.cursor_len;
	page->next_ = page->cursor + head.cursor_len;
	page->end_ = (const uint8_t *)buf + ret;
	return 0;
}

int glint_kv_page_next(struct glint_kv_page *page, const void **key,
		       size_t *klen)
{
	uint32_t l;

	if (page->next_ == NULL ||
	    (size_t)(page->end_ - page->next_) < sizeof(l))
		return 0;
	memcpy(&l, page->next_, sizeof(l));
	if ((size_t)(page->end_ - page->next_) - sizeof(l) < l)
		return 0;
	*key = page->next_ + sizeof(l);
	*klen = l;
	page->next_ += sizeof(l) + l;
	return 1;
}

/* ---- outbound HTTP --------------------------------------------------------
 */

static size_t headers_bytes(const struct glint_fetch *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nheaders; i++)
		n += strlen(f->headers[i].name) + strlen(f->headers[i].value) +
		     2;
	return n;
}

static uint8_t *build_fetch(const struct glint_fetch *f, size_t *len_out)
{
	const char *method = f->method ? f->method : "";
	struct glint_hostcall_fetch r = {0};
	size_t hl = headers_bytes(f), o;
	uint8_t *req;

	r.method_len = (uint32_t)strlen(method);
	r.url_len = (uint32_t)strlen(f->url);
	r.headers_len = (uint32_t)hl;
	r.body_len = (uint32_t)f->body_len;
	r.timeout_ms = f->timeout_ms;
	r.max_redirects = f->max_redirects;
	*len_out = sizeof(r) + r.method_len + r.url_len + hl + f->body_len;
	req = malloc(*len_out);
	if (req == NULL)
		return NULL;
	memcpy(req, &r, sizeof(r));
	o = sizeof(r);
	memcpy(req + o, method, r.method_len);
	o += r.method_len;
	memcpy(req + o, f->url, r.url_len);
	o += r.url_len;
	for (size_t i = 0; i < f->nheaders; i++) {
		size_t nl = strlen(f->headers[i].name) + 1;
		size_t vl = strlen(f->headers[i].value) + 1;

		memcpy(req + o, f->headers[i].name, nl);
		memcpy(req + o + nl, f->headers[i].value, vl);
		o += nl + vl;
	}
	if (f->body_len)
		memcpy(req + o, f->body, f->body_len);
	return req;
}

int glint_http_fetch(struct glint_fetch *f)
{
	struct glint_fetch_response head;
	uint8_t *req;
	size_t len;
	long ret;

	f->status = 0;
	f->resp_nheaders = 0;
	f->resp_headers = NULL;
	f->resp_headers_len = 0;
	f->resp_body = NULL;
	f->resp_body_len = 0;
	if (f->url == NULL || f->body_len > UINT32_MAX ||
	    headers_bytes(f) > UINT32_MAX)
		return GLINT_E_INVALID;
	req = build_fetch(f, &len);
	if (req == NULL)
		return GLINT_E_TOOLARGE;
	ret = glint_hostcall(GLINT_HOSTCALL_FETCH, req, len, f->resp_buf,
			     f->resp_cap);
	free(req);
	if (ret < 0)
		return (int)ret;
	memcpy(&head, f->resp_buf, sizeof(head));
	f->status = (int)head.status;
	f->resp_nheaders = head.nheaders;
	f->resp_headers = (const char *)f->resp_buf + sizeof(head);
	f->resp_headers_len = head.headers_len;
	f->resp_body = (const uint8_t *)f->resp_headers + head.headers_len;
	f->resp_body_len = head.body_len;
	return 0;
}

static int same_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

const char *glint_fetch_header(const struct glint_fetch *f, const char *name)
{
	const char *p = f->resp_headers, *end = p + f->resp_headers_len;

	while (p && p < end) {
		const char *value = p + strlen(p) + 1;

		if (same_nocase(p, name))
			return value;
		p = value + strlen(value) + 1;
	}
	return NULL;
}
