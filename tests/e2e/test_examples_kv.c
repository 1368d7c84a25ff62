/* test_examples_kv.c: the counter, shorten and transform examples in a real
 * glintd, with exact answers, checked also through the operators' KV
 * routes; transform reaches an order API this test serves on 127.0.0.1. */
#include "config.h"

#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

static struct glintd_proc daemon_proc;

static void start_daemon(void)
{
	int rc = harness_start(&daemon_proc, NULL);

	if (rc < 0)
		harness_dump_log(&daemon_proc);
	ck_assert_msg(rc == 0, "glintd did not start: %d", rc);
}

static void stop_daemon(void)
{
	harness_cleanup(&daemon_proc);
}

static void req(const char *method, const char *path, const char *body,
		struct http_resp *r)
{
	int rc = harness_request(&daemon_proc, method, path, body,
				 body ? strlen(body) : 0, r);

	if (rc != 0)
		harness_dump_log(&daemon_proc);
	ck_assert_msg(rc == 0, "%s %s: no answer (%d)", method, path, rc);
}

/* A request whose answer must be exactly status and body. */
static void expect(const char *method, const char *path, const char *body,
		   long status, const char *want)
{
	struct http_resp r;

	req(method, path, body, &r);
	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method,
		      path, r.status, status, r.body);
	if (want)
		ck_assert_str_eq(r.body, want);
	http_resp_free(&r);
}

static void expect_header(const struct http_resp *r, const char *name,
			  const char *want)
{
	char *v = http_resp_header(r, name);

	ck_assert_msg(v != NULL, "no %s header", name);
	ck_assert_str_eq(v, want);
	free(v);
}

static void deploy(const char *name, const char *elf, const char *query)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(&daemon_proc, name, harness_built(elf),
					query, &r),
			 0);
	if (r.status != 201)
		harness_dump_log(&daemon_proc);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void set_env(const char *name, const char *json)
{
	char path[128];

	snprintf(path, sizeof(path), "/functions/%s/env", name);
	expect("PUT", path, json, 200, NULL);
}

/* ---- counter ---- */

START_TEST(counter_counts_and_limits)
{
	char want[160], window[32];
	struct http_resp r;
	json_t *j;
	long retry;

	deploy("counter", "guest/examples/counter.elf", "");
	/* A window of about three years: the test cannot straddle two. */
	set_env("counter",
		"{\"COUNTER_LIMIT\":\"3\",\"COUNTER_WINDOW_S\":\"100000000\"}");
	for (int i = 1; i <= 3; i++) {
		snprintf(want, sizeof(want),
			 "{\"key\":\"alice\",\"count\":%d,\"limit\":3,"
			 "\"remaining\":%d,\"window_s\":100000000}",
			 i, 3 - i);
		req("GET", "/invoke/counter?key=alice", NULL, &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		ck_assert_str_eq(r.body, want);
		snprintf(want, sizeof(want), "%d", 3 - i);
		expect_header(&r, "X-RateLimit-Remaining", want);
		http_resp_free(&r);
	}
	req("GET", "/invoke/counter?key=alice", NULL, &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_str_eq(r.body, "{\"error\":\"rate limit exceeded\"}");
	expect_header(&r, "X-RateLimit-Remaining", "0");
	{
		char *ra = http_resp_header(&r, "Retry-After");

		ck_assert_ptr_nonnull(ra);
		retry = strtol(ra, NULL, 10);
		ck_assert_msg(retry >= 1 && retry <= 100000000, "%s", ra);
		free(ra);
	}
	http_resp_free(&r);
	/* Keys are counted apart. */
	expect("GET", "/invoke/counter?key=bob", NULL, 200,
	       "{\"key\":\"bob\",\"count\":1,\"limit\":3,\"remaining\":2,"
	       "\"window_s\":100000000}");
	expect("GET", "/invoke/counter?key=a%20b", NULL, 400, NULL);
	expect("GET", "/invoke/counter", NULL, 400, NULL);
	/* The operator sees the window's key and its count. */
	req("GET", "/functions/counter/kv?prefix=rl%3Aalice%3A", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "keys")), 1);
	snprintf(window, sizeof(window), "%s",
		 json_string_value(
			 json_array_get(json_object_get(j, "keys"), 0)));
	json_decref(j);
	http_resp_free(&r);
	ck_assert_msg(strncmp(window, "rl:alice:", 9) == 0, "%s", window);
	snprintf(want, sizeof(want), "/functions/counter/kv/%s", window);
	expect("GET", want, NULL, 200, "4");
}
END_TEST

/* ---- shorten ---- */

START_TEST(shorten_stores_and_redirects)
{
	static const char url[] = "https://example.org/a/long/path?q=1&r=2";
	char want[256], path[64], loc[64], key[80];
	const char *code;
	struct http_resp r;
	json_t *j;

	deploy("shorten", "guest/examples/shorten.elf", "");
	req("POST", "/invoke/shorten", url, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	code = json_string_value(json_object_get(j, "code"));
	ck_assert_ptr_nonnull(code);
	ck_assert_uint_eq(strlen(code), 7);
	ck_assert_uint_eq(strspn(code, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz"),
			  7);
	snprintf(want, sizeof(want),
		 "{\"code\":\"%s\",\"url\":\"https://example.org/a/long/"
		 "path?q=1&r=2\"}",
		 code);
	ck_assert_str_eq(r.body, want);
	snprintf(loc, sizeof(loc), "/invoke/shorten/%s", code);
	expect_header(&r, "Location", loc);
	snprintf(path, sizeof(path), "%s", loc);
	snprintf(key, sizeof(key), "/functions/shorten/kv/c:%s", code);
	json_decref(j);
	http_resp_free(&r);

	req("GET", path, NULL, &r);
	ck_assert_msg(r.status == 302, "%ld %s", r.status, r.body);
	expect_header(&r, "Location", url);
	http_resp_free(&r);
	expect("GET", key, NULL, 200, url); /* what the operator sees */
	/* A second URL gets a code of its own. */
	req("POST", "/invoke/shorten", "http://example.com/\n", &r);
	ck_assert_int_eq(r.status, 201);
	ck_assert_ptr_null(strstr(r.body, path + 16));
	http_resp_free(&r);

	expect("GET", "/invoke/shorten/AAAAAAA", NULL, 404,
	       "{\"error\":\"no such code\"}");
	expect("GET", "/invoke/shorten/..%2F..", NULL, 404,
	       "{\"error\":\"no such code\"}");
	expect("POST", "/invoke/shorten", "javascript:alert(1)", 400, NULL);
	expect("POST", "/invoke/shorten", "http://a/\r\nSet-Cookie: x=1", 400,
	       NULL);
	expect("POST", "/invoke/shorten", "", 400, NULL);
	expect("PUT", "/invoke/shorten", url, 405, NULL);
}
END_TEST

/* ---- transform: an order API on 127.0.0.1 ---- */

static enum MHD_Result on_order(void *cls, struct MHD_Connection *c,
				const char *url, const char *method,
				const char *version, const char *data,
				size_t *data_len, void **state)
{
	const char *id =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
	const char *body = "{\"error\":\"no such order\"}";
	unsigned status = 404;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls, (void)version, (void)data, (void)data_len, (void)state;
	if (strcmp(method, "GET") == 0 && strcmp(url, "/orders") == 0 && id) {
		if (strcmp(id, "A17") == 0) {
			status = 200;
			body = "{\"id\":\"A17\",\"items\":[{\"sku\":\"pen\","
			       "\"price_cents\":250,\"qty\":4},{\"sku\":"
			       "\"ink\","
			       "\"price_cents\":199,\"qty\":1}],\"note\":"
			       "\"ignored\"}";
		} else if (strcmp(id, "odd") == 0) {
			status = 200;
			body = "[1,2,3]";
		} else if (strcmp(id, "err") == 0) {
			status = 500;
			body = "{}";
		}
	}
	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static struct MHD_Daemon *start_orders(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_order, NULL,
		MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	const union MHD_DaemonInfo *info =
		d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;

	ck_assert_ptr_nonnull(info);
	*port = info->port;
	return d;
}

START_TEST(transform_fetches_and_reshapes)
{
	char query[160], env[160];
	struct MHD_Daemon *api;
	unsigned port;

	api = start_orders(&port);
	snprintf(query, sizeof(query),
		 "allow_fetch=http%%3A%%2F%%2F127.0.0.1%%3A%u%%2F", port);
	snprintf(env, sizeof(env),
		 "{\"TRANSFORM_API_URL\":\"http://127.0.0.1:%u/orders\"}",
		 port);
	deploy("transform", "guest/examples/transform.elf", query);
	set_env("transform", env);
	expect("GET", "/invoke/transform?id=A17", NULL, 200,
	       "{\"id\":\"A17\",\"lines\":2,\"skus\":[\"pen\",\"ink\"],"
	       "\"units\":5,\"total_cents\":1199}");
	expect("GET", "/invoke/transform?id=B2", NULL, 404,
	       "{\"error\":\"no order B2\"}");
	expect("GET", "/invoke/transform?id=odd", NULL, 502,
	       "{\"error\":\"the API's answer is not an order\"}");
	expect("GET", "/invoke/transform?id=err", NULL, 502,
	       "{\"error\":\"the API answered 500\"}");
	expect("GET", "/invoke/transform?id=a/b", NULL, 400, NULL);

	/* Without the allow-list the same function reaches nothing. */
	deploy("transform-denied", "guest/examples/transform.elf", "");
	set_env("transform-denied", env);
	expect("GET", "/invoke/transform-denied?id=A17", NULL, 502,
	       "{\"error\":\"the API could not be reached (error -5)\"}");
	MHD_stop_daemon(api);
}
END_TEST

static Suite *examples_suite(void)
{
	Suite *s = suite_create("examples-kv");
	TCase *t = tcase_create("examples");

	tcase_add_unchecked_fixture(t, start_daemon, stop_daemon);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, counter_counts_and_limits);
	tcase_add_test(t, shorten_stores_and_redirects);
	tcase_add_test(t, transform_fetches_and_reshapes);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(examples_suite());
}
