/* text.h: the one policy for untrusted text shown to people or other programs. */
#ifndef GLINT_TEXT_H
#define GLINT_TEXT_H

#include <stddef.h>

/*
 * Text from outside (a guest's error output or content type, a client's
 * query key, a server's error message) may carry bytes that forge header
 * or log lines or drive a terminal. The policy, everywhere: only printable
 * ASCII (0x20..0x7e) passes unchanged. What replaces any other byte
 * depends on where the text goes:
 *   - replies and messages (text_sanitize): '?';
 *   - the daemon's log (log.c): \xNN, so nothing is lost;
 *   - a terminal line in the CLI: ' ', so a multi-line message stays
 *     readable on one line;
 *   - an HTTP header value (api.c): the whole value is refused.
 * The VMM cannot link this module and applies the same rule to what the
 * guest hands it (vmm/guestlog.c: '?').
 */

/* 1 when byte c may pass unchanged. */
static inline int text_is_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Copies at most len bytes of src into dst (cap > 0), each byte that is
 * not safe (a NUL included) as '?'; stops when dst is full and always
 * NUL-terminates. dst may equal src. Returns the bytes written. */
size_t text_sanitize(char *dst, size_t cap, const void *src, size_t len);

/* Percent-encodes len bytes of src for a URL: in a path (path set: '/'
 * and the other characters a path segment may hold stay as they are) or
 * in a query value (only the unreserved ones stay). malloc'd, NULL when
 * out of memory. The CLI and glintd's KV routes encode keys alike. */
char *text_percent_encode(const void *src, size_t len, int path);

#endif /* GLINT_TEXT_H */
