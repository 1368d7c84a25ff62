/* guestlog.c: turns the guest's untrusted log buffer into clean lines. */
#include "config.h"

#include <string.h>

#include "guestlog.h"

size_t guestlog_sanitize(char *dst, size_t dst_cap, const uint8_t *src,
			 size_t len)
{
	size_t n = 0;

	if (dst_cap == 0)
		return 0;
	for (size_t i = 0; i < len && n + 1 < dst_cap; i++) {
		uint8_t c = src[i];

		if (c == 0)
			break;
		dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[n] = 0;
	return n;
}

static void emit_line(const uint8_t *p, size_t len, uint64_t call_id,
		      vm_log_fn fn, void *opaque)
{
	char line[GUESTLOG_LINE_MAX + 1];
	int level = 6;
	size_t n;

	if (len >= 3 && p[0] == '<' && p[1] >= '0' && p[1] <= '7' &&
	    p[2] == '>') {
		level = p[1] - '0';
		p += 3;
		len -= 3;
	}
	if (len > GUESTLOG_LINE_MAX)
		len = GUESTLOG_LINE_MAX;
	/* A NUL inside a line is shown as '?' rather than cutting it. */
	n = 0;
	for (size_t i = 0; i < len; i++)
		line[n++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	line[n] = 0;
	if (fn)
		fn(opaque, call_id, level, line, n);
}

uint32_t guestlog_emit(const uint8_t *buf, size_t len, uint64_t call_id,
		       vm_log_fn fn, void *opaque)
{
	uint32_t lines = 0;
	size_t start = 0;

	while (start < len) {
		const uint8_t *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (end > start) {
			emit_line(buf + start, end - start, call_id, fn,
				  opaque);
			lines++;
		}
		start = end + 1;
	}
	return lines;
}
