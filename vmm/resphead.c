/* resphead.c: RFC 9110 checks of a guest's status code and response
 * headers. The guest is stopped while this runs (one vCPU, after DONE), so
 * its memory does not change under the checks. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "resphead.h"

/* glintd owns the framing of the response: these would let a function
 * smuggle a second response or break the connection. */
static const char *const refused[] = {
	"Connection", "Transfer-Encoding", "Content-Length",
	"Upgrade",    "Keep-Alive",	   "TE",
	"Trailer",
};

static int tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token(const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!tchar(p[i]))
			return 0;
	return 1;
}

/* field-value: VCHAR / obs-text, SP and HTAB only inside. */
static int is_field_value(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == ' ' || c == '\t') {
			if (i == 0 || i == n - 1)
				return 0;
			continue;
		}
		if (c < 0x21 || c == 0x7f)
			return 0;
	}
	return 1;
}

static int refused_name(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strlen(refused[i]) == n &&
		    strncasecmp(refused[i], (const char *)p, n) == 0)
			return 1;
	return 0;
}

/* Prints a guest-chosen name safely: printable ASCII only, cut short. */
static void show(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < cap; i++)
		dst[j++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	dst[j] = '\0';
}

static int check_entry(const uint8_t *name, size_t nlen, const uint8_t *val,
		       size_t vlen, uint32_t i, char *msg, size_t msg_len)
{
	char shown[64];

	show(shown, sizeof(shown), name, nlen);
	if (!is_token(name, nlen))
		snprintf(msg, msg_len,
			 "response header %u: name \"%s\" is not a valid "
			 "token",
			 i, shown);
	else if (refused_name(name, nlen))
		snprintf(msg, msg_len,
			 "response header \"%s\" is set by glintd and may "
			 "not be set by a function",
			 shown);
	else if (vlen > GLINT_RESP_VALUE_MAX)
		snprintf(msg, msg_len,
			 "response header \"%s\": value of %zu bytes exceeds "
			 "%u",
			 shown, vlen, GLINT_RESP_VALUE_MAX);
	else if (!is_field_value(val, vlen))
		snprintf(msg, msg_len,
			 "response header \"%s\": value contains CR, LF, NUL "
			 "or another control character",
			 shown);
	else
		return 0;
	return -EPROTO;
}

static int check_status(uint32_t status, char *msg, size_t msg_len)
{
	if (status == 0 || (status >= 100 && status <= 599 && status != 101))
		return 0;
	snprintf(msg, msg_len,
		 "response status %u is not allowed (100-599 except 101)",
		 status);
	return -EPROTO;
}

int resphead_check(uint32_t status, const uint8_t *head, size_t head_bytes,
		   struct vm_call_result *res, char *msg, size_t msg_len)
{
	struct glint_response_head h;
	const uint8_t *p, *end;
	uint32_t i;

	if (check_status(status, msg, msg_len))
		return -EPROTO;
	memcpy(&h, head, sizeof(h));
	if (h.nheaders > GLINT_RESP_HEADERS_MAX) {
		snprintf(msg, msg_len,
			 "response sets %u headers; the limit is %u",
			 h.nheaders, GLINT_RESP_HEADERS_MAX);
		return -EPROTO;
	}
	if (h.bytes_used > head_bytes - sizeof(h)) {
		snprintf(msg, msg_len,
			 "response head claims %u bytes; the area holds %zu",
			 h.bytes_used, head_bytes - sizeof(h));
		return -EPROTO;
	}
	p = head + sizeof(h);
	end = p + h.bytes_used;
	for (i = 0; i < h.nheaders; i++) {
		struct glint_resp_header e;

		if ((size_t)(end - p) < sizeof(e))
			goto overrun;
		memcpy(&e, p, sizeof(e));
		p += sizeof(e);
		if (e.name_len > GLINT_RESP_NAME_MAX ||
		    e.name_len > (size_t)(end - p) ||
		    e.value_len > (size_t)(end - p) - e.name_len)
			goto overrun;
		if (check_entry(p, e.name_len, p + e.name_len, e.value_len, i,
				msg, msg_len))
			return -EPROTO;
		p += e.name_len + e.value_len;
	}
	res->http_status = status ? status : 200;
	res->head = head + sizeof(h);
	res->head_bytes = (uint32_t)(p - (head + sizeof(h)));
	res->nheaders = h.nheaders;
	return 0;
overrun:
	if (p == end)
		snprintf(msg, msg_len,
			 "response head claims %u headers but its %u bytes "
			 "hold %u (the 32 KiB area is full?)",
			 h.nheaders, h.bytes_used, i);
	else
		snprintf(msg, msg_len,
			 "response header %u: lengths run past the %u bytes "
			 "the head claims",
			 i, h.bytes_used);
	return -EPROTO;
}

int vm_result_header(const struct vm_call_result *res, uint32_t *cursor,
		     struct vm_str *name, struct vm_str *value)
{
	struct glint_resp_header e;
	const uint8_t *p;

	if (*cursor >= res->head_bytes)
		return 0;
	p = res->head + *cursor;
	memcpy(&e, p, sizeof(e));
	name->p = (const char *)p + sizeof(e);
	name->len = e.name_len;
	value->p = name->p + e.name_len;
	value->len = e.value_len;
	*cursor += (uint32_t)(sizeof(e) + e.name_len + e.value_len);
	return 1;
}
