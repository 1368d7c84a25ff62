/* test_config.c: glintd flags (defaults, --listen parsing, usage errors) and API route parsing. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "glintd_config.h"
#include "kvapi.h"
#include "../check_run.h"

static int parse(struct glintd_config *c, const char *a1, const char *a2)
{
	/* An installed glintd.conf must not change what is tested. */
	char *argv[] = {"glintd", "--no-config", (char *)a1, (char *)a2, NULL};
	char err[256] = "";
	FILE *saved = stdout;
	int rc;

	glintd_config_default(c);
	stdout = fopen("/dev/null", "w"); /* --help text */
	rc = glintd_config_parse_args(c, a2 ? 4 : (a1 ? 3 : 2), argv, err,
				      sizeof(err));
	fclose(stdout);
	stdout = saved;
	if (rc < 0)
		ck_assert_msg(err[0], "usage error without a message");
	return rc;
}

START_TEST(defaults)
{
	struct glintd_config c;

	ck_assert_int_eq(parse(&c, NULL, NULL), 0);
	ck_assert_str_eq(c.listen_host, "127.0.0.1");
	ck_assert_uint_eq(c.listen_port, 8080);
	ck_assert_str_eq(c.state_dir, "./var/glint");
	ck_assert_ptr_eq(c.engine.state_dir, c.state_dir);
	ck_assert_uint_eq(c.max_invoke_bytes, 6u << 20);
	ck_assert_uint_eq(c.engine.max_image_bytes, 64u << 20);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
}
END_TEST

START_TEST(flags)
{
	struct glintd_config c;

	ck_assert_int_eq(parse(&c, "--listen", "10.1.2.3:0"), 0);
	ck_assert_str_eq(c.listen_host, "10.1.2.3");
	ck_assert_uint_eq(c.listen_port, 0);
	ck_assert_int_eq(parse(&c, "--workers", "3"), 0);
	ck_assert_uint_eq(c.engine.workers, 3);
	ck_assert_int_eq(parse(&c, "--log-level", "debug"), 0);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(parse(&c, "--state-dir", "/tmp/x"), 0);
	ck_assert_str_eq(c.engine.state_dir, "/tmp/x");
	ck_assert_int_eq(parse(&c, "--help", NULL), 1);
	ck_assert_int_eq(parse(&c, "--version", NULL), 1);
}
END_TEST

START_TEST(bad_flags)
{
	static const char *const bad[][2] = {
		{"--listen", "localhost:80"},
		{"--listen", "1.2.3.4"},
		{"--listen", "1.2.3.4:65536"},
		{"--listen", "1.2.3.4:-1"},
		{"--listen", ":80"},
		{"--workers", "-1"},
		{"--workers", "many"},
		{"--log-level", "loud"},
		{"--bogus", NULL},
		{"stray", NULL},
		{"--listen", NULL},
	};
	struct glintd_config c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(&c, bad[i][0], bad[i][1]) == -EINVAL,
			      "accepted %s %s", bad[i][0],
			      bad[i][1] ? bad[i][1] : "");
}
END_TEST

START_TEST(function_subroutes)
{
	static const struct {
		const char *rest;
		enum api_route route;
		size_t name_len;
		const char *arg;
	} cases[] = {
		{"f", API_ROUTE_FUNCTION, 1, NULL},
		{"f/env", API_ROUTE_FN_ENV, 1, NULL},
		{"fn/secrets", API_ROUTE_FN_SECRETS, 2, NULL},
		{"fn/secrets/API_KEY", API_ROUTE_FN_SECRET, 2, "API_KEY"},
		{"fn/secrets/", API_ROUTE_FN_SECRET, 2, ""},
		{"f/versions", API_ROUTE_FN_VERSIONS, 1, NULL},
		{"f/rollback", API_ROUTE_FN_ROLLBACK, 1, NULL},
		{"f/kv", API_ROUTE_FN_KV_LIST, 1, NULL},
		{"fn/kv/a/b c", API_ROUTE_FN_KV, 2, "a/b c"},
		{"fn/kv/", API_ROUTE_FN_KV, 2, ""},
		{"f/kvx", API_ROUTE_FUNCTION, 5, NULL},
		/* anything else: the whole rest is the (invalid) name */
		{"../escape", API_ROUTE_FUNCTION, 9, NULL},
		{"f/env/x", API_ROUTE_FUNCTION, 7, NULL},
		{"f/", API_ROUTE_FUNCTION, 2, NULL},
	};
	const char *arg;
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
			api_function_subroute(cases[i].rest, &len, &arg),
			cases[i].route);
		ck_assert_uint_eq(len, cases[i].name_len);
		if (cases[i].arg)
			ck_assert_str_eq(arg, cases[i].arg);
		else
			ck_assert_ptr_null(arg);
	}
}
END_TEST

/* The key of a KV route comes from the target as sent: any byte, '/'
 * included; a broken escape is refused rather than guessed at. */
START_TEST(kv_keys_from_targets)
{
	static const struct {
		const char *target;
		int rc;
		const char *key;
		size_t len;
	} cases[] = {
		{"/functions/f/kv/abc", 0, "abc", 3},
		{"/functions/f/kv/a/b%20c?ttl_ms=5", 0, "a/b c", 5},
		{"/functions/f/kv/%00%ff%2F", 0, "\0\xff/", 3},
		{"/functions/f/kv/", 0, "", 0},
		{"/functions/f/kv/a%2", -EINVAL, NULL, 0},
		{"/functions/f/kv/a%g0", -EINVAL, NULL, 0},
		{"/functions/f/kv/%", -EINVAL, NULL, 0},
		{"/functions/f/env/a", -EINVAL, NULL, 0},
		{"/invoke/f/kv/a", -EINVAL, NULL, 0},
		{NULL, -EINVAL, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *key = NULL;
		size_t len = 99;
		int rc = kvapi_key_from_target(cases[i].target, &key, &len);

		ck_assert_msg(rc == cases[i].rc, "%s: %d", cases[i].target, rc);
		if (rc == 0) {
			ck_assert_uint_eq(len, cases[i].len);
			ck_assert(memcmp(key, cases[i].key, len) == 0);
		}
		free(key);
	}
}
END_TEST

/* Bad queries are refused with their outcome before the store is asked
 * (none is given here); a good one reaches the missing store. */
START_TEST(kv_queries_refused_precisely)
{
	static const struct {
		enum kvapi_op op;
		const char *target;
		enum engine_outcome outcome;
	} cases[] = {
		{KVAPI_SET, "/functions/f/kv/k?ttl_ms=0",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_SET, "/functions/f/kv/k?ttl_ms=315360000001",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_SET, "/functions/f/kv/k?ttl_ms=1x",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_GET, "/functions/f/kv/k?ttl_ms=5",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_LIST, "/functions/f/kv?limit=1001",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_LIST, "/functions/f/kv?prefix=%zz",
		 ENGINE_INVALID_KV_QUERY},
		{KVAPI_LIST, "/functions/f/kv?bogus", ENGINE_INVALID_KV_QUERY},
		{KVAPI_GET, "/functions/f/kv/", ENGINE_INVALID_KEY},
		{KVAPI_DELETE, "/functions/f/kv/%", ENGINE_INVALID_KEY},
		{KVAPI_SET, "/functions/f/kv/k?ttl_ms=315360000000",
		 ENGINE_KV_UNAVAILABLE},
		{KVAPI_LIST, "/functions/f/kv?prefix=a%2Fb&cursor=x&limit=1&&",
		 ENGINE_KV_UNAVAILABLE},
		{KVAPI_PURGE, "/functions/f?purge=1", ENGINE_KV_UNAVAILABLE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvapi_call c = {.op = cases[i].op,
				       .raw_uri = cases[i].target};

		snprintf(c.function, sizeof(c.function), "f");
		ck_assert_int_lt(kvapi_start(NULL, &c), 0);
		ck_assert_msg(c.outcome == cases[i].outcome, "%s: %s (%s)",
			      cases[i].target, engine_outcome_code(c.outcome),
			      c.message);
		ck_assert(c.message[0] != '\0');
		kvapi_call_clean(&c);
	}
}
END_TEST

START_TEST(routes)
{
	const char *name;

	ck_assert_int_eq(api_route_parse("/healthz", &name), API_ROUTE_HEALTHZ);
	ck_assert_ptr_null(name);
	ck_assert_int_eq(api_route_parse("/functions", &name),
			 API_ROUTE_FUNCTIONS);
	ck_assert_int_eq(api_route_parse("/functions/abc", &name),
			 API_ROUTE_FUNCTION);
	ck_assert_str_eq(name, "abc");
	ck_assert_int_eq(api_route_parse("/invoke/a/../b", &name),
			 API_ROUTE_INVOKE);
	ck_assert_str_eq(name, "a/../b"); /* rejected later as a name */
	ck_assert_int_eq(api_route_parse("/healthz/", &name),
			 API_ROUTE_UNKNOWN);
	ck_assert_int_eq(api_route_parse("/invoke", &name), API_ROUTE_UNKNOWN);
	ck_assert_int_eq(api_route_parse("", &name), API_ROUTE_UNKNOWN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("glintd-config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, function_subroutes);
	tcase_add_test(tc, flags);
	tcase_add_test(tc, bad_flags);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, kv_keys_from_targets);
	tcase_add_test(tc, kv_queries_refused_precisely);
	suite_add_tcase(s, tc);
	return check_run(s);
}
