/* test_http.c: glintd end to end over real HTTP: routes, errors, headers, metrics, concurrency, restart. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

static struct glintd_proc daemon_g;

static void daemon_up(void)
{
	int rc = harness_start(&daemon_g, NULL);

	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

static const char *echo_elf(void)
{
	return harness_built("guest/examples/echo.elf");
}

/* The error body: {"error":{"code":code,"message":...,"request_id":id}}. */
static void assert_error(const struct http_resp *r, long status,
			 const char *code)
{
	json_error_t je;
	json_t *j = json_loads(r->body, 0, &je);
	const char *c = NULL, *m = NULL, *id = NULL;
	char *hid = http_resp_header(r, "X-Request-Id");

	ck_assert_msg(r->status == status, "status %ld, want %ld; body %s",
		      r->status, status, r->body);
	ck_assert_msg(j != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s,s:s}}", "error", "code",
				     &c, "message", &m, "request_id", &id),
			 0);
	ck_assert_str_eq(c, code);
	ck_assert_msg(strlen(m) > 0, "empty error message");
	ck_assert_str_eq(id, hid);
	free(hid);
	json_decref(j);
}

static void req(const char *method, const char *path, const void *body,
		size_t len, struct http_resp *r)
{
	ck_assert_int_eq(harness_request(&daemon_g, method, path, body, len, r),
			 0);
}

static void deploy_ok(const char *name, const char *image, const char *query)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(&daemon_g, name, image, query, &r), 0);
	if (r.status != 201)
		harness_dump_log(&daemon_g);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

START_TEST(healthz_and_readyz)
{
	struct http_resp r;
	char *ct;

	req("GET", "/healthz", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	http_resp_free(&r);
	req("GET", "/readyz", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
}
END_TEST

START_TEST(deploy_describes_function)
{
	struct http_resp r;
	json_t *j, *fns;
	const char *name = NULL;

	ck_assert_int_eq(harness_deploy(&daemon_g, "desc", echo_elf(),
					"memory_mb=8&timeout_ms=2000", &r),
			 0);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:s}", "name", &name), 0);
	ck_assert_str_eq(name, "desc");
	json_decref(j);
	http_resp_free(&r);

	req("GET", "/functions/desc", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_unpack(j, "{s:s}", "name", &name), 0);
	ck_assert_str_eq(name, "desc");
	json_decref(j);
	http_resp_free(&r);

	req("GET", "/functions", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	fns = json_object_get(j, "functions");
	ck_assert(json_is_array(fns));
	ck_assert_int_ge(json_array_size(fns), 1);
	json_decref(j);
	http_resp_free(&r);
}
END_TEST

START_TEST(invoke_echo_exact_bytes)
{
	unsigned char in[3000];
	struct http_resp r;
	char *ct;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3); /* includes NUL bytes */
	deploy_ok("echo", echo_elf(), "");
	req("POST", "/invoke/echo", in, sizeof(in), &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_uint_eq(r.len, sizeof(in));
	ck_assert(memcmp(r.body, in, sizeof(in)) == 0);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/octet-stream");
	free(ct);
	http_resp_free(&r);
	/* An empty body is a valid input too. */
	req("POST", "/invoke/echo", "", 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 0);
	http_resp_free(&r);
}
END_TEST

START_TEST(bad_function_names)
{
	static const char *const paths[] = {
		"/invoke/Echo",
		"/invoke/..%2Fecho",
		"/invoke/..%2F..%2Fetc%2Fpasswd",
		"/invoke/../echo",
		"/invoke/echo%00x",
		"/invoke/echo.elf",
		"/invoke/",
		"/invoke/a%20b",
		"/invoke/"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aa",
	};
	struct http_resp r;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req("POST", paths[i], "x", 1, &r);
		assert_error(&r, 400, "invalid_function_name");
		http_resp_free(&r);
	}
	req("PUT", "/functions/..%2Fescape", "x", 1, &r);
	assert_error(&r, 400, "invalid_function_name");
	http_resp_free(&r);
	req("DELETE", "/functions/UPPER", NULL, 0, &r);
	assert_error(&r, 400, "invalid_function_name");
	http_resp_free(&r);
}
END_TEST

START_TEST(unknown_function_and_route)
{
	struct http_resp r;

	req("POST", "/invoke/nosuchfn", "x", 1, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
	req("GET", "/functions/nosuchfn", NULL, 0, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
	req("GET", "/nope", NULL, 0, &r);
	assert_error(&r, 404, "not_found");
	http_resp_free(&r);
	req("GET", "/invoke", NULL, 0, &r);
	assert_error(&r, 404, "not_found");
	http_resp_free(&r);
}
END_TEST

static void assert_405(const char *method, const char *path, const char *allow)
{
	struct http_resp r;
	char *a;

	req(method, path, NULL, 0, &r);
	assert_error(&r, 405, "method_not_allowed");
	a = http_resp_header(&r, "Allow");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, allow);
	free(a);
	http_resp_free(&r);
}

START_TEST(wrong_method_405_with_allow)
{
	assert_405("TRACE", "/invoke/echo",
		   "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	assert_405("POST", "/healthz", "GET");
	assert_405("DELETE", "/metrics", "GET");
	assert_405("POST", "/functions", "GET");
	assert_405("PATCH", "/functions/echo", "GET, PUT, DELETE");
}
END_TEST

START_TEST(body_too_large_413)
{
	size_t big = (6u << 20) + 1, huge = (64u << 20) + 1;
	char *buf = calloc(1, huge);
	struct http_resp r;

	ck_assert_ptr_nonnull(buf);
	req("POST", "/invoke/echo", buf, big, &r);
	assert_error(&r, 413, "payload_too_large");
	http_resp_free(&r);
	req("PUT", "/functions/toobig", buf, huge, &r);
	assert_error(&r, 413, "payload_too_large");
	http_resp_free(&r);
	free(buf);
	/* The function named in the rejected deploy does not exist. */
	req("GET", "/functions/toobig", NULL, 0, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
}
END_TEST

/* Without Content-Length the limit is enforced while the body streams. */
static size_t read_zeros(char *buf, size_t size, size_t n, void *opaque)
{
	size_t *left = opaque, k = size * n < *left ? size * n : *left;

	memset(buf, 'z', k);
	*left -= k;
	return k;
}

START_TEST(chunked_body_too_large_413)
{
	size_t left = (6u << 20) + 4096;
	struct curl_slist *h = NULL;
	struct http_resp r = {0};
	CURL *c = curl_easy_init();
	char url[128], *body = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&body, &blen);

	snprintf(url, sizeof(url), "%s/invoke/echo", daemon_g.base_url);
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_zeros);
	curl_easy_setopt(c, CURLOPT_READDATA, &left);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
	curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	fclose(mem);
	r.body = body;
	r.len = blen;
	r.headers = strdup("");
	ck_assert_int_eq(r.status, 413);
	ck_assert_ptr_nonnull(strstr(body, "\"payload_too_large\""));
	http_resp_free(&r);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}
END_TEST

START_TEST(bad_settings_400_name_parameter)
{
	struct http_resp r;

	ck_assert_int_eq(
		harness_deploy(&daemon_g, "badset", echo_elf(), "bogus=1", &r),
		0);
	assert_error(&r, 400, "invalid_setting");
	ck_assert_ptr_nonnull(strstr(r.body, "bogus"));
	http_resp_free(&r);
	ck_assert_int_eq(harness_deploy(&daemon_g, "badset", echo_elf(),
					"memory_mb=lots", &r),
			 0);
	assert_error(&r, 400, "invalid_setting");
	ck_assert_ptr_nonnull(strstr(r.body, "memory_mb"));
	http_resp_free(&r);
	/* Each value valid, the combination not: same code for the client. */
	ck_assert_int_eq(harness_deploy(&daemon_g, "badset", echo_elf(),
					"min_warm=9&max_concurrency=2", &r),
			 0);
	assert_error(&r, 400, "invalid_setting");
	ck_assert_ptr_nonnull(strstr(r.body, "min_warm"));
	http_resp_free(&r);
}
END_TEST

START_TEST(delete_then_404)
{
	struct http_resp r;

	deploy_ok("gone", echo_elf(), "");
	req("POST", "/invoke/gone", "hi", 2, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	req("DELETE", "/functions/gone", NULL, 0, &r);
	ck_assert_int_eq(r.status, 204);
	ck_assert_uint_eq(r.len, 0);
	http_resp_free(&r);
	req("DELETE", "/functions/gone", NULL, 0, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
	req("POST", "/invoke/gone", "hi", 2, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
}
END_TEST

/* Value of the sample line `series value`, or -1 when absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; (p = strstr(p, series)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static char *get_metrics(void)
{
	struct http_resp r;
	char *ct;

	req("GET", "/metrics", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "text/plain; version=0.0.4"));
	free(ct);
	free(r.headers);
	return r.body;
}

START_TEST(metrics_count_and_promtool)
{
	const char *ok = "glint_invocations_total{function=\"mets\","
			 "outcome=\"ok\",version=\"1\"}";
	const char *h200 = "glint_http_requests_total{route=\"invoke\","
			   "code=\"200\"}";
	const char *h404 = "glint_http_requests_total{route=\"invoke\","
			   "code=\"404\"}";
	const char *promtool = getenv("PROMTOOL");
	double ok0, ok1, c200_0, c200_1, c404_0, c404_1;
	struct http_resp r;
	char *m, cmd[300];
	FILE *p;
	int st;

	deploy_ok("mets", echo_elf(), "");
	m = get_metrics();
	ok0 = sample(m, ok);
	c200_0 = sample(m, h200);
	c404_0 = sample(m, h404);
	free(m);
	for (int i = 0; i < 5; i++) {
		req("POST", "/invoke/mets", "x", 1, &r);
		ck_assert_int_eq(r.status, 200);
		http_resp_free(&r);
	}
	req("POST", "/invoke/nosuch", "x", 1, &r);
	http_resp_free(&r);
	m = get_metrics();
	ok1 = sample(m, ok);
	c200_1 = sample(m, h200);
	c404_1 = sample(m, h404);
	ck_assert_double_eq(ok1 - (ok0 < 0 ? 0 : ok0), 5);
	ck_assert_double_eq(c200_1 - (c200_0 < 0 ? 0 : c200_0), 5);
	ck_assert_double_eq(c404_1 - (c404_0 < 0 ? 0 : c404_0), 1);
	ck_assert(sample(m, "glint_invocation_duration_seconds_count"
			    "{function=\"mets\"}") >= 5);
	ck_assert(sample(m, "process_open_fds") > 0);
	snprintf(cmd, sizeof(cmd), "'%s' check metrics",
		 promtool && *promtool ? promtool : "promtool");
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fputs(m, p);
	st = pclose(p);
	ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127),
		      "promtool not found (Debian package prometheus)");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "promtool check metrics rejected /metrics");
	free(m);
}
END_TEST

/* ---- 256 concurrent invocations with a pool of 4 ---- */

struct call {
	char in[32];
	char *out;
	size_t out_len;
	long status;
};

static size_t call_collect(char *d, size_t size, size_t n, void *opaque)
{
	struct call *c = opaque;
	char *p = realloc(c->out, c->out_len + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + c->out_len, d, size * n);
	c->out = p;
	c->out_len += size * n;
	return size * n;
}

static CURL *call_handle(struct call *c, int i)
{
	CURL *h = curl_easy_init();
	char url[128];

	snprintf(c->in, sizeof(c->in), "request-%d", i);
	snprintf(url, sizeof(url), "%s/invoke/par", daemon_g.base_url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->in);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, call_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	return h;
}

START_TEST(concurrent_256_pool_of_4)
{
	enum { N = 256 };
	static struct call calls[N];
	CURLM *m = curl_multi_init();
	CURLMsg *msg;
	int running = 1, left, ok = 0;

	deploy_ok("par", echo_elf(),
		  "max_concurrency=4&min_warm=4&queue_max=512&"
		  "queue_timeout_ms=30000");
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 256L);
	for (int i = 0; i < N; i++)
		curl_multi_add_handle(m, call_handle(&calls[i], i));
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	while ((msg = curl_multi_info_read(m, &left))) {
		struct call *c;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&c);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
				  &c->status);
		curl_multi_remove_handle(m, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
	}
	curl_multi_cleanup(m);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(calls[i].status == 200,
			      "call %d: status %ld %.*s", i, calls[i].status,
			      (int)calls[i].out_len,
			      calls[i].out ? calls[i].out : "");
		ck_assert_uint_eq(calls[i].out_len, strlen(calls[i].in));
		ck_assert(memcmp(calls[i].out, calls[i].in, calls[i].out_len) ==
			  0);
		ok++;
		free(calls[i].out);
	}
	ck_assert_int_eq(ok, N);
}
END_TEST

/* ---- restart: state persists, SIGTERM exits 0 ---- */

START_TEST(restart_keeps_functions)
{
	struct glintd_proc g;
	struct http_resp r;
	int st, rc;

	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	ck_assert_int_eq(harness_deploy(&g, "keep", echo_elf(), "", &r), 0);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	st = harness_stop(&g, 60000);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "glintd did not exit 0 on SIGTERM (status %d)", st);
	rc = harness_restart(&g, NULL);
	ck_assert_msg(rc == 0, "restart: %s", strerror(-rc));
	ck_assert_int_eq(
		harness_request(&g, "POST", "/invoke/keep", "again", 5, &r), 0);
	if (r.status != 200)
		harness_dump_log(&g);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "again");
	http_resp_free(&r);
	harness_cleanup(&g);
}
END_TEST

START_TEST(repeated_sigterm_still_exits_0)
{
	struct glintd_proc g;
	int rc, st = 0;
	pid_t got = 0;

	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	/* An impatient supervisor: stop requests until the process is gone,
	 * landing in every phase of the shutdown, its last teardown too. */
	/* At least a minute (300000 times 200 us): a cap, not a speed. */
	for (int i = 0; i < 300000 && got != g.pid; i++) {
		kill(g.pid, SIGTERM);
		usleep(200);
		got = waitpid(g.pid, &st, WNOHANG);
	}
	ck_assert_int_eq(got, g.pid);
	g.pid = 0;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "glintd ended with status 0x%x (signal %d)", st,
		      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	harness_cleanup(&g);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	char cmd[1200];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' --bogus 2>/dev/null",
		 harness_built("glintd"));
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	snprintf(cmd, sizeof(cmd), "'%s' --listen nonsense 2>/dev/null",
		 harness_built("glintd"));
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	snprintf(cmd, sizeof(cmd), "'%s' --help | grep -q -- --state-dir",
		 harness_built("glintd"));
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

static TCase *api_tcase(void)
{
	TCase *tc = tcase_create("api");

	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, healthz_and_readyz);
	tcase_add_test(tc, deploy_describes_function);
	tcase_add_test(tc, invoke_echo_exact_bytes);
	tcase_add_test(tc, bad_function_names);
	tcase_add_test(tc, unknown_function_and_route);
	tcase_add_test(tc, wrong_method_405_with_allow);
	tcase_add_test(tc, body_too_large_413);
	tcase_add_test(tc, chunked_body_too_large_413);
	tcase_add_test(tc, bad_settings_400_name_parameter);
	tcase_add_test(tc, delete_then_404);
	tcase_add_test(tc, metrics_count_and_promtool);
	tcase_add_test(tc, concurrent_256_pool_of_4);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("e2e-http");
	TCase *life = tcase_create("lifecycle");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	suite_add_tcase(s, api_tcase());
	tcase_set_timeout(life, 120);
	tcase_add_test(life, restart_keeps_functions);
	tcase_add_test(life, usage_errors_exit_2);
	tcase_add_test(life, repeated_sigterm_still_exits_0);
	suite_add_tcase(s, life);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
