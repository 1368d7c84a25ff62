/* shorten.c: a URL shortener on the key-value store.
 *
 *   curl -d 'https://example.org/a/long/path' localhost:8080/invoke/shorten
 *   {"code":"Xk3v9Qa","url":"https://example.org/a/long/path"}   (201)
 *   curl -i localhost:8080/invoke/shorten/Xk3v9Qa
 *   HTTP/1.1 302 Found
 *   Location: https://example.org/a/long/path
 *
 * A code is 7 random base-62 characters, claimed with compare-and-set
 * ("only if absent"), so two calls that draw the same code can never give
 * it two URLs: the loser draws again. Unknown codes are 404. */
#include <glint.h>
#include <glint_json.h>
#include <stdio.h>
#include <string.h>

#define CODE_LEN 7
#define URL_MAX 2048
#define TRIES 8

static void answer_error(int status, const char *why)
{
	struct glint_json_writer out;

	glint_set_status(status);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "error");
	glint_json_string(&out, why);
	glint_json_end_object(&out);
}

/* http:// or https:// and a host, visible ASCII only: it becomes a
 * Location header, so nothing that could end or split a header line. */
static int url_ok(const char *u, size_t n)
{
	size_t skip = n > 8 && memcmp(u, "https://", 8) == 0  ? 8
		      : n > 7 && memcmp(u, "http://", 7) == 0 ? 7
							      : 0;

	if (skip == 0 || n > URL_MAX || u[skip] == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return 0;
	return 1;
}

static int code_ok(const char *c)
{
	size_t n = strlen(c);

	if (n != CODE_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') ||
		      (c[i] >= 'A' && c[i] <= 'Z') ||
		      (c[i] >= '0' && c[i] <= '9')))
			return 0;
	return 1;
}

static void new_code(char *code)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "abcdefghijklmnopqrstuvwxyz";

	for (int i = 0; i < CODE_LEN; i++)
		code[i] = digits[glint_random_below(62)];
	code[CODE_LEN] = '\0';
}

static void shorten(const char *url, size_t len)
{
	struct glint_json_writer out;
	char code[CODE_LEN + 1], key[CODE_LEN + 3], loc[64];
	int rc = GLINT_E_CONFLICT;

	/* Trailing newlines, as `curl -d @file` or `echo` send them. */
	while (len > 0 && (url[len - 1] == '\n' || url[len - 1] == '\r'))
		len--;
	if (!url_ok(url, len)) {
		answer_error(400,
			     "the body must be one http:// or https:// URL "
			     "of at most 2048 visible ASCII characters");
		return;
	}
	for (int i = 0; i < TRIES && rc == GLINT_E_CONFLICT; i++) {
		new_code(code);
		snprintf(key, sizeof(key), "c:%s", code);
		rc = glint_kv_cas(key, strlen(key), NULL, 0, url, len);
	}
	if (rc < 0) {
		glint_log_error("storing a code failed: %d", rc);
		answer_error(503, "no code could be stored; try again");
		return;
	}
	snprintf(loc, sizeof(loc), "/invoke/shorten/%s", code);
	glint_set_status(201);
	glint_set_header("Location", loc);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "code");
	glint_json_string(&out, code);
	glint_json_key(&out, "url");
	glint_json_stringn(&out, url, len);
	glint_json_end_object(&out);
}

static void redirect(const char *code)
{
	char key[CODE_LEN + 3], url[URL_MAX + 1];
	long n;

	if (!code_ok(code)) {
		answer_error(404, "no such code");
		return;
	}
	snprintf(key, sizeof(key), "c:%s", code);
	n = glint_kv_get(key, strlen(key), url, URL_MAX);
	if (n == GLINT_E_NOTFOUND) {
		answer_error(404, "no such code");
		return;
	}
	if (n < 0) {
		glint_log_error("reading code %s failed: %ld", code, n);
		answer_error(503, "the store is unavailable; try again");
		return;
	}
	url[n] = '\0';
	glint_set_status(302);
	glint_set_header("Location", url);
}

void glint_handle(const char *input, size_t input_len)
{
	const char *method = glint_request_method();
	const char *path = glint_request_path();

	if (strcmp(method, "POST") == 0 && (!*path || strcmp(path, "/") == 0)) {
		shorten(input, input_len);
	} else if (strcmp(method, "GET") == 0 && path[0] == '/' && path[1]) {
		redirect(path + 1);
	} else {
		glint_set_header("Allow", "GET, POST");
		answer_error(405, "POST a URL to /invoke/shorten, or GET "
				  "/invoke/shorten/<code>");
	}
}
