/* text.c: untrusted text made safe to show (see text.h for the policy). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

char *text_percent_encode(const void *src, size_t len, int path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = src;
	char *d = malloc(3 * len + 1), *p = d;

	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c && strchr("-._~", c)) ||
		    (path && c && strchr(":@!$'()*,;=/", c))) {
			*p++ = (char)c;
			continue;
		}
		*p++ = '%';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 15];
	}
	*p = '\0';
	return d;
}
