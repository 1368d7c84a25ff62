/* text.c: untrusted text made safe to show (see text.h for the policy). */
#include "config.h"

#include <stdint.h>

#include "text.h"

size_t text_sanitize(char *dst, size_t cap, const void *src, size_t len)
{
	const uint8_t *s = src;
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (; n < len && n + 1 < cap; n++)
		dst[n] = text_is_safe(s[n]) ? (char)s[n] : '?';
	dst[n] = '\0';
	return n;
}
