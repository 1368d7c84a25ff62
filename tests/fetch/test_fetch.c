/* test_fetch.c: the outbound client against a server the test starts on
 * 127.0.0.1: round trips, refusals (allow-list, addresses, redirects),
 * caps, deadlines, cancellation, 1,000 transfers on one loop. */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include "fetch.h"
#include "fetch_server.h"
#include "../check_run.h"

static uv_loop_t loop;
static struct fetch_server *srv;
static struct fetch *f;
static unsigned port;

struct outcome {
	int calls, err, status;
	char *body;
	size_t body_len;
	char headers[8192]; /* "name: value\n" lines */
	char error[600];
	unsigned redirects;
};

static void on_done(struct fetch_op *op, int err, const struct fetch_result *r,
		    void *opaque)
{
	struct outcome *o = opaque;
	size_t used = 0;

	(void)op;
	o->calls++;
	o->err = err;
	o->status = r->status;
	o->redirects = r->redirects;
	snprintf(o->error, sizeof(o->error), "%s", r->error);
	o->body = malloc(r->body_len + 1);
	ck_assert_ptr_nonnull(o->body);
	if (r->body_len)
		memcpy(o->body, r->body, r->body_len);
	o->body[r->body_len] = '\0';
	o->body_len = r->body_len;
	for (size_t i = 0; i < r->n_headers; i++)
		used += (size_t)snprintf(
			o->headers + used, sizeof(o->headers) - used,
			"%s: %s\n", r->headers[i].name, r->headers[i].value);
}

static const char *header(const struct outcome *o, const char *name)
{
	static char value[1024];
	size_t n = strlen(name);

	for (const char *l = o->headers; *l; l = strchr(l, '\n') + 1) {
		if (!strncasecmp(l, name, n) && l[n] == ':') {
			const char *v = l + n + 2;

			snprintf(value, sizeof(value), "%.*s",
				 (int)(strchr(v, '\n') - v), v);
			return value;
		}
	}
	return NULL;
}

static void make_client(const struct fetch_config *cfg)
{
	if (f) {
		fetch_destroy(f);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	ck_assert_int_eq(fetch_create(&loop, cfg, &f), 0);
}

static void setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(fetch_server_start(&srv), 0);
	port = fetch_server_port(srv);
	f = NULL;
	make_client(NULL);
}

static void teardown(void)
{
	fetch_destroy(f);
	f = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	fetch_server_stop(srv);
}

/* A policy of entries with "PORT" replaced by the server's port. */
static struct fetch_policy *allow(const char *a, const char *b)
{
	const char *in[2] = {a, b};
	char buf[2][256], *e[2];
	struct fetch_policy *p = NULL;
	size_t n = 0;
	char err[256];

	for (size_t i = 0; i < 2 && in[i]; i++, n++) {
		const char *at = strstr(in[i], "PORT");

		if (at)
			snprintf(buf[i], sizeof(buf[i]), "%.*s%u%s",
				 (int)(at - in[i]), in[i], port, at + 4);
		else
			snprintf(buf[i], sizeof(buf[i]), "%s", in[i]);
		e[i] = buf[i];
	}
	ck_assert_msg(fetch_policy_create((const char *const *)e, n, err,
					  sizeof(err), &p) == 0,
		      "%s", err);
	return p;
}

static const char *url(const char *path)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%u%s", port, path);
	return buf;
}

/* Runs one request to completion on the loop. */
static void run(const struct fetch_policy *p, const struct fetch_request *req,
		struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(fetch_start(f, req, p, on_done, o, NULL), 0);
	ck_assert_int_eq(o->calls, 0); /* never from inside fetch_start */
	while (!o->calls)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(o->calls, 1);
}

static void get(const struct fetch_policy *p, const char *u, unsigned redirs,
		struct outcome *o)
{
	struct fetch_request req = {.url = u, .max_redirects = redirs};

	free(o->body);
	run(p, &req, o);
}

START_TEST(post_and_get_round_trip)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	static const struct fetch_header h[] = {
		{"X-A", "one two"}, {"X-Empty", ""}, {"x-lower", "v\tw"}};
	unsigned char body[1024];
	struct fetch_request req = {.method = "POST",
				    .url = url("/echo"),
				    .headers = h,
				    .n_headers = 3,
				    .body = body,
				    .body_len = sizeof(body)};
	struct outcome o = {0};

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)(i * 7);
	run(p, &req, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(o.error, "");
	ck_assert_uint_eq(o.body_len, sizeof(body));
	ck_assert(memcmp(o.body, body, sizeof(body)) == 0);
	ck_assert_str_eq(header(&o, "X-Method"), "POST");
	ck_assert_str_eq(header(&o, "X-Got-X-A"), "[one two]");
	ck_assert_str_eq(header(&o, "X-Got-X-Empty"), "[]");
	ck_assert_str_eq(header(&o, "X-Got-x-lower"), "[v\tw]");
	free(o.body);

	req.method = "PUT";
	req.body_len = 3;
	run(p, &req, &o);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(header(&o, "X-Method"), "PUT");
	ck_assert_uint_eq(o.body_len, 3);
	ck_assert(memcmp(o.body, body, 3) == 0);

	get(p, url("/echo"), 0, &o);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(header(&o, "X-Method"), "GET");
	ck_assert_uint_eq(o.body_len, 0);
	get(p, url("/nothing-here"), 0, &o);
	ck_assert_int_eq(o.err, 0);
	ck_assert_int_eq(o.status, 404);
	ck_assert_str_eq(o.body, "no such route");
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(loopback_needs_explicit_entry)
{
	struct fetch_policy *p = allow("http://example.com/", NULL);
	struct outcome o = {0};
	char want[256];

	get(p, url("/echo"), 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	snprintf(want, sizeof(want),
		 "http://127.0.0.1:%u/echo is not on the allow-list", port);
	ck_assert_str_eq(o.error, want);
	ck_assert_int_eq(o.status, 0);
	get(NULL, url("/echo"), 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error, "outbound access is not enabled (the "
				  "allow-list is empty)");
	snprintf(want, sizeof(want), "http://[::1]:%u/echo", port);
	get(p, want, 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_uint_eq(fetch_server_connections(srv), 0);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(metadata_refused_without_connecting)
{
	static const char *const pin[] = {"metadata.test:80:169.254.169.254"};
	struct fetch_policy *p =
		allow("http://example.com/", "http://metadata.test/");
	struct fetch_config cfg;
	struct outcome o = {0};

	fetch_config_default(&cfg);
	cfg.resolve = pin;
	cfg.n_resolve = 1;
	make_client(&cfg);
	get(p, "http://169.254.169.254/latest/meta-data/", 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error, "http://169.254.169.254:80/latest/meta-data/ "
				  "is not on the allow-list");
	/* On the list by name, but the name resolves to the metadata
	 * address: refused before connect(), so no timeout either. */
	get(p, "http://metadata.test/latest/meta-data/", 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error,
			 "address 169.254.169.254 of host metadata.test is "
			 "link-local (cloud metadata); only an allow-list "
			 "entry naming it explicitly permits it");
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(name_resolving_to_loopback)
{
	char pin_text[64];
	const char *pin[] = {pin_text};
	struct fetch_policy *plain =
		allow("http://fake.test:PORT/", "http://localhost:PORT/");
	struct fetch_policy *priv =
		allow("private http://fake.test:PORT/", NULL);
	struct fetch_config cfg;
	struct outcome o = {0};
	char u[128], want[256];

	snprintf(pin_text, sizeof(pin_text), "fake.test:%u:127.0.0.1", port);
	fetch_config_default(&cfg);
	cfg.resolve = pin;
	cfg.n_resolve = 1;
	make_client(&cfg);
	snprintf(u, sizeof(u), "http://fake.test:%u/echo", port);
	get(plain, u, 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	snprintf(want, sizeof(want),
		 "address 127.0.0.1 of host fake.test is loopback; only an "
		 "allow-list entry naming it explicitly permits it");
	ck_assert_str_eq(o.error, want);
	snprintf(u, sizeof(u), "http://localhost:%u/echo", port);
	get(plain, u, 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_msg(strstr(o.error, "is loopback; only an allow-list entry"),
		      "%s", o.error);
	ck_assert_uint_eq(fetch_server_connections(srv), 0);

	snprintf(u, sizeof(u), "http://fake.test:%u/echo", port);
	get(priv, u, 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(fetch_server_connections(srv), 1);
	free(o.body);
	fetch_policy_destroy(plain);
	fetch_policy_destroy(priv);
}
END_TEST

static const char *redirect(const char *to, unsigned code)
{
	static char buf[512];
	char *esc = curl_easy_escape(NULL, to, 0);

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%u/redirect?code=%u&to=%s",
		 port, code, esc);
	curl_free(esc);
	return buf;
}

START_TEST(redirects_checked_at_every_hop)
{
	char pin_text[64], target[600], want[300];
	const char *pin[] = {pin_text};
	struct fetch_policy *p =
		allow("http://127.0.0.1:PORT/", "http://fake.test:PORT/");
	struct fetch_config cfg;
	struct outcome o = {0};

	snprintf(pin_text, sizeof(pin_text), "fake.test:%u:127.0.0.1", port);
	fetch_config_default(&cfg);
	cfg.resolve = pin;
	cfg.n_resolve = 1;
	make_client(&cfg);

	/* Off by default: the 3xx is the answer. */
	get(p, redirect("http://169.254.169.254/", 302), 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 302);
	ck_assert_str_eq(header(&o, "Location"), "http://169.254.169.254/");
	ck_assert_str_eq(o.body, "moved");

	get(p, redirect("http://169.254.169.254/", 302), 5, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error, "redirect to http://169.254.169.254/ "
				  "refused: http://169.254.169.254:80/ is not "
				  "on the allow-list");
	get(p, redirect("file:///etc/passwd", 301), 5, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error, "redirect to file:///etc/passwd refused: "
				  "scheme 'file' is not http or https");
	/* The message reaches the function's log: a redirect target's
	 * userinfo, query and fragment stay out of it. */
	get(p,
	    redirect("http://u:hunter1@169.254.169.254:8080/meta/x?token="
		     "hunter2#hunter3",
		     302),
	    5, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error,
			 "redirect to http://169.254.169.254:8080/meta/x "
			 "refused: credentials in the URL are not "
			 "accepted (send an Authorization header)");
	get(p, redirect("http://169.254.169.254/x?token=hunter2", 302), 5, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error, "redirect to http://169.254.169.254/x "
				  "refused: http://169.254.169.254:80/x is not "
				  "on the allow-list");
	/* On the list by name, resolving to loopback: the DNS answer does
	 * not escape the list either. */
	snprintf(target, sizeof(target), "http://fake.test:%u/echo", port);
	get(p, redirect(target, 307), 5, &o);
	ck_assert_int_eq(o.err, -EACCES);
	snprintf(want, sizeof(want),
		 "address 127.0.0.1 of host fake.test is loopback; only an "
		 "allow-list entry naming it explicitly permits it");
	ck_assert_str_eq(o.error, want);

	snprintf(target, sizeof(target), "/echo");
	get(p, redirect(target, 303), 5, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(o.redirects, 1);
	ck_assert_str_eq(header(&o, "X-Method"), "GET");

	/* 307 repeats the request, body included; a loop ends at the limit
	 * with its last 3xx as the answer. */
	{
		struct fetch_request req = {.method = "POST",
					    .url = redirect("/echo", 307),
					    .body = "payload",
					    .body_len = 7,
					    .max_redirects = 1};

		free(o.body);
		run(p, &req, &o);
		ck_assert_msg(o.err == 0, "%s", o.error);
		ck_assert_str_eq(header(&o, "X-Method"), "POST");
		ck_assert_str_eq(o.body, "payload");
		ck_assert_uint_eq(o.redirects, 1);
	}
	snprintf(target, sizeof(target), "%s", redirect("/echo", 302));
	get(p, redirect(target, 302), 1, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 302);
	ck_assert_uint_eq(o.redirects, 1);
	ck_assert_str_eq(header(&o, "Location"), "/echo");
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

/* Credentials go to the origin they were given for, not to another one a
 * redirect names. */
START_TEST(credentials_stay_with_their_origin)
{
	char pin_text[64], target[128];
	const char *pin[] = {pin_text};
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/",
				       "private http://fake.test:PORT/");
	static const struct fetch_header h[] = {
		{"Authorization", "Bearer secret"},
		{"Cookie", "session=1"},
		{"Authorization-Hint", "kept"},
		{"X-Trace", "t1"}};
	struct fetch_request req = {
		.headers = h, .n_headers = 4, .max_redirects = 2};
	struct fetch_config cfg;
	struct outcome o = {0};

	snprintf(pin_text, sizeof(pin_text), "fake.test:%u:127.0.0.1", port);
	fetch_config_default(&cfg);
	cfg.resolve = pin;
	cfg.n_resolve = 1;
	make_client(&cfg);
	req.url = redirect("/echo", 307);
	run(p, &req, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_uint_eq(o.redirects, 1);
	ck_assert_str_eq(header(&o, "X-Got-Authorization"), "[Bearer secret]");
	ck_assert_str_eq(header(&o, "X-Got-Cookie"), "[session=1]");
	free(o.body);

	snprintf(target, sizeof(target), "http://fake.test:%u/echo", port);
	req.url = redirect(target, 307);
	run(p, &req, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_uint_eq(o.redirects, 1);
	ck_assert_ptr_null(header(&o, "X-Got-Authorization"));
	ck_assert_ptr_null(header(&o, "X-Got-Cookie"));
	ck_assert_str_eq(header(&o, "X-Got-X-Trace"), "[t1]");
	ck_assert_str_eq(header(&o, "X-Got-Authorization-Hint"), "[kept]");
	free(o.body);

	req.url = url("/echo");
	req.method = "HEAD";
	req.body = "x";
	req.body_len = 1;
	run(p, &req, &o);
	ck_assert_int_eq(o.err, -EINVAL);
	ck_assert_str_eq(o.error, "a HEAD request has no body");
	free(o.body);
	req.body_len = 0;
	run(p, &req, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(header(&o, "X-Method"), "HEAD");
	ck_assert_uint_eq(o.body_len, 0);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(response_caps)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	struct fetch_config cfg;
	struct outcome o = {0};

	fetch_config_default(&cfg);
	cfg.max_response_bytes = 100000;
	cfg.max_response_headers = 50;
	make_client(&cfg);
	get(p, url("/big?n=100000"), 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_uint_eq(o.body_len, 100000);
	ck_assert_uint_eq(strspn(o.body, "x"), 100000);
	get(p, url("/big?n=100001"), 0, &o);
	ck_assert_int_eq(o.err, -EFBIG);
	ck_assert_str_eq(o.error, "response body exceeds 100000 bytes");
	get(p, url("/big?n=100001&chunked=1"), 0, &o);
	ck_assert_int_eq(o.err, -EFBIG);
	ck_assert_str_eq(o.error, "response body exceeds 100000 bytes");
	get(p, url("/big?n=5000000&chunked=1"), 0, &o);
	ck_assert_int_eq(o.err, -EFBIG);
	{
		struct fetch_request head = {.method = "HEAD",
					     .url = url("/big?n=200000")};

		free(o.body);
		run(p, &head, &o);
		ck_assert_msg(o.err == 0, "%s", o.error);
		ck_assert_str_eq(header(&o, "Content-Length"), "200000");
		ck_assert_uint_eq(o.body_len, 0);
	}
	get(p, url("/headers?n=40"), 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_str_eq(header(&o, "X-H-39"), "value");
	get(p, url("/headers?n=60"), 0, &o);
	ck_assert_int_eq(o.err, -EMSGSIZE);
	ck_assert_str_eq(o.error, "response headers exceed 50 headers or "
				  "65536 bytes");
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(bad_requests_refused_before_sending)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	static const struct {
		const char *method, *name, *value, *want;
	} rows[] = {
		{NULL, "X-A", "a\r\nX-Injected: 1",
		 "request header 'X-A': the value holds a control character "
		 "(CR, LF, NUL, ...)"},
		{NULL, "X-A", "a\nb",
		 "request header 'X-A': the value holds a control character "
		 "(CR, LF, NUL, ...)"},
		{NULL, "X A", "b",
		 "request header 1: the name is not an HTTP token"},
		{NULL, "X-A:", "b",
		 "request header 1: the name is not an HTTP token"},
		{NULL, "Host", "internal",
		 "request header 'Host' is set by the client and may not be "
		 "given"},
		{NULL, "transfer-encoding", "chunked",
		 "request header 'transfer-encoding' is set by the client and "
		 "may not be given"},
		{"GE T", "X-A", "b", "method 'GE T' is not accepted"},
		{"CONNECT", "X-A", "b", "method 'CONNECT' is not accepted"},
	};
	struct outcome o = {0};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fetch_header h = {rows[i].name, rows[i].value};
		struct fetch_request req = {.method = rows[i].method,
					    .url = url("/echo"),
					    .headers = &h,
					    .n_headers = 1};

		free(o.body);
		run(p, &req, &o);
		ck_assert_int_eq(o.err, -EINVAL);
		ck_assert_str_eq(o.error, rows[i].want);
	}
	ck_assert_uint_eq(fetch_server_connections(srv), 0);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(request_limits)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	static const struct fetch_header three[] = {
		{"X-A", "1"}, {"X-B", "2"}, {"X-C", "3"}};
	static const struct fetch_header long_value[] = {
		{"X-A", "0123456789abcdefghij"}};
	struct fetch_request req = {.method = "POST", .url = url("/echo")};
	struct fetch_config cfg;
	struct outcome o = {0};
	char long_url[200] = "";

	fetch_config_default(&cfg);
	cfg.max_request_headers = 2;
	cfg.max_request_header_bytes = 20;
	cfg.max_request_body_bytes = 10;
	cfg.max_url_bytes = 100;
	make_client(&cfg);
	req.headers = three;
	req.n_headers = 3;
	run(p, &req, &o);
	ck_assert_int_eq(o.err, -EINVAL);
	ck_assert_str_eq(o.error, "3 request headers; at most 2 are accepted");
	free(o.body);
	req.headers = long_value;
	req.n_headers = 1;
	run(p, &req, &o);
	ck_assert_int_eq(o.err, -EINVAL);
	ck_assert_str_eq(o.error, "request headers exceed 20 bytes");
	free(o.body);
	req.n_headers = 0;
	req.body = "0123456789!";
	req.body_len = 11;
	run(p, &req, &o);
	ck_assert_int_eq(o.err, -EINVAL);
	ck_assert_str_eq(o.error, "request body of 11 bytes exceeds 10");
	free(o.body);
	req.body_len = 10;
	run(p, &req, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_str_eq(o.body, "0123456789");
	free(o.body);
	snprintf(long_url, sizeof(long_url), "http://127.0.0.1:%u/echo?", port);
	memset(long_url + strlen(long_url), 'a', 120);
	long_url[sizeof(long_url) - 1] = '\0';
	req.url = long_url;
	req.body_len = 0;
	run(p, &req, &o);
	ck_assert_int_eq(o.err, -EINVAL);
	ck_assert_str_eq(o.error, "URL missing or longer than 100 bytes");
	ck_assert_uint_eq(fetch_server_requests(srv), 1);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(deadline_ends_a_stalled_fetch)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	struct fetch_request req = {.url = url("/stall"), .timeout_ms = 3000};
	struct outcome o = {0};

	run(p, &req, &o);
	ck_assert_int_eq(o.err, -ETIMEDOUT);
	ck_assert_msg(!strncmp(o.error,
			       "no complete response within the "
			       "timeout (",
			       41),
		      "%s", o.error);
	ck_assert_uint_eq(fetch_server_requests(srv), 1);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(cancel_fires_once)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	struct fetch_request req = {.url = url("/stall")};
	struct outcome o = {0}, o2 = {0};
	struct fetch_op *op;
	time_t cap = time(NULL) + 30;

	ck_assert_int_eq(fetch_start(f, &req, p, on_done, &o, &op), 0);
	while (fetch_server_requests(srv) < 1 && time(NULL) < cap)
		uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_uint_eq(fetch_server_requests(srv), 1);
	ck_assert_int_eq(fetch_cancel(op), 0);
	ck_assert_int_eq(fetch_cancel(op), -EALREADY);
	ck_assert_int_eq(o.calls, 0);
	while (!o.calls)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(o.err, -ECANCELED);
	ck_assert_str_eq(o.error, "the fetch was cancelled");
	ck_assert_uint_eq(fetch_inflight(f), 0);

	/* Cancelled before the loop ever ran it. */
	ck_assert_int_eq(fetch_start(f, &req, p, on_done, &o2, &op), 0);
	ck_assert_int_eq(fetch_cancel(op), 0);
	while (!o2.calls)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(o2.err, -ECANCELED);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o2.calls, 1);
	free(o.body);
	free(o2.body);
	fetch_policy_destroy(p);
}
END_TEST

START_TEST(destroy_cancels_and_limits_hold)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	struct fetch_request req = {.url = url("/stall")};
	struct fetch_config cfg;
	struct outcome o = {0}, o2 = {0};

	fetch_config_default(&cfg);
	cfg.max_inflight = 1;
	make_client(&cfg);
	ck_assert_int_eq(fetch_start(f, &req, p, on_done, &o, NULL), 0);
	ck_assert_int_eq(fetch_start(f, &req, p, on_done, &o2, NULL), -EAGAIN);
	uv_run(&loop, UV_RUN_NOWAIT);
	fetch_destroy(f);
	f = NULL;
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.err, -ECANCELED);
	ck_assert_str_eq(o.error, "the fetch client is shutting down");
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(o2.calls, 0);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

/* A connection opened under a policy that permits the address is not
 * reused under one that does not: the check runs again before sending. */
START_TEST(reused_connection_checked_again)
{
	char pin_text[64], u[128];
	const char *pin[] = {pin_text};
	struct fetch_policy *priv =
		allow("private http://fake.test:PORT/", NULL);
	struct fetch_policy *plain = allow("http://fake.test:PORT/", NULL);
	struct fetch_config cfg;
	struct outcome o = {0};

	snprintf(pin_text, sizeof(pin_text), "fake.test:%u:127.0.0.1", port);
	fetch_config_default(&cfg);
	cfg.resolve = pin;
	cfg.n_resolve = 1;
	make_client(&cfg);
	snprintf(u, sizeof(u), "http://fake.test:%u/echo", port);
	get(priv, u, 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	get(priv, u, 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_uint_eq(fetch_server_connections(srv), 1); /* reused */
	get(plain, u, 0, &o);
	ck_assert_int_eq(o.err, -EACCES);
	ck_assert_str_eq(o.error,
			 "address 127.0.0.1 of host fake.test is loopback; "
			 "only an allow-list entry naming it explicitly "
			 "permits it");
	ck_assert_uint_eq(fetch_server_requests(srv), 2);
	free(o.body);
	fetch_policy_destroy(priv);
	fetch_policy_destroy(plain);
}
END_TEST

/* A proxy would be the address checked instead of the destination. */
START_TEST(proxy_environment_ignored)
{
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	struct outcome o = {0};

	setenv("http_proxy", "http://127.0.0.1:9/", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9/", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9/", 1);
	setenv("all_proxy", "http://127.0.0.1:9/", 1);
	make_client(NULL);
	get(p, url("/echo"), 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(fetch_server_requests(srv), 1);
	free(o.body);
	fetch_policy_destroy(p);
}
END_TEST

static char *read_text(const char *name)
{
	const char *dir = getenv("GLINT_SRCDIR");
	char path[1024];
	static char buf[2][8192];
	static int which;
	char *out = buf[which++ % 2];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/fetch/tls/%s", dir ? dir : "..",
		 name);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	n = fread(out, 1, sizeof(buf[0]) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	return out;
}

/* HTTPS peers are verified: against the system CA store by default (which
 * does not trust the test's self-signed certificate), or config.ca_file. */
START_TEST(https_verifies_the_peer)
{
	const char *dir = getenv("GLINT_SRCDIR");
	char *cert = read_text("cert.pem"), *key = read_text("key.pem");
	struct fetch_server *tls = NULL;
	struct fetch_policy *p;
	struct fetch_config cfg;
	struct outcome o = {0};
	char entry[64], u[128], ca[1024];

	ck_assert_int_eq(fetch_server_start_tls(cert, key, &tls), 0);
	snprintf(entry, sizeof(entry), "https://127.0.0.1:%u/",
		 fetch_server_port(tls));
	p = allow(entry, NULL);
	snprintf(u, sizeof(u), "https://127.0.0.1:%u/echo",
		 fetch_server_port(tls));
	get(p, u, 0, &o);
	ck_assert_int_eq(o.err, -EPROTO);
	ck_assert_msg(!strncmp(o.error, "TLS with 127.0.0.1 failed: ", 27),
		      "%s", o.error);

	snprintf(ca, sizeof(ca), "%s/tests/fetch/tls/cert.pem",
		 dir ? dir : "..");
	fetch_config_default(&cfg);
	cfg.ca_file = ca;
	make_client(&cfg);
	get(p, u, 0, &o);
	ck_assert_msg(o.err == 0, "%s", o.error);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(header(&o, "X-Method"), "GET");
	free(o.body);
	fetch_policy_destroy(p);
	fetch_destroy(f);
	f = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	fetch_server_stop(tls);
}
END_TEST

struct many {
	int done, ok;
	char first_error[600];
};

static void on_many(struct fetch_op *op, int err, const struct fetch_result *r,
		    void *opaque)
{
	struct many *m = opaque;

	(void)op;
	m->done++;
	if (err == 0 && r->status == 200 && r->body_len == 2 &&
	    !memcmp(r->body, "ok", 2))
		m->ok++;
	else if (!m->first_error[0])
		snprintf(m->first_error, sizeof(m->first_error), "%d %d %s",
			 err, r->status, r->error);
}

/* The server answers none until all 1,000 wait at once: only concurrent
 * transfers on this one thread can complete, whatever the host's speed. */
START_TEST(thousand_concurrent_on_one_loop)
{
	enum { N = 1000 };
	struct fetch_policy *p = allow("http://127.0.0.1:PORT/", NULL);
	char u[128];
	struct fetch_request req = {.url = u, .timeout_ms = 240000};
	struct many m = {0};
	struct rlimit rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_msg(rl.rlim_cur >= 2 * N + 100,
		      "needs %d file descriptors; RLIMIT_NOFILE is %llu (raise "
		      "the hard limit)",
		      2 * N + 100, (unsigned long long)rl.rlim_cur);
	snprintf(u, sizeof(u), "http://127.0.0.1:%u/barrier?n=%d", port, N);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(fetch_start(f, &req, p, on_many, &m, NULL), 0);
	ck_assert_uint_eq(fetch_inflight(f), N);
	while (m.done < N)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_msg(m.ok == N, "%d of %d ok; first failure: %s", m.ok, N,
		      m.first_error);
	ck_assert_uint_eq(fetch_server_requests(srv), N);
	fetch_policy_destroy(p);
}
END_TEST

/* 1,000 transfers hold 2,000 sockets here (both ends): more than the
 * usual soft limit of 1,024 descriptors. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("fetch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, post_and_get_round_trip);
	tcase_add_test(tc, loopback_needs_explicit_entry);
	tcase_add_test(tc, metadata_refused_without_connecting);
	tcase_add_test(tc, name_resolving_to_loopback);
	tcase_add_test(tc, redirects_checked_at_every_hop);
	tcase_add_test(tc, credentials_stay_with_their_origin);
	tcase_add_test(tc, response_caps);
	tcase_add_test(tc, bad_requests_refused_before_sending);
	tcase_add_test(tc, reused_connection_checked_again);
	tcase_add_test(tc, proxy_environment_ignored);
	tcase_add_test(tc, request_limits);
	tcase_add_test(tc, https_verifies_the_peer);
	tcase_add_test(tc, deadline_ends_a_stalled_fetch);
	tcase_add_test(tc, cancel_fires_once);
	tcase_add_test(tc, destroy_cancels_and_limits_hold);
	tcase_add_test(tc, thousand_concurrent_on_one_loop);
	suite_add_tcase(s, tc);
	raise_fd_limit();
	return check_run(s);
}
