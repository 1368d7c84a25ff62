/* test_kvapi.c: glintd end to end: the operators' key-value routes
 * (/functions/<fn>/kv...), DELETE ?purge=1, and a store that went away. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"
#include "../redis_server.h"

/* One daemon (embedded store) for the suite; every test uses its own
 * function names. */
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

static void req(const struct glintd_proc *g, const char *method,
		const char *path, const void *body, size_t len,
		struct http_resp *r)
{
	int rc = harness_request(g, method, path, body, len, r);

	if (rc != 0)
		harness_dump_log(g);
	ck_assert_msg(rc == 0, "%s %s: no answer (%d)", method, path, rc);
}

static void assert_error(const struct http_resp *r, long status,
			 const char *code)
{
	json_t *j = json_loads(r->body, 0, NULL);
	const char *c = NULL;

	ck_assert_msg(r->status == status, "status %ld, want %ld; body %s",
		      r->status, status, r->body);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s}}", "error", "code", &c), 0);
	ck_assert_str_eq(c, code);
	json_decref(j);
}

/* A request that must end with status want (and nothing else). */
static void expect(const struct glintd_proc *g, const char *method,
		   const char *path, const void *body, size_t len, long want)
{
	struct http_resp r;

	req(g, method, path, body, len, &r);
	if (r.status != want)
		harness_dump_log(g);
	ck_assert_msg(r.status == want, "%s %s: %ld, want %ld: %s", method,
		      path, r.status, want, r.body);
	http_resp_free(&r);
}

static void expect_error(const struct glintd_proc *g, const char *method,
			 const char *path, const void *body, size_t len,
			 long status, const char *code)
{
	struct http_resp r;

	req(g, method, path, body, len, &r);
	assert_error(&r, status, code);
	http_resp_free(&r);
}

START_TEST(set_get_delete_any_bytes)
{
	/* Key "a/b c\0%\xff?" and a value with NUL, CR, LF and 0xff. */
	static const char path[] = "/functions/kv-bytes/kv/a/b%20c%00%25%FF%3F";
	static const char value[] = "v\0\r\n\xff end";
	struct http_resp r;
	char *ct;

	expect(&daemon_proc, "PUT", path, value, sizeof(value), 204);
	req(&daemon_proc, "GET", path, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/octet-stream");
	free(ct);
	ck_assert_uint_eq(r.len, sizeof(value));
	ck_assert(memcmp(r.body, value, sizeof(value)) == 0);
	http_resp_free(&r);
	/* Another spelling of a different key is another key. */
	expect_error(&daemon_proc, "GET", "/functions/kv-bytes/kv/a/b%20c",
		     NULL, 0, 404, "key_not_found");
	/* Keys are the function's own. */
	expect_error(&daemon_proc, "GET",
		     "/functions/kv-other/kv/a/b%20c%00%25%FF%3F", NULL, 0, 404,
		     "key_not_found");
	/* Overwritten, then an empty value. */
	expect(&daemon_proc, "PUT", path, "", 0, 204);
	req(&daemon_proc, "GET", path, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 0);
	http_resp_free(&r);
	expect(&daemon_proc, "DELETE", path, NULL, 0, 204);
	expect_error(&daemon_proc, "GET", path, NULL, 0, 404, "key_not_found");
	expect_error(&daemon_proc, "DELETE", path, NULL, 0, 404,
		     "key_not_found");
}
END_TEST

START_TEST(bad_requests_have_precise_errors)
{
	size_t max_key = 512, max_value = 1024 * 1024;
	char *path = malloc(64 + 3 * max_key), *big = calloc(1, max_value + 1);
	size_t n;

	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(big);
	/* A key of the largest size works; one byte more does not. */
	n = (size_t)sprintf(path, "/functions/kv-bad/kv/");
	memset(path + n, 'k', max_key);
	path[n + max_key] = '\0';
	expect(&daemon_proc, "PUT", path, "x", 1, 204);
	expect(&daemon_proc, "GET", path, NULL, 0, 200);
	strcat(path, "k");
	expect_error(&daemon_proc, "PUT", path, "x", 1, 414, "key_too_long");
	expect_error(&daemon_proc, "GET", path, NULL, 0, 414, "key_too_long");
	/* Values: the limit exactly, then one byte over. */
	expect(&daemon_proc, "PUT", "/functions/kv-bad/kv/big", big, max_value,
	       204);
	expect_error(&daemon_proc, "PUT", "/functions/kv-bad/kv/big", big,
		     max_value + 1, 413, "value_too_large");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv/", NULL, 0, 400,
		     "invalid_key");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv/a%2", NULL, 0,
		     400, "invalid_key");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv/a%zz", NULL, 0,
		     400, "invalid_key");
	expect_error(&daemon_proc, "PUT", "/functions/kv-bad/kv/t?ttl_ms=0",
		     "x", 1, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "PUT", "/functions/kv-bad/kv/t?ttl_ms=-5",
		     "x", 1, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "PUT", "/functions/kv-bad/kv/t?ttl=5", "x",
		     1, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv/t?x=1", NULL, 0,
		     400, "invalid_kv_query");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv?limit=0", NULL,
		     0, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv?limit=1001",
		     NULL, 0, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "GET", "/functions/kv-bad/kv?prefix=%g0",
		     NULL, 0, 400, "invalid_kv_query");
	expect_error(&daemon_proc, "GET", "/functions/Bad!/kv/x", NULL, 0, 400,
		     "invalid_function_name");
	expect_error(&daemon_proc, "POST", "/functions/kv-bad/kv/x", "", 0, 405,
		     "method_not_allowed");
	expect_error(&daemon_proc, "PUT", "/functions/kv-bad/kv", "", 0, 405,
		     "method_not_allowed");
	/* And the daemon still serves. */
	expect(&daemon_proc, "GET", "/functions/kv-bad/kv/big", NULL, 0, 200);
	free(path);
	free(big);
}
END_TEST

START_TEST(ttl_expires)
{
	struct http_resp r;
	int gone = 0;

	expect(&daemon_proc, "PUT", "/functions/kv-ttl/kv/long?ttl_ms=3600000",
	       "1", 1, 204);
	expect(&daemon_proc, "GET", "/functions/kv-ttl/kv/long", NULL, 0, 200);
	expect(&daemon_proc, "PUT", "/functions/kv-ttl/kv/short?ttl_ms=1", "1",
	       1, 204);
	/* Poll for the expiry with a generous cap, on a host of any speed. */
	for (int i = 0; i < 3000 && !gone; i++) {
		req(&daemon_proc, "GET", "/functions/kv-ttl/kv/short", NULL, 0,
		    &r);
		ck_assert_msg(r.status == 200 || r.status == 404, "%ld %s",
			      r.status, r.body);
		gone = r.status == 404;
		http_resp_free(&r);
		if (!gone)
			usleep(10000);
	}
	ck_assert_msg(gone, "a key with ttl_ms=1 did not expire in 30 s");
	expect(&daemon_proc, "GET", "/functions/kv-ttl/kv/long", NULL, 0, 200);
}
END_TEST

/* Follows the cursors of GET /functions/fn/kv?query; the keys as listed
 * (percent-encoded), joined by spaces and sorted by the store. */
static void list_all(const char *fn, const char *query, char *out, size_t cap,
		     unsigned *pages)
{
	char path[1024], cursor[512] = "";
	struct http_resp r;

	out[0] = '\0';
	*pages = 0;
	do {
		json_t *j, *keys, *k, *c;
		size_t i;

		snprintf(path, sizeof(path), "/functions/%s/kv?%s%s%s", fn,
			 query, cursor[0] ? "&cursor=" : "", cursor);
		req(&daemon_proc, "GET", path, NULL, 0, &r);
		ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status,
			      r.body);
		j = json_loads(r.body, 0, NULL);
		keys = json_object_get(j, "keys");
		c = json_object_get(j, "cursor");
		ck_assert(json_is_array(keys));
		ck_assert(json_is_null(c) || json_is_string(c));
		json_array_foreach(keys, i, k)
		{
			strncat(out, json_string_value(k),
				cap - strlen(out) - 2);
			strcat(out, " ");
		}
		snprintf(cursor, sizeof(cursor), "%s",
			 json_is_string(c) ? json_string_value(c) : "");
		json_decref(j);
		http_resp_free(&r);
		++*pages;
	} while (cursor[0] && *pages < 1000);
}

START_TEST(list_pages_prefix_and_encoding)
{
	char path[128], got[4096], want[4096] = "";
	unsigned pages;

	for (int i = 0; i < 25; i++) {
		snprintf(path, sizeof(path), "/functions/kv-list/kv/p/%02d", i);
		expect(&daemon_proc, "PUT", path, "x", 1, 204);
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "p/%02d ", i);
	}
	expect(&daemon_proc, "PUT", "/functions/kv-list/kv/q%20%FF%26x", "x", 1,
	       204);
	list_all("kv-list", "prefix=p%2F&limit=10", got, sizeof(got), &pages);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(pages, 3);
	list_all("kv-list", "prefix=q", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "q%20%FF%26x "); /* as it goes into a path */
	ck_assert_uint_eq(pages, 1);
	list_all("kv-list", "prefix=none", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "");
	list_all("kv-empty", "", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "");
}
END_TEST

START_TEST(delete_keeps_keys_unless_purged)
{
	const char *echo = harness_built("guest/examples/echo.elf");
	struct http_resp r;
	char got[256];
	unsigned pages;

	ck_assert_int_eq(harness_deploy(&daemon_proc, "kv-purge", echo, "", &r),
			 0);
	ck_assert_int_eq(r.status, 201);
	http_resp_free(&r);
	expect(&daemon_proc, "PUT", "/functions/kv-purge/kv/a", "1", 1, 204);
	expect(&daemon_proc, "PUT", "/functions/kv-purge/kv/b", "2", 1, 204);
	expect(&daemon_proc, "PUT", "/functions/kv-keep/kv/a", "3", 1, 204);
	expect_error(&daemon_proc, "DELETE", "/functions/kv-purge?purge=yes",
		     NULL, 0, 400, "invalid_request");
	expect(&daemon_proc, "DELETE", "/functions/kv-purge", NULL, 0, 204);
	list_all("kv-purge", "", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "a b ");
	/* A redeploy sees the keys; a purge removes them, and only them. */
	ck_assert_int_eq(harness_deploy(&daemon_proc, "kv-purge", echo, "", &r),
			 0);
	ck_assert_int_eq(r.status, 201);
	http_resp_free(&r);
	expect(&daemon_proc, "GET", "/functions/kv-purge/kv/b", NULL, 0, 200);
	expect(&daemon_proc, "DELETE", "/functions/kv-purge?purge=1", NULL, 0,
	       204);
	expect_error(&daemon_proc, "GET", "/functions/kv-purge", NULL, 0, 404,
		     "function_not_found");
	list_all("kv-purge", "", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "");
	list_all("kv-keep", "", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "a ");
	/* Keys left by a delete without purge can be purged later. */
	expect_error(&daemon_proc, "DELETE", "/functions/kv-keep", NULL, 0, 404,
		     "function_not_found");
	expect(&daemon_proc, "DELETE", "/functions/kv-keep?purge=1", NULL, 0,
	       204);
	list_all("kv-keep", "", got, sizeof(got), &pages);
	ck_assert_str_eq(got, "");
}
END_TEST

/* ---- Redis: the same routes, and a store that goes away ---- */

#if KVAPI_REDIS
static struct test_redis redis;

START_TEST(redis_backend_and_redis_down)
{
	const char *extra[3] = {"--config", NULL, NULL};
	static const char value[] = "r\0v";
	char conf[256];
	struct glintd_proc g;
	struct http_resp r;
	FILE *f;
	int rc;

	snprintf(conf, sizeof(conf), "%s/glintd.conf", redis.dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"kv_backend\": \"redis\", \"kv_redis_url\": \"%s\"}\n",
		redis.url);
	fclose(f);
	extra[1] = conf;
	rc = harness_start(&g, extra);
	if (rc < 0)
		harness_dump_log(&g);
	ck_assert_int_eq(rc, 0);
	expect(&g, "PUT", "/functions/kv-redis/kv/a%00b", value, sizeof(value),
	       204);
	req(&g, "GET", "/functions/kv-redis/kv/a%00b", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, sizeof(value));
	ck_assert(memcmp(r.body, value, sizeof(value)) == 0);
	http_resp_free(&r);
	expect_error(&g, "GET", "/functions/kv-redis/kv/none", NULL, 0, 404,
		     "key_not_found");
	/* Redis goes away: a precise 503, and glintd keeps serving. */
	ck_assert_int_eq(test_redis_script(&redis, "stop"), 0);
	expect_error(&g, "GET", "/functions/kv-redis/kv/a%00b", NULL, 0, 503,
		     "kv_unavailable");
	expect_error(&g, "PUT", "/functions/kv-redis/kv/b", "x", 1, 503,
		     "kv_unavailable");
	expect_error(&g, "GET", "/functions/kv-redis/kv", NULL, 0, 503,
		     "kv_unavailable");
	req(&g, "DELETE", "/functions/kv-redis?purge=1", NULL, 0, &r);
	assert_error(&r, 503, "kv_unavailable");
	ck_assert_msg(strstr(r.body, "were not purged"), "%s", r.body);
	http_resp_free(&r);
	expect(&g, "GET", "/healthz", NULL, 0, 200);
	harness_cleanup(&g);
}
END_TEST

#endif

/* ---- the routes need the admin token ---- */

START_TEST(kv_routes_need_the_admin_token)
{
	char tok[] = "/tmp/glint-kv-token-XXXXXX";
	const char *extra[] = {"--admin-token-file", tok, NULL};
	struct glintd_proc g;
	struct http_resp r;
	int fd = mkstemp(tok), rc;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "kv-admin-0123456789\n", 20), 20);
	close(fd);
	rc = harness_start(&g, extra);
	if (rc < 0)
		harness_dump_log(&g);
	ck_assert_int_eq(rc, 0);
	req(&g, "GET", "/functions/kv-auth/kv", NULL, 0, &r);
	assert_error(&r, 401, "unauthorized");
	http_resp_free(&r);
	req(&g, "PUT", "/functions/kv-auth/kv/a", "x", 1, &r);
	assert_error(&r, 401, "unauthorized");
	http_resp_free(&r);
	req(&g, "DELETE", "/functions/kv-auth?purge=1", NULL, 0, &r);
	assert_error(&r, 401, "unauthorized");
	http_resp_free(&r);
	harness_cleanup(&g);
	unlink(tok);
}
END_TEST

static Suite *kvapi_suite(void)
{
	Suite *s = suite_create("kvapi");
	TCase *t, *a;

#if KVAPI_REDIS
	t = tcase_create("redis");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, redis_backend_and_redis_down);
	suite_add_tcase(s, t);
	return s;
#endif
	t = tcase_create("embedded");
	tcase_add_unchecked_fixture(t, start_daemon, stop_daemon);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, set_get_delete_any_bytes);
	tcase_add_test(t, bad_requests_have_precise_errors);
	tcase_add_test(t, ttl_expires);
	tcase_add_test(t, list_pages_prefix_and_encoding);
	tcase_add_test(t, delete_keeps_keys_unless_purged);
	suite_add_tcase(s, t);
	a = tcase_create("auth");
	tcase_set_timeout(a, 120);
	tcase_add_test(a, kv_routes_need_the_admin_token);
	suite_add_tcase(s, a);
	return s;
}

int main(void)
{
	int rc;

	kvm_required();
#if KVAPI_REDIS
	test_redis_start(&redis, "kvapi");
#endif
	rc = check_run(kvapi_suite());
#if KVAPI_REDIS
	test_redis_stop(&redis);
#endif
	return rc;
}
