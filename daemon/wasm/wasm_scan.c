/* wasm_scan.c: section headers, function count and data size of a module.
 *
 * Translation and compilation run in a confined child, but a module that
 * is obviously too big is refused here, in microseconds, with a message
 * that says which limit it broke. Only the section framing and three
 * counts are read; everything else is left to wasm2c's validator.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm_scan.h"

struct reader {
	const uint8_t *p, *end;
};

int wasm_is_module(const void *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "\0asm", 4) == 0;
}

/* Unsigned LEB128 of at most 32 bits; -1 when malformed or truncated. */
static int leb_u32(struct reader *r, uint32_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			return -1;
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (v > UINT32_MAX)
				return -1;
			*out = (uint32_t)v;
			return 0;
		}
	}
	return -1;
}

static int fail(int err, char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int err, char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return err;
}

/* The memory section: count, then limits (flags, min[, max]). */
static void read_memory(struct reader r, struct wasm_summary *s)
{
	uint32_t n, flags, min;

	if (leb_u32(&r, &n) == 0 && n > 0 && leb_u32(&r, &flags) == 0 &&
	    leb_u32(&r, &min) == 0) {
		s->has_memory = 1;
		s->min_pages = min;
	}
}

static int check_limits(const struct wasm_summary *s, char *msg, size_t len)
{
	if (s->functions > WASM_MAX_FUNCTIONS)
		return fail(-E2BIG, msg, len,
			    "the module defines %u functions; the limit is %u",
			    s->functions, WASM_MAX_FUNCTIONS);
	if (s->code_bytes > WASM_MAX_CODE_BYTES)
		return fail(-E2BIG, msg, len,
			    "the module's code is %llu bytes; the limit is %u",
			    (unsigned long long)s->code_bytes,
			    WASM_MAX_CODE_BYTES);
	if (s->data_bytes > WASM_MAX_DATA_BYTES)
		return fail(-E2BIG, msg, len,
			    "the module's data segments are %llu bytes; the "
			    "limit is %u",
			    (unsigned long long)s->data_bytes,
			    WASM_MAX_DATA_BYTES);
	return 0;
}

int wasm_scan(const uint8_t *buf, size_t len, struct wasm_summary *s, char *msg,
	      size_t msg_len)
{
	struct reader r = {buf + 8, buf + len};

	memset(s, 0, sizeof(*s));
	if (len < 8 || !wasm_is_module(buf, len))
		return fail(-EINVAL, msg, msg_len, "not a Wasm binary module");
	if (buf[4] != 1 || buf[5] || buf[6] || buf[7])
		return fail(-EINVAL, msg, msg_len,
			    "unsupported Wasm binary version %u (need 1)",
			    buf[4] | buf[5] << 8 | buf[6] << 16 |
				    (unsigned)buf[7] << 24);
	while (r.p < r.end) {
		uint8_t id = *r.p++;
		uint32_t size;
		struct reader sec;

		if (leb_u32(&r, &size) < 0 || size > (size_t)(r.end - r.p))
			return fail(-EINVAL, msg, msg_len,
				    "malformed module: section %u at offset "
				    "%zu overruns the module",
				    id, (size_t)(r.p - buf));
		sec = (struct reader){r.p, r.p + size};
		if (id == 3 && leb_u32(&sec, &s->functions) < 0)
			return fail(-EINVAL, msg, msg_len,
				    "malformed function section");
		if (id == 5)
			read_memory(sec, s);
		if (id == 10)
			s->code_bytes = size;
		if (id == 11)
			s->data_bytes = size;
		r.p += size;
	}
	return check_limits(s, msg, msg_len);
}
