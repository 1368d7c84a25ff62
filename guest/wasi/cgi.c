/* cgi.c: stdout as a CGI response: header lines, a blank line, the body.
 *
 * The header block is collected until its blank line (LF or CRLF line
 * ends). Each line must be "Name: value" with a token name and a value
 * free of control characters; a bad line ends the call with an error
 * naming it, so nothing a module writes can smuggle a header. Output whose
 * first line is not a header, or whose header block outgrows HEAD_MAX, has
 * no header block: all of it is the body, as application/octet-stream.
 *
 * Today's ABI carries a content type and success or failure, so
 * Content-Type is sent, Status 2xx answers normally and any other Status
 * (and Location, a redirect) ends the call as a function error naming the
 * status. Other headers are validated and dropped until the HTTP-functions
 * ABI can carry them.
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
	return code >= 100 && code <= 599 ? code : -1;
}

/* One header line without its line end; ends the call if it is bad. */
static void header_line(const char *line, size_t len, int *status,
			bool *redirect)
{
	size_t n = name_len(line, len), v = n + 1;
	char ct[64];

	if (n == 0)
		glint_fail("invalid CGI header line: '%.*s'",
			   (int)(len > 80 ? 80 : len), line);
	while (v < len && (line[v] == ' ' || line[v] == '\t'))
		v++;
	for (size_t i = v; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			glint_fail("invalid CGI header '%.*s': control "
				   "character 0x%02x in its value",
				   (int)n, line, c);
	}
	if (name_is(line, n, "Content-Type")) {
		if (len - v >= sizeof(ct))
			glint_fail("CGI Content-Type longer than %zu bytes",
				   sizeof(ct) - 1);
		memcpy(ct, line + v, len - v);
		ct[len - v] = '\0';
		glint_set_content_type(ct);
	} else if (name_is(line, n, "Status")) {
		*status = parse_status(line + v, len - v);
		if (*status < 0)
			glint_fail("invalid CGI Status '%.*s'",
				   (int)(len - v > 40 ? 40 : len - v),
				   line + v);
	} else if (name_is(line, n, "Location")) {
		*redirect = true;
	}
}

/* The block [0, end) is complete: apply it and start the body. */
static void end_of_head(size_t end, size_t body_at)
{
	int status = 200;
	bool redirect = false;
	size_t pos = 0;

	while (pos < end) {
		const char *nl = memchr(head + pos, '\n', end - pos);
		size_t len = (size_t)((nl ? nl - head : (long)end) - (long)pos);

		if (len && head[pos + len - 1] == '\r')
			len--;
		header_line(head + pos, len, &status, &redirect);
		pos += len + (head[pos + len] == '\r') + 1;
	}
	if (redirect && status == 200)
		glint_fail("CGI redirect (Location) cannot be answered yet");
	if (status < 200 || status > 299)
		glint_fail("CGI Status %d", status);
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
