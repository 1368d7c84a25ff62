/* request.c: lays out struct glint_request, its strings and tables, and the
 * body in the input area. */
#include "config.h"

#include <string.h>

#include "request.h"

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/* Each string is followed by a NUL the guest may rely on. */
static size_t strings_size(const struct vm_str *s, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += s[i].len + 1;
	return total;
}

static size_t kv_size(const struct vm_kv *kv, size_t n)
{
	size_t total = n * sizeof(struct glint_kv);

	for (size_t i = 0; i < n; i++)
		total += kv[i].name.len + kv[i].value.len + 2;
	return total;
}

size_t request_size(const struct vm_request *req, size_t body_len)
{
	size_t total;

	if (!req)
		return body_len;
	if (req->nheaders > UINT32_MAX / sizeof(struct glint_kv) ||
	    req->nquery > UINT32_MAX / sizeof(struct glint_kv))
		return SIZE_MAX;
	total = sizeof(struct glint_request) + strings_size(&req->method, 1) +
		strings_size(&req->path_raw, 1) + strings_size(&req->path, 1) +
		strings_size(&req->query_raw, 1) +
		strings_size(&req->client_addr, 1) +
		strings_size(&req->scheme, 1) +
		strings_size(&req->request_id, 1) + 8 +
		kv_size(req->headers, req->nheaders) +
		kv_size(req->query, req->nquery) + body_len + 1;
	return total > UINT32_MAX ? SIZE_MAX : total;
}

struct writer {
	uint8_t *base;
	size_t pos;
};

static struct glint_str put(struct writer *w, const char *p, size_t len)
{
	struct glint_str s = {(uint32_t)w->pos, (uint32_t)len};

	if (len)
		memcpy(w->base + w->pos, p, len);
	w->base[w->pos + len] = '\0';
	w->pos += len + 1;
	return s;
}

static uint32_t put_table(struct writer *w, const struct vm_kv *kv, size_t n)
{
	struct glint_kv *t;
	uint32_t off;

	w->pos = align4(w->pos);
	off = (uint32_t)w->pos;
	t = (struct glint_kv *)(w->base + off);
	w->pos += n * sizeof(*t);
	for (size_t i = 0; i < n; i++) {
		t[i].name = put(w, kv[i].name.p, kv[i].name.len);
		t[i].value = put(w, kv[i].value.p, kv[i].value.len);
	}
	return off;
}

void request_write(uint8_t *dst, const struct vm_request *req, const void *body,
		   size_t body_len)
{
	struct glint_request r;
	struct writer w = {dst, sizeof(r)};

	if (!req) {
		if (body_len)
			memcpy(dst, body, body_len);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.magic = GLINT_REQUEST_MAGIC;
	r.size = sizeof(r);
	r.method = put(&w, req->method.p, req->method.len);
	r.path_raw = put(&w, req->path_raw.p, req->path_raw.len);
	r.path = put(&w, req->path.p, req->path.len);
	r.query_raw = put(&w, req->query_raw.p, req->query_raw.len);
	r.client_addr = put(&w, req->client_addr.p, req->client_addr.len);
	r.scheme = put(&w, req->scheme.p, req->scheme.len);
	r.request_id = put(&w, req->request_id.p, req->request_id.len);
	r.client_port = req->client_port;
	r.nheaders = (uint32_t)req->nheaders;
	r.headers_off = put_table(&w, req->headers, req->nheaders);
	r.nquery = (uint32_t)req->nquery;
	r.query_off = put_table(&w, req->query, req->nquery);
	r.body = put(&w, body, body_len);
	memcpy(dst, &r, sizeof(r));
}
