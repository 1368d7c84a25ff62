/* glint_host.c: the "glint" Wasm import module (KV and outbound HTTP).
 *
 * wasm2c names the import glint.kv_get Z_glintZ_kv_get and passes the
 * host instance (the module's linear memory) first. Every pointer is an
 * offset into linear memory; a (pointer, length) pair that leaves it ends
 * the call as an out-of-bounds trap naming the import and the argument,
 * exactly as a load or store past the end would: a module that passes such
 * a pointer has a bug, not a condition it can handle. Results are the C
 * SDK's (glint.h): >= 0, or a negative enum glint_error. The layouts are
 * documented in glint_wasm.h, the header for module authors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"
#include "glint.h"
#include "glint_wasi.h"

typedef struct Z_glint_instance_t host_t;

/* Response headers unwanted by the caller (capacity 0) still arrive; this
 * is the host's default limit on them (daemon/fetch). */
#define HEADER_ROOM 65536u

/* [off, off + len) of linear memory; traps when it is not all inside.
 * Every call checks its first argument here first, so this is also where
 * a call made during start-up is refused: the host serves host calls only
 * while a request is handled. */
static uint8_t *mem(host_t *h, const char *call, const char *arg, uint32_t off,
		    uint64_t len)
{
	if (!glint__in_call())
		glint_fail("glint.%s: host calls work only during a call, "
			   "after the module's first read of standard input",
			   call);
	if (h->memory == NULL)
		glint_fail("wasm trap: glint.%s needs the module to export "
			   "its memory as \"memory\"",
			   call);
	if ((uint64_t)off + len > h->memory->size)
		glint_fail("wasm trap: out of bounds memory access: glint.%s "
			   "%s [%u, +%llu) is outside linear memory (%llu "
			   "bytes)",
			   call, arg, off, (unsigned long long)len,
			   (unsigned long long)h->memory->size);
	return h->memory->data + off;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* ---- key-value ------------------------------------------------------------ */

uint32_t Z_glintZ_kv_get(host_t *h, uint32_t key, uint32_t klen, uint32_t val,
			 uint32_t cap)
{
	const uint8_t *k = mem(h, "kv_get", "key", key, klen);
	uint8_t *v = mem(h, "kv_get", "value buffer", val, cap);

	return (uint32_t)glint_kv_get(k, klen, v, cap);
}

uint32_t Z_glintZ_kv_set(host_t *h, uint32_t key, uint32_t klen, uint32_t val,
			 uint32_t vlen, uint64_t ttl_ms)
{
	const uint8_t *k = mem(h, "kv_set", "key", key, klen);
	const uint8_t *v = mem(h, "kv_set", "value", val, vlen);

	return (uint32_t)glint_kv_set(k, klen, v, vlen, ttl_ms);
}

uint32_t Z_glintZ_kv_delete(host_t *h, uint32_t key, uint32_t klen)
{
	return (uint32_t)glint_kv_delete(mem(h, "kv_delete", "key", key, klen),
					 klen);
}

uint32_t Z_glintZ_kv_incr(host_t *h, uint32_t key, uint32_t klen,
			  uint64_t delta, uint32_t out)
{
	const uint8_t *k = mem(h, "kv_incr", "key", key, klen);
	uint8_t *o = out ? mem(h, "kv_incr", "result", out, 8) : NULL;
	int64_t v = 0;
	int ret = glint_kv_incr(k, klen, (int64_t)delta, &v);

	if (ret == 0 && o)
		memcpy(o, &v, 8);
	return (uint32_t)ret;
}

uint32_t Z_glintZ_kv_cas(host_t *h, uint32_t key, uint32_t klen,
			 uint32_t expect, uint32_t elen, uint32_t val,
			 uint32_t vlen)
{
	const uint8_t *k = mem(h, "kv_cas", "key", key, klen);
	const uint8_t *v = mem(h, "kv_cas", "value", val, vlen);
	const uint8_t *e = NULL;

	/* elen GLINT_WASM_ABSENT: swap only when the key does not exist. */
	if (elen != UINT32_MAX)
		e = mem(h, "kv_cas", "expected value", expect, elen);
	return (uint32_t)glint_kv_cas(k, klen, e, e ? elen : 0, v, vlen);
}

uint32_t Z_glintZ_kv_list(host_t *h, uint32_t prefix, uint32_t plen,
			  uint32_t cursor, uint32_t clen, uint32_t limit,
			  uint32_t buf, uint32_t cap, uint32_t page)
{
	const uint8_t *p = mem(h, "kv_list", "prefix", prefix, plen);
	const uint8_t *c = mem(h, "kv_list", "cursor", cursor, clen);
	uint8_t *b = mem(h, "kv_list", "buffer", buf, cap);
	uint8_t *pg = mem(h, "kv_list", "page", page, 20);
	struct glint_kv_page kp;
	int ret;

	ret = glint_kv_list(p, plen, clen ? c : NULL, clen, limit, b, cap, &kp);
	if (ret < 0)
		return (uint32_t)ret;
	/* The SDK's page points into b: hand its parts back as offsets. */
	put_u32(pg, kp.nkeys);
	put_u32(pg + 4, buf + (uint32_t)(kp.cursor - b));
	put_u32(pg + 8, (uint32_t)kp.cursor_len);
	put_u32(pg + 12, buf + (uint32_t)(kp.next_ - b));
	put_u32(pg + 16, (uint32_t)(kp.end_ - kp.next_));
	return 0;
}

/* ---- outbound HTTP --------------------------------------------------------- */

/* A NUL-terminated copy of len bytes; NULL when they hold a NUL (the host
 * could not see past it) or memory is short. */
static char *cstr(const uint8_t *p, uint32_t len)
{
	char *s;

	if (memchr(p, 0, len))
		return NULL;
	s = malloc((size_t)len + 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* "Name: value\n" lines (CR before LF allowed, empty lines skipped) into
 * hdrs, pointing into text, which is cut in place. Count, or -1 when a
 * line has no colon or there are more than max. */
static int split_headers(char *text, struct glint_http_header *hdrs, int max)
{
	int n = 0;

	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n'), *colon, *end;

		end = nl ? nl : line + strlen(line);
		if (end > line && end[-1] == '\r')
			end[-1] = '\0';
		*end = '\0';
		if (*line) {
			colon = strchr(line, ':');
			if (colon == NULL || n == max)
				return -1;
			*colon = '\0';
			hdrs[n].name = line;
			hdrs[n++].value = colon + 1 + strspn(colon + 1, " \t");
		}
		line = nl ? nl + 1 : end;
	}
	return n;
}

/* The response's "name\0value\0" headers as "name: value\n" lines into
 * out (cap bytes); the length, or -1 when they do not fit. Capacity 0
 * means the caller does not want them. */
static int64_t join_headers(const struct glint_fetch *f, uint8_t *out,
			    uint32_t cap)
{
	const char *p = f->resp_headers, *end = p + f->resp_headers_len;
	uint64_t n = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < f->resp_nheaders && p < end; i++) {
		size_t nl = strlen(p);
		const char *v = p + nl + 1;
		size_t vl = strlen(v);

		if (n + nl + vl + 3 > cap)
			return -1;
		memcpy(out + n, p, nl);
		memcpy(out + n + nl, ": ", 2);
		memcpy(out + n + nl + 2, v, vl);
		out[n + nl + 2 + vl] = '\n';
		n += nl + vl + 3;
		p = v + vl + 1;
	}
	return (int64_t)n;
}

/* Copies the answer in f into the caller's buffers of the response record
 * rr, writing status and lengths back. */
static int answer(host_t *h, const struct glint_fetch *f, uint8_t *rr)
{
	uint8_t *hb = mem(h, "http_fetch", "response headers", get_u32(rr + 4),
			  get_u32(rr + 8));
	uint8_t *bb = mem(h, "http_fetch", "response body", get_u32(rr + 16),
			  get_u32(rr + 20));
	int64_t hl = join_headers(f, hb, get_u32(rr + 8));

	if (hl < 0 || f->resp_body_len > get_u32(rr + 20))
		return GLINT_E_TOOBIG;
	memcpy(bb, f->resp_body, f->resp_body_len);
	put_u32(rr, (uint32_t)f->status);
	put_u32(rr + 12, (uint32_t)hl);
	put_u32(rr + 24, (uint32_t)f->resp_body_len);
	return 0;
}

/* The request record rq into f (strings copied: the SDK wants them
 * NUL-terminated); f->resp_buf gets room for the whole answer. */
static int request(host_t *h, const uint8_t *rq, const uint8_t *rr,
		   struct glint_fetch *f, char **htext)
{
	static const char call[] = "http_fetch";
	uint32_t hlen = get_u32(rq + 20);
	struct glint_http_header *hdrs;
	int n;

	f->method = cstr(mem(h, call, "method", get_u32(rq), get_u32(rq + 4)),
			 get_u32(rq + 4));
	f->url = cstr(mem(h, call, "url", get_u32(rq + 8), get_u32(rq + 12)),
		      get_u32(rq + 12));
	*htext = cstr(mem(h, call, "headers", get_u32(rq + 16), hlen), hlen);
	f->body = mem(h, call, "body", get_u32(rq + 24), get_u32(rq + 28));
	f->body_len = get_u32(rq + 28);
	f->timeout_ms = get_u32(rq + 32);
	f->max_redirects = get_u32(rq + 36);
	/* The answer's buffers are checked before anything is sent. */
	mem(h, call, "response headers", get_u32(rr + 4), get_u32(rr + 8));
	mem(h, call, "response body", get_u32(rr + 16), get_u32(rr + 20));
	/* The SDK's answer: a 16-byte head, then headers one byte shorter
	 * per line than ours, then the body. Headers the caller does not
	 * want still arrive: room for the host's default header limit. */
	f->resp_cap = 16 + (size_t)get_u32(rr + 20) +
		      (get_u32(rr + 8) ? get_u32(rr + 8) : HEADER_ROOM);
	f->resp_buf = malloc(f->resp_cap);
	/* At most one header per two bytes ("a:"), plus one. */
	hdrs = malloc(sizeof(*hdrs) * (hlen / 2 + 1));
	f->headers = hdrs;
	if (!f->resp_buf || !hdrs)
		return GLINT_E_TOOLARGE;
	if (!f->method || !f->url || !*htext)
		return GLINT_E_INVALID;
	n = split_headers(*htext, hdrs, (int)(hlen / 2 + 1));
	if (n < 0)
		return GLINT_E_INVALID;
	f->nheaders = (size_t)n;
	return 0;
}

uint32_t Z_glintZ_http_fetch(host_t *h, uint32_t req, uint32_t resp)
{
	const uint8_t *rq = mem(h, "http_fetch", "request record", req, 40);
	uint8_t *rr = mem(h, "http_fetch", "response record", resp, 28);
	struct glint_fetch f = {0};
	char *htext = NULL;
	int ret = request(h, rq, rr, &f, &htext);

	if (ret == 0)
		ret = glint_http_fetch(&f);
	if (ret == 0)
		ret = answer(h, &f, rr);
	free((void *)f.method);
	free((void *)f.url);
	free(htext);
	free((void *)f.headers);
	free(f.resp_buf);
	return (uint32_t)ret;
}
