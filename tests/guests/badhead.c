/* badhead.c: a function that breaks the response-head rules, chosen by the
 * request path:
 *   /crlf      a header value with CR LF (header injection)
 *   /nul       a header value with a NUL inside (written directly)
 *   /badname   a header name that is not a token
 *   /conn      a Connection header; /cl Content-Length; /te
 *              Transfer-Encoding
 *   /many      10,000 glint_add_header calls
 *   /full      four 8 KiB values: the fourth does not fit the 32 KiB area
 *   /liecount  nheaders says 10000 with no entries (written directly)
 *   /lielen    an entry whose value length runs past bytes_used
 *   /liebytes  bytes_used larger than the area
 *   /status/N  result.status = N written directly (0, 1000, 101, ...)
 *   /big/N     N bytes of output
 *   /fail      glint_fail after setting status 404 and a header
 *   /ok        a valid 418 with two headers */
#include <glint.h>
#include <glint_abi.h>
#include <stdlib.h>
#include <string.h>

#define HEAD ((struct glint_response_head *)GLINT_RESP_HEAD_GPA)
#define PAGE ((volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)

static void raw_entry(const char *name, const char *value, size_t vlen)
{
	struct glint_resp_header *e =
		(void *)((char *)(HEAD + 1) + HEAD->bytes_used);

	e->name_len = (uint16_t)strlen(name);
	e->reserved0 = 0;
	e->value_len = (uint32_t)vlen;
	memcpy(e + 1, name, e->name_len);
	memcpy((char *)(e + 1) + e->name_len, value, vlen);
	HEAD->bytes_used += (uint32_t)(sizeof(*e) + e->name_len + vlen);
	HEAD->nheaders++;
}

static void lies(const char *p)
{
	if (strcmp(p, "/liecount") == 0) {
		HEAD->nheaders = 10000;
		HEAD->bytes_used = 0;
	} else if (strcmp(p, "/lielen") == 0) {
		raw_entry("X-Ok", "fine", 4);
		((struct glint_resp_header *)(HEAD + 1))->value_len =
			0xfffffff0u;
	} else if (strcmp(p, "/liebytes") == 0) {
		raw_entry("X-Ok", "fine", 4);
		HEAD->bytes_used = 0x7fffffffu;
	}
}

void glint_handle(const char *input, size_t input_len)
{
	const char *p = glint_request_path();

	(void)input;
	(void)input_len;
	if (strcmp(p, "/crlf") == 0)
		glint_add_header("X-Evil", "a\r\nSet-Cookie: stolen=1");
	else if (strcmp(p, "/nul") == 0)
		raw_entry("X-Nul", "a\0b", 3);
	else if (strcmp(p, "/badname") == 0)
		glint_add_header("Bad Name", "x");
	else if (strcmp(p, "/conn") == 0)
		glint_add_header("Connection", "close");
	else if (strcmp(p, "/cl") == 0)
		glint_add_header("content-length", "0");
	else if (strcmp(p, "/te") == 0)
		glint_add_header("Transfer-Encoding", "chunked");
	else if (strcmp(p, "/many") == 0)
		for (int i = 0; i < 10000; i++)
			glint_add_header("X-Many", "1");
	else if (strcmp(p, "/full") == 0) {
		static char v[GLINT_RESP_VALUE_MAX + 1];

		memset(v, 'v', GLINT_RESP_VALUE_MAX);
		for (int i = 0; i < 4; i++)
			glint_add_header("X-Full", v);
	} else if (strncmp(p, "/lie", 4) == 0)
		lies(p);
	else if (strncmp(p, "/status/", 8) == 0)
		PAGE->result.status = (uint32_t)strtoul(p + 8, NULL, 10);
	else if (strncmp(p, "/big/", 5) == 0) {
		size_t n = strtoul(p + 5, NULL, 10);

		for (size_t i = 0; i < n; i++)
			glint_write("x", 1);
	} else if (strcmp(p, "/fail") == 0) {
		glint_set_status(404);
		glint_add_header("X-Before-Fail", "1");
		glint_fail("my own error");
	} else if (strcmp(p, "/ok") == 0) {
		glint_set_status(418);
		glint_add_header("X-One", "1");
		glint_add_header("X-Two", "two words");
	}
	glint_write_str("done");
}
