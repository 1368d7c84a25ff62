/* fuzz_hostcall.c: fuzz target for the engine's decoder of FETCH and KV
 * host-call requests (daemon/engine/hcdecode.c). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcdecode.h"

/*
 * Input: one byte choosing the operation (FETCH or a KV op, modulo 7),
 * then the request exactly as a guest would pass it. A decoded request
 * must describe only bytes inside the request, in the record's order,
 * adding up to its length; a refused one must say why in printable text.
 * The request is copied to a buffer of its exact size so that ASan sees
 * any read past it.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *msg, size_t cap)
{
	const char *end = memchr(msg, '\0', cap);

	if (!end || end == msg)
		abort();
	for (const char *p = msg; p < end; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
}

static void inside(const void *p, size_t len, const uint8_t *req,
		   size_t req_len)
{
	const uint8_t *b = p;

	if (b < req || b > req + req_len || len > (size_t)(req + req_len - b))
		abort();
}

static void kv(enum glint_hostcall_op op, const uint8_t *req, size_t len)
{
	struct hc_kv_req k;
	char msg[256];
	int rc;

	memset(msg, 0x7f, sizeof(msg));
	rc = hc_decode_kv(op, req, len, &k, msg, sizeof(msg));
	if (rc == -EPROTO) {
		check_message(msg, sizeof(msg));
		return;
	}
	if (rc != 0 || len < sizeof(struct glint_hostcall_kv))
		abort();
	inside(k.key, k.key_len, req, len);
	inside(k.value, k.value_len, req, len);
	inside(k.extra, k.extra_len, req, len);
	if (k.key != req + sizeof(struct glint_hostcall_kv) ||
	    k.value != k.key + k.key_len || k.extra != k.value + k.value_len ||
	    k.extra + k.extra_len != req + len)
		abort();
}

static void fetch(const uint8_t *req, size_t len)
{
	struct hc_fetch_req f;
	const char *name, *value;
	size_t off = 0, n = 0;
	char msg[256];
	int rc;

	memset(msg, 0x7f, sizeof(msg));
	rc = hc_decode_fetch(req, len, &f, msg, sizeof(msg));
	if (rc == -EPROTO) {
		check_message(msg, sizeof(msg));
		return;
	}
	if (rc != 0)
		abort();
	inside(f.method, f.method_len, req, len);
	inside(f.url, f.url_len, req, len);
	inside(f.headers, f.headers_len, req, len);
	inside(f.body, f.body_len, req, len);
	if (f.body + f.body_len != req + len)
		abort();
	while (hc_fetch_header_next(&f, &off, &name, &value)) {
		inside(name, strlen(name) + 1, (const uint8_t *)f.headers,
		       f.headers_len);
		inside(value, strlen(value) + 1, (const uint8_t *)f.headers,
		       f.headers_len);
		n++;
	}
	if (n != f.nheaders || off != f.headers_len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum glint_hostcall_op ops[] = {
		GLINT_HOSTCALL_FETCH,	GLINT_HOSTCALL_KV_GET,
		GLINT_HOSTCALL_KV_SET,	GLINT_HOSTCALL_KV_DELETE,
		GLINT_HOSTCALL_KV_LIST, GLINT_HOSTCALL_KV_INCR,
		GLINT_HOSTCALL_KV_CAS,
	};
	enum glint_hostcall_op op;
	uint8_t *req;

	if (size < 1)
		return 0;
	op = ops[data[0] % 7];
	req = malloc(size - 1 ? size - 1 : 1);
	if (req == NULL)
		return 0;
	memcpy(req, data + 1, size - 1);
	if (op == GLINT_HOSTCALL_FETCH)
		fetch(req, size - 1);
	else
		kv(op, req, size - 1);
	free(req);
	return 0;
}
