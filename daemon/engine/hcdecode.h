/* hcdecode.h: decoding the guest's FETCH and KV host-call requests. */
#ifndef GLINT_HCDECODE_H
#define GLINT_HCDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "glint_abi.h"

/*
 * Pure functions over untrusted bytes (the request as the guest wrote it,
 * req_len bytes): no allocation, no I/O, any thread. Decoded pointers
 * point into req. Each returns 0, or -EPROTO when the request breaks the
 * record rules of glint_abi.h (lengths that do not add up to req_len,
 * fields an operation does not take, reserved bits, malformed header
 * lists), with msg naming what was wrong; the call then ends with
 * guest_protocol_error. What a well-formed request asks for (an empty
 * key, a huge TTL, a bad URL) is for the service to judge.
 */

struct hc_kv_req {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *value;
	size_t value_len;
	const uint8_t *extra; /* CAS: expected value; LIST: cursor */
	size_t extra_len;
	uint32_t flags;
	int64_t arg;
};

int hc_decode_kv(enum glint_hostcall_op op, const void *req, size_t req_len,
		 struct hc_kv_req *out, char *msg, size_t msg_len);

struct hc_fetch_req {
	const char *method; /* not NUL-terminated */
	size_t method_len;
	const char *url; /* not NUL-terminated */
	size_t url_len;
	const char *headers; /* "name\0value\0"..., each string terminated */
	size_t headers_len;
	size_t nheaders;
	const uint8_t *body;
	size_t body_len;
	uint32_t timeout_ms;
	uint32_t max_redirects;
};

int hc_decode_fetch(const void *req, size_t req_len, struct hc_fetch_req *out,
		    char *msg, size_t msg_len);

/* The next header of a decoded request: *off starts at 0; returns 1 with
 * name and value (NUL-terminated, inside the request), 0 at the end. */
int hc_fetch_header_next(const struct hc_fetch_req *r, size_t *off,
			 const char **name, const char **value);

/* The name of op as shown in messages and metrics ("kv_get"). */
const char *hc_op_name(enum glint_hostcall_op op);

#endif /* GLINT_HCDECODE_H */
