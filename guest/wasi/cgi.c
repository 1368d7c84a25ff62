/* cgi.c: stdout as a CGI response: header lines, a blank line, the body.
 *
 * The header block is collected until its blank line (LF or CRLF line
 * ends). Output whose first line is not "token: ..." or whose header
 * block outgrows HEAD_MAX has no header block: all of it is the body, as
 * application/octet-stream.
 *
 * Every header goes through the response head (glint_set_status,
 * glint_add_header), so glintd validates it exactly as a native
 * function's: a bad name, a CR or NUL in a value or a framing header ends
 * the call as a guest_protocol_error naming the header. Status sets the
 * response status; Location without Status answers 302 (RFC 3875 6.2.3).
 * A later line without a colon is not a header at all: a function error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cgi.h"
#include "glint.h"

#define HEAD_MAX 8192

/* In .bss: reset with the VM after every call. */
static char head[HEAD_MAX];
static size_t head_len;
static enum { CGI_HEAD = 0, CGI_BODY, CGI_RAW } mode;

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Length of a valid header name at the start of s (up to len), 0 if none. */
static size_t name_len(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_tchar((unsigned char)s[i]))
		i++;
	return i < len && s[i] == ':' ? i : 0;
}

static void to_raw(void)
{
	mode = CGI_RAW;
	glint_set_content_type("application/octet-stream");
	glint_write(head, head_len);
	head_len = 0;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int parse_status(const char *v, size_t len)
{
	int code = 0;

	if (len < 3 || (len > 3 && v[3] != ' '))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		code = code * 10 + (v[i] - '0');
	}
	return code;
}

/* One header line without its line end; ends the call if it is bad. */
static void header_line(char *line, size_t len, int *status, bool *redirect)
{
	char *colon = memchr(line, ':', len);
	size_t n, v;

	if (colon == NULL || colon == line)
		glint_fail("invalid CGI header line: '%.*s'",
			   (int)(len > 80 ? 80 : len), line);
	/* A NUL would cut the header short on its way to the host. */
	if (memchr(line, '\0', len))
		glint_fail("invalid CGI header line: it contains a NUL byte");
	n = (size_t)(colon - line);
	v = n + 1;
	while (v < len && (line[v] == ' ' || line[v] == '\t'))
		v++;
	if (name_is(line, n, "Status")) {
		*status = parse_status(line + v, len - v);
		if (*status < 0 || glint_set_status(*status) < 0)
			glint_fail("invalid CGI Status '%.*s'",
				   (int)(len - v > 40 ? 40 : len - v),
				   line + v);
		return;
	}
	if (name_is(line, n, "Location"))
		*redirect = true;
	/* The block is ours (in .bss): terminate name and value in place. */
	line[n] = '\0';
	line[len] = '\0';
	if (glint_add_header(line, line + v) < 0)
		glint_fail("CGI header '%s': too many headers or too long",
			   line);
}

/* The block [0, end) is complete: apply it and start the body. */
static void end_of_head(size_t end, size_t body_at)
{
	int status = 0;
	bool redirect = false;
	size_t pos = 0;

	while (pos < end) {
		char *nl = memchr(head + pos, '\n', end - pos);
		size_t len = (size_t)((nl ? nl - head : (long)end) - (long)pos);
		size_t next = pos + len + 1;

		if (len && head[pos + len - 1] == '\r')
			len--;
		header_line(head + pos, len, &status, &redirect);
		pos = next;
	}
	if (redirect && status == 0)
		glint_set_status(302);
	mode = CGI_BODY;
	glint_write(head + body_at, head_len - body_at);
	head_len = 0;
}

/* Looks for the blank line that ends the block in what has arrived. */
static void scan_head(void)
{
	size_t first = 0;

	for (size_t i = 0; i < head_len; i++) {
		if (head[i] != '\n')
			continue;
		if (first == 0) {
			first = i + 1;
			/* The first line decides: a header or no block. */
			if (name_len(head, i) == 0)
				return to_raw();
		}
		if (i + 1 < head_len && head[i + 1] == '\n')
			return end_of_head(i + 1, i + 2);
		if (i + 2 < head_len && head[i + 1] == '\r' &&
		    head[i + 2] == '\n')
			return end_of_head(i + 1, i + 3);
	}
	/* A first line that cannot be a header even unfinished. */
	if (first == 0 && head_len && name_len(head, head_len) == 0 &&
	    !is_tchar((unsigned char)head[head_len - 1]))
		return to_raw();
}

void cgi_write(const char *buf, size_t len)
{
	while (len && mode == CGI_HEAD) {
		size_t n =
			HEAD_MAX - head_len < len ? HEAD_MAX - head_len : len;

		memcpy(head + head_len, buf, n);
		head_len += n;
		buf += n;
		len -= n;
		scan_head();
		if (mode == CGI_HEAD && head_len == HEAD_MAX)
			to_raw();
	}
	if (len)
		glint_write(buf, len);
}

void cgi_finish(void)
{
	if (mode == CGI_HEAD)
		to_raw();
}
