/* test_fnconfig.c: glintd end to end: environment, secrets, kept versions, rollback, redeploys that keep settings. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* Every response body of a test, to look for a secret's value in. */
static char *seen;
static size_t seen_len;

static void remember(const struct http_resp *r)
{
	seen = realloc(seen, seen_len + r->len + r->headers_len + 2);
	ck_assert_ptr_nonnull(seen);
	memcpy(seen + seen_len, r->body, r->len);
	seen_len += r->len;
	if (r->headers) {
		memcpy(seen + seen_len, r->headers, r->headers_len);
		seen_len += r->headers_len;
	}
	seen[seen_len++] = '\n';
	seen[seen_len] = '\0';
}

static void req(const struct glintd_proc *g, const char *method,
		const char *path, const char *body, size_t len,
		struct http_resp *r)
{
	ck_assert_int_eq(harness_request(g, method, path, body, len, r), 0);
	remember(r);
}

static void start(struct glintd_proc *g, const char *const *extra)
{
	int rc = harness_start(g, extra);

	if (rc != 0) {
		harness_dump_log(g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
}

static void deploy(struct glintd_proc *g, const char *name, const char *elf,
		   const char *query, long want)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(g, name, harness_built(elf), query, &r),
			 0);
	remember(&r);
	if (r.status != want)
		harness_dump_log(g);
	ck_assert_msg(r.status == want, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
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

/* GET path as JSON (status 200). */
static json_t *get_json(const struct glintd_proc *g, const char *path)
{
	struct http_resp r;
	json_t *j;

	req(g, "GET", path, NULL, 0, &r);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status,
		      r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	http_resp_free(&r);
	return j;
}

static long get_int(const struct glintd_proc *g, const char *path,
		    const char *key)
{
	json_t *j = get_json(g, path);
	long v = (long)json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

static char *invoke_body(const struct glintd_proc *g, const char *name)
{
	char path[128];
	struct http_resp r;
	char *b;

	snprintf(path, sizeof(path), "/invoke/%s", name);
	req(g, "POST", path, "x", 1, &r);
	ck_assert_msg(r.status == 200, "invoke: %ld %s", r.status, r.body);
	b = strdup(r.body);
	http_resp_free(&r);
	return b;
}

START_TEST(env_round_trip_and_reinit)
{
	struct glintd_proc g;
	struct http_resp r;
	char *before, *after, big[6000];
	const char *body;
	json_t *j;

	start(&g, NULL);
	deploy(&g, "f", "tests/guests/initstamp.elf", "", 201);
	req(&g, "GET", "/functions/f/env", NULL, 0, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "{\"env\":{}}");
	http_resp_free(&r);
	before = invoke_body(&g, "f");

	body = "{\"GREETING\":\"hi there\",\"_N2\":\"\"}";
	req(&g, "PUT", "/functions/f/env", body, strlen(body), &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	j = get_json(&g, "/functions/f/env");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "env"), "GREETING")),
			 "hi there");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "env"), "_N2")),
			 "");
	json_decref(j);
	/* init ran again: the snapshot taken after it is a new one. */
	after = invoke_body(&g, "f");
	ck_assert_msg(strcmp(before, after) != 0, "init did not run again: %s",
		      after);
	free(before);
	free(after);

	/* Hostile environments: precise 400s, the old one stays. */
	req(&g, "PUT", "/functions/f/env", "{\"1A\":\"x\"}", 10, &r);
	assert_error(&r, 400, "invalid_env");
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/env", "{\"A\":1}", 7, &r);
	assert_error(&r, 400, "invalid_env");
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/env", "[1]", 3, &r);
	assert_error(&r, 400, "invalid_env");
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/env", "{\"A\":", 5, &r);
	assert_error(&r, 400, "invalid_env");
	http_resp_free(&r);
	memset(big, 'v', sizeof(big));
	memcpy(big, "{\"A\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	req(&g, "PUT", "/functions/f/env", big, strlen(big), &r);
	assert_error(&r, 400, "invalid_env");
	ck_assert_ptr_nonnull(strstr(r.body, "4096"));
	http_resp_free(&r);
	req(&g, "PUT", "/functions/nope/env", "{}", 2, &r);
	assert_error(&r, 404, "function_not_found");
	http_resp_free(&r);
	req(&g, "POST", "/functions/f/env", "{}", 2, &r);
	assert_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	j = get_json(&g, "/functions/f/env");
	ck_assert_int_eq(json_object_size(json_object_get(j, "env")), 2);
	json_decref(j);

	/* Kept across a restart; an empty object clears it. */
	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	ck_assert_int_eq(harness_restart(&g, NULL), 0);
	j = get_json(&g, "/functions/f/env");
	ck_assert_int_eq(json_object_size(json_object_get(j, "env")), 2);
	json_decref(j);
	req(&g, "PUT", "/functions/f/env", "{}", 2, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	j = get_json(&g, "/functions/f/env");
	ck_assert_int_eq(json_object_size(json_object_get(j, "env")), 0);
	json_decref(j);
	harness_cleanup(&g);
}
END_TEST

static char *read_all_file(const char *path)
{
	size_t len;
	char *b = harness_read_file(path, &len);

	ck_assert_ptr_nonnull(b);
	b = realloc(b, len + 1);
	b[len] = '\0';
	return b;
}

/* memmem over a whole file (binary ok). */
static int file_contains(const char *path, const char *needle)
{
	size_t len;
	char *b = harness_read_file(path, &len);
	int found = b && memmem(b, len, needle, strlen(needle)) != NULL;

	free(b);
	return found;
}

START_TEST(secrets_never_exposed)
{
	struct glintd_proc g;
	struct http_resp r;
	char value[64], path[512], big[20000];
	struct stat st;
	json_t *j, *list;
	char *log;

	snprintf(value, sizeof(value), "s3cr3t-%ld-%ld-zq", (long)getpid(),
		 (long)time(NULL));
	start(&g, NULL);
	deploy(&g, "f", "tests/guests/initstamp.elf", "", 201);
	req(&g, "PUT", "/functions/f/secrets/API_KEY", value, strlen(value),
	    &r);
	ck_assert_msg(r.status == 204, "%ld %s", r.status, r.body);
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/secrets/OTHER", value, strlen(value), &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);

	j = get_json(&g, "/functions/f/secrets");
	list = json_object_get(j, "secrets");
	ck_assert_int_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(list, 0), "name")),
			 "API_KEY");
	ck_assert_ptr_nonnull(
		json_object_get(json_array_get(list, 0), "updated_at"));
	ck_assert_int_eq(json_object_size(json_array_get(list, 0)), 2);
	json_decref(j);

	/* Bad names and values: errors that do not echo the value. */
	req(&g, "PUT", "/functions/f/secrets/9bad", value, strlen(value), &r);
	assert_error(&r, 400, "invalid_secret");
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/secrets/NUL", "a\0b", 3, &r);
	assert_error(&r, 400, "invalid_secret");
	http_resp_free(&r);
	memset(big, 'x', sizeof(big));
	memcpy(big, value, strlen(value));
	req(&g, "PUT", "/functions/f/secrets/BIG", big, sizeof(big), &r);
	assert_error(&r, 400, "invalid_secret");
	http_resp_free(&r);
	req(&g, "DELETE", "/functions/f/secrets/MISSING", NULL, 0, &r);
	assert_error(&r, 404, "secret_not_found");
	http_resp_free(&r);
	req(&g, "GET", "/functions/f/secrets/API_KEY", NULL, 0, &r);
	assert_error(&r, 405, "method_not_allowed");
	http_resp_free(&r);
	req(&g, "DELETE", "/functions/f/secrets/OTHER", NULL, 0, &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);

	/* Every other view of the function, then a restart. */
	free(invoke_body(&g, "f"));
	json_decref(get_json(&g, "/functions/f"));
	json_decref(get_json(&g, "/functions"));
	json_decref(get_json(&g, "/functions/f/env"));
	json_decref(get_json(&g, "/functions/f/versions"));
	req(&g, "GET", "/metrics", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);

	/* At rest: its own file, 0600, not in the function file. */
	snprintf(path, sizeof(path), "%s/f.secrets", g.state_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/f.fn", g.state_dir);
	ck_assert(!file_contains(path, value));

	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	ck_assert_int_eq(harness_restart(&g, NULL), 0);
	j = get_json(&g, "/functions/f/secrets");
	ck_assert_int_eq(json_array_size(json_object_get(j, "secrets")), 1);
	json_decref(j);
	req(&g, "DELETE", "/functions/f", NULL, 0, &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	/* Removed with its function. */
	snprintf(path, sizeof(path), "%s/f.secrets", g.state_dir);
	ck_assert_int_ne(stat(path, &st), 0);

	ck_assert_msg(memmem(seen, seen_len, value, strlen(value)) == NULL,
		      "a response carried the secret's value");
	log = read_all_file(g.log_path);
	ck_assert_msg(strstr(log, value) == NULL,
		      "glintd's log carries the secret's value");
	ck_assert_ptr_nonnull(strstr(log, "API_KEY")); /* the log was read */
	free(log);
	harness_cleanup(&g);
}
END_TEST

START_TEST(redeploy_keeps_settings_env_secrets)
{
	struct glintd_proc g;
	struct http_resp r;
	json_t *j;

	start(&g, NULL);
	deploy(&g, "f", "guest/examples/echo.elf", "idle_ms=7000&queue_max=3",
	       201);
	req(&g, "PUT", "/functions/f/env", "{\"K\":\"v\"}", 9, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	req(&g, "PUT", "/functions/f/secrets/S", "val", 3, &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	ck_assert_int_eq(get_int(&g, "/functions/f", "version"), 1);

	deploy(&g, "f", "tests/guests/initstamp.elf", "", 201);
	ck_assert_int_eq(get_int(&g, "/functions/f", "idle_ms"), 7000);
	ck_assert_int_eq(get_int(&g, "/functions/f", "queue_max"), 3);
	ck_assert_int_eq(get_int(&g, "/functions/f", "version"), 2);
	deploy(&g, "f", "guest/examples/echo.elf", "queue_max=5", 201);
	ck_assert_int_eq(get_int(&g, "/functions/f", "idle_ms"), 7000);
	ck_assert_int_eq(get_int(&g, "/functions/f", "queue_max"), 5);
	j = get_json(&g, "/functions/f/env");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "env"), "K")),
			 "v");
	json_decref(j);
	j = get_json(&g, "/functions/f/secrets");
	ck_assert_int_eq(json_array_size(json_object_get(j, "secrets")), 1);
	json_decref(j);

	/* A deleted name starts afresh: no environment, secrets or versions. */
	req(&g, "DELETE", "/functions/f", NULL, 0, &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	deploy(&g, "f", "guest/examples/echo.elf", "", 201);
	ck_assert_int_eq(get_int(&g, "/functions/f", "idle_ms") == 7000, 0);
	j = get_json(&g, "/functions/f/env");
	ck_assert_int_eq(json_object_size(json_object_get(j, "env")), 0);
	json_decref(j);
	j = get_json(&g, "/functions/f/secrets");
	ck_assert_int_eq(json_array_size(json_object_get(j, "secrets")), 0);
	json_decref(j);
	j = get_json(&g, "/functions/f/versions");
	ck_assert_int_eq(json_array_size(json_object_get(j, "versions")), 1);
	json_decref(j);
	harness_cleanup(&g);
}
END_TEST

/* Calls in a loop on their own connection, counted; none may fail. */
struct stream {
	const struct glintd_proc *g;
	int stop, calls, failures;
	long last_bad;
};

static void *stream_run(void *opaque)
{
	struct stream *s = opaque;
	CURL *c = curl_easy_init();
	struct http_resp r;
	char in[32];

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		snprintf(in, sizeof(in), "n%d", s->calls);
		if (harness_request_on(c, s->g, "POST", "/invoke/f", in,
				       strlen(in), &r) != 0) {
			s->failures++;
			continue;
		}
		__atomic_add_fetch(&s->calls, 1, __ATOMIC_RELEASE);
		if (r.status != 200) {
			s->failures++;
			s->last_bad = r.status;
		}
		http_resp_free(&r);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* Waits until the stream has made n more calls (cap 60 s). */
static void stream_wait(struct stream *s, int n)
{
	int want = __atomic_load_n(&s->calls, __ATOMIC_ACQUIRE) + n;

	for (int ms = 0; __atomic_load_n(&s->calls, __ATOMIC_ACQUIRE) < want;
	     ms++) {
		ck_assert_msg(ms < 60000, "the stream made no progress");
		usleep(1000);
	}
}

static void post_ok(const struct glintd_proc *g, const char *path,
		    long want_version)
{
	struct http_resp r;

	req(g, "POST", path, NULL, 0, &r);
	ck_assert_msg(r.status == 200, "POST %s: %ld %s", path, r.status,
		      r.body);
	http_resp_free(&r);
	ck_assert_int_eq(get_int(g, "/functions/f", "version"), want_version);
}

START_TEST(versions_and_rollback_under_load)
{
	struct glintd_proc g;
	struct stream s = {.g = &g};
	const char *extra[] = {"--config", NULL, NULL};
	char conf[600];
	struct http_resp r;
	pthread_t t;
	json_t *j, *v;
	FILE *f;

	start(&g, NULL); /* makes the directory */
	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	snprintf(conf, sizeof(conf), "%s/glintd.conf", g.dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"keep_versions\": 3}\n", f);
	fclose(f);
	extra[1] = conf;
	ck_assert_int_eq(harness_restart(&g, extra), 0);

	deploy(&g, "f", "guest/examples/echo.elf", "", 201);
	req(&g, "POST", "/functions/f/rollback", NULL, 0, &r);
	assert_error(&r, 409, "no_previous_version");
	http_resp_free(&r);
	ck_assert_int_eq(pthread_create(&t, NULL, stream_run, &s), 0);
	stream_wait(&s, 3);
	for (int i = 2; i <= 4; i++) {
		deploy(&g, "f",
		       i % 2 ? "guest/examples/echo.elf"
			     : "tests/guests/initstamp.elf",
		       "", 201);
		stream_wait(&s, 3);
	}
	/* Three kept, newest first, 4 live. */
	j = get_json(&g, "/functions/f/versions");
	v = json_object_get(j, "versions");
	ck_assert_int_eq(json_array_size(v), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(v, 0), "version")),
			 4);
	ck_assert(json_is_true(json_object_get(json_array_get(v, 0), "live")));
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(v, 2), "version")),
			 2);
	json_decref(j);

	post_ok(&g, "/functions/f/rollback", 3);
	stream_wait(&s, 3);
	post_ok(&g, "/functions/f/rollback", 2);
	stream_wait(&s, 3);
	post_ok(&g, "/functions/f/rollback?version=4", 4);
	stream_wait(&s, 3);
	req(&g, "POST", "/functions/f/rollback?version=1", NULL, 0, &r);
	assert_error(&r, 404, "version_not_found");
	http_resp_free(&r);
	req(&g, "POST", "/functions/f/rollback?version=x", NULL, 0, &r);
	assert_error(&r, 400, "invalid_request");
	http_resp_free(&r);
	post_ok(&g, "/functions/f/rollback?version=3", 3);
	stream_wait(&s, 3);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_msg(s.failures == 0, "%d of %d calls failed (last %ld)",
		      s.failures, s.calls, s.last_bad);

	/* After a restart: 3 is live, and the next deploy is 5, not 4. */
	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	ck_assert_int_eq(harness_restart(&g, extra), 0);
	ck_assert_int_eq(get_int(&g, "/functions/f", "version"), 3);
	ck_assert_int_eq(get_int(&g, "/functions/f/versions", "live_version"),
			 3);
	deploy(&g, "f", "guest/examples/echo.elf", "", 201);
	ck_assert_int_eq(get_int(&g, "/functions/f", "version"), 5);
	j = get_json(&g, "/functions/f/versions");
	ck_assert_int_eq(json_array_size(json_object_get(j, "versions")), 3);
	json_decref(j);
	harness_cleanup(&g);
}
END_TEST

/* What the guest sees: getenv() reads the environment, glint_secret()
 * the secrets (tests/guests/envsecret.c). */
static void expect_answer(const struct glintd_proc *g, const char *in,
			  const char *want)
{
	struct http_resp r;

	req(g, "POST", "/invoke/g", in, strlen(in), &r);
	ck_assert_msg(r.status == 200, "%s: %ld %s", in, r.status, r.body);
	ck_assert_str_eq(r.body, want);
	http_resp_free(&r);
}

START_TEST(guest_sees_env_and_secrets)
{
	struct glintd_proc g;
	struct http_resp r;
	const char *body = "{\"GREETING\":\"hello\",\"OTHER\":\"x\"}";

	start(&g, NULL);
	deploy(&g, "g", "tests/guests/envsecret.elf", "", 201);
	expect_answer(&g, "init", "(unset)");
	req(&g, "PUT", "/functions/g/env", body, strlen(body), &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	expect_answer(&g, "init", "hello");
	expect_answer(&g, "env:OTHER", "x");
	req(&g, "PUT", "/functions/g/secrets/TOKEN", "t0k", 3, &r);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	expect_answer(&g, "secret:TOKEN", "t0k");
	expect_answer(&g, "env:TOKEN", "(unset)"); /* not through getenv */
	expect_answer(&g, "secret:GREETING", "(unset)");
	/* A redeploy keeps both; a restart too. */
	deploy(&g, "g", "tests/guests/envsecret.elf", "", 201);
	expect_answer(&g, "secret:TOKEN", "t0k");
	ck_assert_int_ge(harness_stop(&g, 30000), 0);
	ck_assert_int_eq(harness_restart(&g, NULL), 0);
	expect_answer(&g, "init", "hello");
	expect_answer(&g, "secret:TOKEN", "t0k");
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e-fnconfig");
	TCase *tc = tcase_create("fnconfig");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, env_round_trip_and_reinit);
	tcase_add_test(tc, secrets_never_exposed);
	tcase_add_test(tc, redeploy_keeps_settings_env_secrets);
	tcase_add_test(tc, versions_and_rollback_under_load);
	tcase_add_test(tc, guest_sees_env_and_secrets);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	free(seen);
	curl_global_cleanup();
	return failed;
}
