/* test_request.c: what a function sees of an HTTP request and controls of
 * its response, against the real glintd: every method, raw and decoded
 * paths and queries, headers in order, HEAD, limits (414/431), status and
 * header validation with hostile guests, max_output_bytes, ABI 1 refused. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "daemon/common/sha256.h"
#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

static struct glintd_proc daemon_g;

/* A response read off a raw socket, so that the test controls every byte
 * sent (header order, repeats, encodings) and sees every byte received. */
struct raw_resp {
	int status;
	char *head; /* status line and headers, NUL-terminated */
	char *body; /* after the blank line */
	size_t body_len;
	char *all;
};

static void raw_free(struct raw_resp *r)
{
	free(r->all);
	memset(r, 0, sizeof(*r));
}

/* Sends req (which must ask for Connection: close) and reads to EOF. */
static void raw(const char *req, size_t len, struct raw_resp *r)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	size_t cap = 1 << 16, n = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *sep;
	ssize_t k;

	memset(r, 0, sizeof(*r));
	sa.sin_port = htons(daemon_g.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (size_t off = 0; off < len; off += (size_t)k) {
		k = write(fd, req + off, len - off);
		ck_assert_int_gt(k, 0);
	}
	r->all = malloc(cap + 1);
	while ((k = read(fd, r->all + n, cap - n)) > 0) {
		n += (size_t)k;
		if (n == cap)
			r->all = realloc(r->all, (cap *= 2) + 1);
	}
	close(fd);
	r->all[n] = '\0';
	ck_assert_msg(sscanf(r->all, "HTTP/1.1 %d", &r->status) == 1,
		      "no status line: %s", r->all);
	sep = strstr(r->all, "\r\n\r\n");
	ck_assert_ptr_nonnull(sep);
	*sep = '\0';
	r->head = r->all;
	r->body = sep + 4;
	r->body_len = n - (size_t)(r->body - r->all);
}

static void raw_str(const char *req, struct raw_resp *r)
{
	raw(req, strlen(req), r);
}

/* Value of the first response header called name, or NULL (static). */
static const char *raw_header(const struct raw_resp *r, const char *name,
			      int nth)
{
	static char v[1024];
	const char *p = r->head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':' && nth-- == 0) {
			const char *e = strstr(p, "\r\n");
			size_t len = e ? (size_t)(e - p) : strlen(p);

			snprintf(v, sizeof(v), "%.*s", (int)(len - n - 2),
				 p + n + 2);
			return v;
		}
	}
	return NULL;
}

static void deploy(const char *name, const char *elf, const char *query)
{
	struct http_resp r;

	ck_assert_int_eq(
		harness_deploy(&daemon_g, name, harness_built(elf), query, &r),
		0);
	if (r.status != 201)
		harness_dump_log(&daemon_g);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void daemon_up(void)
{
	int rc = harness_start(&daemon_g, NULL);

	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	deploy("reqecho", "tests/guests/reqecho.elf", "");
	deploy("badhead", "tests/guests/badhead.elf", "max_output_bytes=100");
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

static void assert_has(const struct raw_resp *r, const char *want)
{
	ck_assert_msg(strstr(r->body, want) != NULL, "\"%s\" not in body:\n%s",
		      want, r->body);
}

static void assert_error(const struct raw_resp *r, int status, const char *code,
			 const char *in_message)
{
	json_t *j = json_loads(r->body, 0, NULL);
	const char *c = NULL, *m = NULL;

	ck_assert_msg(r->status == status, "status %d, want %d: %s", r->status,
		      status, r->all);
	ck_assert_msg(j != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &c,
				     "message", &m),
			 0);
	ck_assert_str_eq(c, code);
	ck_assert_msg(strstr(m, in_message), "message \"%s\" lacks \"%s\"", m,
		      in_message);
	json_decref(j);
}

static const char *const methods[] = {"GET",   "POST",	 "PUT",
				      "PATCH", "DELETE", "OPTIONS"};

START_TEST(every_method_sees_the_whole_request)
{
	const char *m = methods[_i];
	struct raw_resp r;
	char req[1024], want[128];

	snprintf(req, sizeof(req),
		 "%s /invoke/reqecho/a%%20b/c%%2Fd?x=1&y=hello%%20w%%3D&x=2&e "
		 "HTTP/1.1\r\n"
		 "Host: t\r\nX-Glint-Test: one\r\nX-Rep: a\r\nx-rep: b\r\n"
		 "Content-Length: 4\r\nConnection: close\r\n\r\nbody",
		 m);
	raw_str(req, &r);
	ck_assert_msg(r.status == 200, "%s: %s", m, r.all);
	snprintf(want, sizeof(want), "method=%s\n", m);
	assert_has(&r, want);
	assert_has(&r, "path_raw=/a%20b/c%2Fd\n");
	assert_has(&r, "path=/a b/c/d\n");
	assert_has(&r, "query_raw=x=1&y=hello%20w%3D&x=2&e\n");
	assert_has(&r, "q:x=1\nq:y=hello w=\nq:x=2\nq:e=\n");
	/* every header, in arrival order, repeats kept, names as sent */
	assert_has(&r, "h:Host: t\nh:X-Glint-Test: one\nh:X-Rep: a\n"
		       "h:x-rep: b\nh:Content-Length: 4\n"
		       "h:Connection: close\n");
	assert_has(&r, "lookup=one\n");
	assert_has(&r, "client=127.0.0.1:1\n");
	assert_has(&r, "scheme=http\n");
	snprintf(want, sizeof(want), "id=%s\n",
		 raw_header(&r, "X-Request-Id", 0));
	assert_has(&r, want);
	assert_has(&r, "body_same=1\nbody=body");
	raw_free(&r);
}
END_TEST

START_TEST(head_gets_get_headers_without_body)
{
	struct raw_resp get, head;
	char cl[64];

	raw_str("GET /invoke/reqecho?status=203&add=X-One:1 HTTP/1.1\r\n"
		"Host: t\r\nConnection: close\r\n\r\n",
		&get);
	raw_str("HEAD /invoke/reqecho?status=203&add=X-One:1 HTTP/1.1\r\n"
		"Host: t\r\nConnection: close\r\n\r\n",
		&head);
	ck_assert_int_eq(get.status, 203);
	ck_assert_int_eq(head.status, 203);
	ck_assert_str_eq(raw_header(&head, "X-One", 0), "1");
	snprintf(cl, sizeof(cl), "%s", raw_header(&get, "Content-Length", 0));
	ck_assert_str_eq(raw_header(&head, "Content-Length", 0), cl);
	ck_assert_uint_eq(head.body_len, 0);
	ck_assert_uint_gt(get.body_len, 0);
	/* the function saw a GET */
	ck_assert_ptr_nonnull(strstr(get.body, "method=GET\n"));
	raw_free(&get);
	raw_free(&head);
}
END_TEST

START_TEST(status_and_headers_from_the_function)
{
	struct raw_resp r;

	raw_str("OPTIONS /invoke/reqecho?status=204&add=Access-Control-Allow-"
		"Origin:*&add=X-A:1&add=X-A:2 HTTP/1.1\r\nHost: t\r\n"
		"Connection: close\r\n\r\n",
		&r);
	ck_assert_msg(r.status == 204, "%s", r.all);
	ck_assert_str_eq(raw_header(&r, "Access-Control-Allow-Origin", 0), "*");
	ck_assert_str_eq(raw_header(&r, "X-A", 0), "1");
	ck_assert_str_eq(raw_header(&r, "X-A", 1), "2");
	raw_free(&r);
	/* a 4xx of the function's own, a Content-Type header that wins, and
	 * set_header replacing earlier ones */
	raw_str("GET /invoke/reqecho?status=400&ctype=text/html&add=X-B:1&"
		"add=X-B:2&set=x-b:3&add=Content-Type:text/plain HTTP/1.1\r\n"
		"Host: t\r\nConnection: close\r\n\r\n",
		&r);
	ck_assert_msg(r.status == 400, "%s", r.all);
	ck_assert_str_eq(raw_header(&r, "Content-Type", 0), "text/plain");
	ck_assert_ptr_null(raw_header(&r, "Content-Type", 1));
	ck_assert_str_eq(raw_header(&r, "X-B", 0), "3");
	ck_assert_ptr_null(raw_header(&r, "X-B", 1));
	ck_assert_ptr_nonnull(strstr(r.body, "method=GET\n"));
	raw_free(&r);
}
END_TEST

START_TEST(post_body_only_function_unchanged)
{
	struct http_resp r;

	deploy("echo", "guest/examples/echo.elf", "");
	ck_assert_int_eq(harness_request(&daemon_g, "POST", "/invoke/echo",
					 "abc\0def", 7, &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 7);
	ck_assert_mem_eq(r.body, "abc\0def", 7);
	http_resp_free(&r);
	/* hello: POST JSON as before, GET with a query parameter */
	deploy("hello", "guest/examples/hello.elf", "");
	ck_assert_int_eq(harness_request(&daemon_g, "GET",
					 "/invoke/hello?name=Ada%20L", NULL, 0,
					 &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"greeting\":\"Hello, Ada L!\"}");
	http_resp_free(&r);
	ck_assert_int_eq(harness_request(&daemon_g, "POST", "/invoke/hello",
					 "{\"name\":\"Bo\"}", 13, &r),
			 0);
	ck_assert_str_eq(r.body, "{\"greeting\":\"Hello, Bo!\"}");
	http_resp_free(&r);
}
END_TEST

static long invocations(void)
{
	return harness_metric(
		&daemon_g,
		"glint_invocations_total{function=\"reqecho\",outcome=\"ok\"}");
}

START_TEST(limits_431_414_before_any_vm)
{
	size_t cap = 64 << 10;
	char *req = malloc(cap);
	long before = invocations();
	struct raw_resp r;
	int n;

	/* 101 header lines (the default limit is 100) */
	n = snprintf(req, cap, "GET /invoke/reqecho HTTP/1.1\r\n");
	for (int i = 0; i < 99; i++)
		n += snprintf(req + n, cap - (size_t)n, "X-H%d: v\r\n", i);
	n += snprintf(req + n, cap - (size_t)n,
		      "Host: t\r\nConnection: close\r\n\r\n");
	raw(req, (size_t)n, &r);
	assert_error(&r, 431, "request_header_fields_too_large",
		     "101 request headers exceed max_request_headers (100)");
	raw_free(&r);
	/* 9,000 bytes of header values (limit 8 KiB) */
	n = snprintf(req, cap, "GET /invoke/reqecho HTTP/1.1\r\nX-Big: ");
	memset(req + n, 'v', 9000);
	n += 9000;
	n += snprintf(req + n, cap - (size_t)n,
		      "\r\nHost: t\r\nConnection: close\r\n\r\n");
	raw(req, (size_t)n, &r);
	assert_error(&r, 431, "request_header_fields_too_large",
		     "max_request_header_bytes (8192)");
	raw_free(&r);
	/* a 9,000-byte target (limit 8 KiB) */
	n = snprintf(req, cap, "GET /invoke/reqecho?q=");
	memset(req + n, 'a', 9000);
	n += 9000;
	n += snprintf(req + n, cap - (size_t)n,
		      " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	raw(req, (size_t)n, &r);
	assert_error(&r, 414, "uri_too_long", "max_url_bytes (8192)");
	raw_free(&r);
	ck_assert_int_eq(invocations(), before);
	free(req);
}
END_TEST

struct bad_case {
	const char *path, *in_message;
};

static const struct bad_case bad_cases[] = {
	{"/crlf", "response header \"X-Evil\": value contains CR, LF"},
	{"/nul", "response header \"X-Nul\": value contains CR, LF, NUL"},
	{"/badname", "name \"Bad Name\" is not a valid token"},
	{"/conn", "\"Connection\" is set by glintd"},
	{"/cl", "\"content-length\" is set by glintd"},
	{"/te", "\"Transfer-Encoding\" is set by glintd"},
	{"/many", "response sets 10000 headers; the limit is 256"},
	{"/full", "response head claims 4 headers but its 24618 bytes hold 3"},
	{"/liecount", "response sets 10000 headers; the limit is 256"},
	{"/lielen", "response header 0: lengths run past"},
	{"/liebytes", "response head claims 2147483647 bytes"},
	{"/status/0", NULL}, /* 0 = not set = 200 */
	{"/status/1000", "response status 1000 is not allowed"},
	{"/status/101", "response status 101 is not allowed"},
	{"/status/99", "response status 99 is not allowed"},
};

START_TEST(hostile_response_heads_are_protocol_errors)
{
	const struct bad_case *c = &bad_cases[_i];
	struct raw_resp r;
	char req[256];

	snprintf(req, sizeof(req),
		 "GET /invoke/badhead%s HTTP/1.1\r\nHost: t\r\n"
		 "Connection: close\r\n\r\n",
		 c->path);
	raw_str(req, &r);
	if (c->in_message) {
		assert_error(&r, 502, "guest_protocol_error", c->in_message);
		/* nothing the function set reached the client */
		ck_assert_ptr_null(strstr(r.head, "stolen"));
		ck_assert_ptr_null(raw_header(&r, "X-Evil", 0));
		ck_assert_ptr_null(raw_header(&r, "X-Many", 0));
	} else {
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(r.body, "done");
	}
	raw_free(&r);
	/* the VM was restored and the daemon serves the next call */
	raw_str("GET /invoke/badhead/ok HTTP/1.1\r\nHost: t\r\n"
		"Connection: close\r\n\r\n",
		&r);
	ck_assert_msg(r.status == 418, "%s", r.all);
	ck_assert_str_eq(raw_header(&r, "X-Two", 0), "two words");
	ck_assert_ptr_null(raw_header(&r, "X-Evil", 0));
	raw_free(&r);
}
END_TEST

START_TEST(glint_fail_stays_500_and_output_limit)
{
	struct raw_resp r;
	struct http_resp h;
	json_t *j;

	raw_str("GET /invoke/badhead/fail HTTP/1.1\r\nHost: t\r\n"
		"Connection: close\r\n\r\n",
		&r);
	assert_error(&r, 500, "function_error", "my own error");
	ck_assert_ptr_null(raw_header(&r, "X-Before-Fail", 0));
	raw_free(&r);
	raw_str("GET /invoke/badhead/big/96 HTTP/1.1\r\nHost: t\r\n"
		"Connection: close\r\n\r\n",
		&r);
	ck_assert_int_eq(r.status, 200); /* 96 + "done" = 100 bytes */
	ck_assert_uint_eq(r.body_len, 100);
	raw_free(&r);
	raw_str("GET /invoke/badhead/big/97 HTTP/1.1\r\nHost: t\r\n"
		"Connection: close\r\n\r\n",
		&r);
	assert_error(&r, 502, "output_too_large",
		     "output of 101 bytes exceeds the function's "
		     "max_output_bytes of 100");
	raw_free(&r);
	/* the setting is shown */
	ck_assert_int_eq(harness_request(&daemon_g, "GET", "/functions/badhead",
					 NULL, 0, &h),
			 0);
	j = json_loads(h.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(
		json_integer_value(json_object_get(j, "max_output_bytes")),
		100);
	json_decref(j);
	http_resp_free(&h);
}
END_TEST

START_TEST(abi1_image_refused_with_rebuild_message)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(&daemon_g, "old",
					harness_built("tests/guests/abi1.elf"),
					"", &r),
			 0);
	ck_assert_msg(r.status == 422 || r.status == 400, "%ld %s", r.status,
		      r.body);
	ck_assert_msg(strstr(r.body, "image built for glint ABI 1; this glintd "
				     "runs ABI 2: rebuild it against the "
				     "current guest SDK (pkg-config "
				     "glint-guest)"),
		      "%s", r.body);
	http_resp_free(&r);
}
END_TEST

/* The webhook example: status codes, headers and a secret used as an HMAC
 * key, as a user would deploy it. */
#define HOOK_SECRET "s3cr3t-hook-key"

/* RFC 2104 HMAC-SHA256 on the host, on the daemon's SHA-256 (checked on
 * the FIPS vectors by its own tests): the client's side of the signature,
 * written apart from the SDK's. */
static void host_hmac(const char *key, const char *msg, char hex[65])
{
	uint8_t k[64] = {0}, pad[64], inner[32], mac[32];
	struct sha256_ctx c;

	memcpy(k, key, strlen(key)); /* shorter than a block */
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, msg, strlen(msg));
	sha256_final(&c, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, inner, 32);
	sha256_final(&c, mac);
	sha256_hex(mac, hex);
}

/* POSTs (or method) body with X-Signature: sig (none when NULL). */
static void webhook(const char *method, const char *sig, const char *body,
		    struct raw_resp *r)
{
	char req[1024];
	int n;

	n = snprintf(req, sizeof(req),
		     "%s /invoke/webhook HTTP/1.1\r\nHost: t\r\n%s%s%s"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     method, sig ? "X-Signature: " : "", sig ? sig : "",
		     sig ? "\r\n" : "", strlen(body), body);
	ck_assert_int_lt(n, (int)sizeof(req));
	raw(req, (size_t)n, r);
	ck_assert_msg(strstr(r->all, HOOK_SECRET) == NULL,
		      "the secret reached a client: %s", r->all);
}

/* "sha256=<hex>" of body under key. */
static void sign(const char *key, const char *body, char sig[80])
{
	char hex[65];

	host_hmac(key, body, hex);
	snprintf(sig, 80, "sha256=%s", hex);
}

static void assert_unauthorized(struct raw_resp *r, const char *why)
{
	ck_assert_msg(r->status == 401, "%s", r->all);
	ck_assert_str_eq(raw_header(r, "WWW-Authenticate", 0),
			 "HMAC-SHA256 header=X-Signature");
	assert_has(r, why);
	raw_free(r);
}

START_TEST(webhook_example_statuses_headers_secret)
{
	static const char push[] = "{\"event\":\"push\"}";
	char sig[80], other[80];
	struct http_resp h;
	struct raw_resp r;

	deploy("webhook", "guest/examples/webhook.elf", "");
	sign(HOOK_SECRET, push, sig);
	/* Without its secret the function says so: its own error. */
	webhook("POST", sig, push, &r);
	assert_error(&r, 500, "function_error", "WEBHOOK_SECRET is not set");
	raw_free(&r);
	ck_assert_int_eq(harness_request(&daemon_g, "PUT",
					 "/functions/webhook/secrets/"
					 "WEBHOOK_SECRET",
					 HOOK_SECRET, strlen(HOOK_SECRET), &h),
			 0);
	ck_assert_msg(h.status == 204, "%ld %s", h.status, h.body);
	http_resp_free(&h);

	webhook("POST", sig, push, &r);
	ck_assert_msg(r.status == 202, "%s", r.all);
	ck_assert_str_eq(raw_header(&r, "X-Event", 0), "push");
	ck_assert_str_eq(r.body, "{\"accepted\":\"push\"}");
	ck_assert_ptr_null(raw_header(&r, "WWW-Authenticate", 0));
	raw_free(&r);
	webhook("GET", sig, "", &r);
	ck_assert_msg(r.status == 405, "%s", r.all);
	ck_assert_str_eq(raw_header(&r, "Allow", 0), "POST");
	raw_free(&r);

	webhook("POST", NULL, push, &r);
	assert_unauthorized(&r, "X-Signature is missing");
	/* Signed under another key; the right MAC of another body; the
	 * right MAC with one digit changed; not hex; no prefix. */
	sign("s3cr3t-hook-keY", push, other);
	webhook("POST", other, push, &r);
	assert_unauthorized(&r, "X-Signature does not match the body");
	webhook("POST", sig, "{\"event\":\"pusH\"}", &r);
	assert_unauthorized(&r, "X-Signature does not match the body");
	memcpy(other, sig, sizeof(other));
	other[strlen(sig) - 1] = sig[strlen(sig) - 1] == '0' ? '1' : '0';
	webhook("POST", other, push, &r);
	assert_unauthorized(&r, "X-Signature does not match the body");
	memcpy(other, sig, sizeof(other));
	other[10] = 'g';
	webhook("POST", other, push, &r);
	assert_unauthorized(&r, "sha256= and 64 hex digits");
	webhook("POST", sig + 7, push, &r);
	assert_unauthorized(&r, "sha256= and 64 hex digits");

	/* Signed, but not what the function accepts: its own 400. */
	sign(HOOK_SECRET, "{\"kind\":1}", sig);
	webhook("POST", sig, "{\"kind\":1}", &r);
	ck_assert_msg(r.status == 400, "%s", r.all);
	assert_has(&r, "must be a JSON object with an");
	raw_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e-request");
	TCase *tc = tcase_create("request");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, every_method_sees_the_whole_request, 0,
			    sizeof(methods) / sizeof(methods[0]));
	tcase_add_test(tc, head_gets_get_headers_without_body);
	tcase_add_test(tc, status_and_headers_from_the_function);
	tcase_add_test(tc, post_body_only_function_unchanged);
	tcase_add_test(tc, limits_431_414_before_any_vm);
	tcase_add_loop_test(tc, hostile_response_heads_are_protocol_errors, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, glint_fail_stays_500_and_output_limit);
	tcase_add_test(tc, abi1_image_refused_with_rebuild_message);
	tcase_add_test(tc, webhook_example_statuses_headers_secret);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
