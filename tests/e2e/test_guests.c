/* test_guests.c: glintd end to end with real guests: JSON, function errors, init failure, deadlines, queue limits, redeploy, shutdown. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static void assert_error(const struct http_resp *r, long status,
			 const char *code, const char *in_message)
{
	json_t *j = json_loads(r->body, 0, NULL);
	const char *c = NULL, *m = NULL, *id = NULL;

	ck_assert_msg(r->status == status, "status %ld, want %ld; body %s",
		      r->status, status, r->body);
	ck_assert_msg(j != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s,s:s}}", "error", "code",
				     &c, "message", &m, "request_id", &id),
			 0);
	ck_assert_str_eq(c, code);
	if (in_message)
		ck_assert_msg(strstr(m, in_message), "message '%s' lacks '%s'",
			      m, in_message);
	json_decref(j);
}

static void deploy(struct glintd_proc *g, const char *name, const char *elf,
		   const char *query, long want)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(g, name, harness_built(elf), query, &r),
			 0);
	if (r.status != want)
		harness_dump_log(g);
	ck_assert_msg(r.status == want, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void invoke(struct glintd_proc *g, const char *name, const char *in,
		   struct http_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_int_eq(harness_request(g, "POST", path, in, strlen(in), r),
			 0);
}

START_TEST(hello_json)
{
	struct http_resp r;
	char *ct;

	deploy(&daemon_g, "hello", "guest/examples/hello.elf", "", 201);
	invoke(&daemon_g, "hello", "{\"name\":\"Ada\"}", &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "{\"greeting\":\"Hello, Ada!\"}");
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "application/json"));
	free(ct);
	http_resp_free(&r);
}
END_TEST

START_TEST(function_error_500_with_message)
{
	struct http_resp r;

	deploy(&daemon_g, "hello2", "guest/examples/hello.elf", "", 201);
	invoke(&daemon_g, "hello2", "not json", &r);
	assert_error(&r, 500, "function_error", "not valid JSON");
	http_resp_free(&r);
	/* The VM is rolled back and serves the next call. */
	invoke(&daemon_g, "hello2", "{\"name\":\"Bo\"}", &r);
	ck_assert_str_eq(r.body, "{\"greeting\":\"Hello, Bo!\"}");
	http_resp_free(&r);
}
END_TEST

START_TEST(init_failure_422_keeps_old_version)
{
	struct http_resp r;

	deploy(&daemon_g, "phoenix", "guest/examples/echo.elf", "", 201);
	ck_assert_int_eq(
		harness_deploy(&daemon_g, "phoenix",
			       harness_built("tests/guests/initfail.elf"), "",
			       &r),
		0);
	ck_assert_msg(r.status == 422, "%ld %s", r.status, r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "init failed on purpose"));
	http_resp_free(&r);
	invoke(&daemon_g, "phoenix", "still echo", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "still echo");
	http_resp_free(&r);
	/* A new function whose init fails is not created at all. */
	ck_assert_int_eq(
		harness_deploy(&daemon_g, "never",
			       harness_built("tests/guests/initfail.elf"), "",
			       &r),
		0);
	ck_assert_int_eq(r.status, 422);
	http_resp_free(&r);
	invoke(&daemon_g, "never", "x", &r);
	assert_error(&r, 404, "function_not_found", NULL);
	http_resp_free(&r);
}
END_TEST

START_TEST(deadline_504)
{
	struct http_resp r;

	/* 1 s: far above the work of the calls that must finish. */
	deploy(&daemon_g, "spin", "tests/guests/spin.elf", "timeout_ms=1000",
	       201);
	invoke(&daemon_g, "spin", "1000", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "1000");
	http_resp_free(&r);
	invoke(&daemon_g, "spin", "100000000000000", &r);
	assert_error(&r, 504, "deadline_exceeded", NULL);
	/* The deadline, not the test's timeout, ended the endless call: a
	 * lower bound (it never fires early) and a cap far above it. */
	ck_assert_msg(r.total_s >= 0.99 && r.total_s < 60.0,
		      "deadline of 1 s took %.3f s", r.total_s);
	http_resp_free(&r);
	invoke(&daemon_g, "spin", "7", &r);
	ck_assert_str_eq(r.body, "7");
	http_resp_free(&r);
}
END_TEST

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One VM, restored between calls: every call must see its own id, a fresh
 * seed and fresh random numbers, the wall clock of its own start and a
 * deadline counted from it. A restore that replayed the snapshot's call
 * header or generator state repeats a value and fails here. */
#define CONTEXT_CALLS 4

START_TEST(call_context_fresh_every_call)
{
	const char *keys[] = {"call_id", "seed", "random"};
	char seen[3][CONTEXT_CALLS][80];
	json_int_t rand_seen[CONTEXT_CALLS];
	struct http_resp r;

	deploy(&daemon_g, "callinfo", "tests/guests/callinfo.elf",
	       "max_concurrency=1&min_warm=1&timeout_ms=5000", 201);
	for (int i = 0; i < CONTEXT_CALLS; i++) {
		int64_t before = realtime_ns(), after, wall, deadline;
		const char *v[3];
		char *id;
		json_t *j;

		invoke(&daemon_g, "callinfo", "", &r);
		after = realtime_ns();
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		j = json_loads(r.body, 0, NULL);
		ck_assert_msg(j && json_unpack(j, "{s:s,s:s,s:I,s:I,s:s,s:I}",
					       "call_id", &v[0], "seed", &v[1],
					       "wall_ns", &wall, "deadline_ns",
					       &deadline, "random", &v[2],
					       "rand", &rand_seen[i]) == 0,
			      "call %d: %s", i, r.body);
		/* The guest's call id is the one the client sees. */
		id = http_resp_header(&r, "X-Request-Id");
		ck_assert_ptr_nonnull(id);
		ck_assert_str_eq(v[0], id);
		free(id);
		ck_assert_msg(wall >= before && wall <= after,
			      "call %d: wall_ns %lld outside [%lld, %lld]", i,
			      (long long)wall, (long long)before,
			      (long long)after);
		ck_assert_int_eq(deadline - wall, 5000000000LL);
		for (int k = 0; k < 3; k++) {
			ck_assert_uint_gt(strlen(v[k]), 0);
			for (int p = 0; p < i; p++)
				ck_assert_msg(
					strcmp(seen[k][p], v[k]) != 0,
					"call %d repeats %s %s of call %d", i,
					keys[k], v[k], p);
			snprintf(seen[k][i], sizeof(seen[k][i]), "%s", v[k]);
		}
		for (int p = 0; p < i; p++)
			ck_assert_msg(rand_seen[p] != rand_seen[i],
				      "call %d repeats rand() %lld of call %d",
				      i, (long long)rand_seen[i], p);
		json_decref(j);
		http_resp_free(&r);
	}
}
END_TEST

START_TEST(crash_and_abort_502)
{
	struct http_resp r;
	const char *m;
	json_t *j;

	deploy(&daemon_g, "hostile", "tests/guests/hostile.elf",
	       "timeout_ms=1000", 201);
	invoke(&daemon_g, "hostile", "null-write", &r);
	assert_error(&r, 502, "guest_crashed", NULL);
	/* The message names the exception and the faulting address. */
	j = json_loads(r.body, 0, NULL);
	m = json_string_value(
		json_object_get(json_object_get(j, "error"), "message"));
	ck_assert_msg(m && (strstr(m, "#PF") || strstr(m, "14")),
		      "no vector in '%s'", m);
	ck_assert_msg(m && strstr(m, "0x"), "no address in '%s'", m);
	json_decref(j);
	http_resp_free(&r);
	invoke(&daemon_g, "hostile", "ud2", &r);
	assert_error(&r, 502, "guest_crashed", NULL);
	http_resp_free(&r);
	invoke(&daemon_g, "hostile", "abort", &r);
	assert_error(&r, 502, "guest_aborted", "boom");
	http_resp_free(&r);
	invoke(&daemon_g, "hostile", "fail", &r);
	assert_error(&r, 500, "function_error", "nope");
	http_resp_free(&r);
	/* The daemon and the function survive all of it. */
	invoke(&daemon_g, "hostile", "ok", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok");
	http_resp_free(&r);
}
END_TEST

/* A call run on its own thread, to have one in flight. */
struct bg_call {
	pthread_t thread;
	struct glintd_proc *g;
	const char *name, *input;
	struct http_resp r;
	int rc;
};

static void *bg_run(void *opaque)
{
	struct bg_call *b = opaque;
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", b->name);
	b->rc = harness_request(b->g, "POST", path, b->input, strlen(b->input),
				&b->r);
	return NULL;
}

/* Starts the call and waits until glintd reports it running: name's only
 * VM busy (/metrics), however long that takes on this host. */
static void bg_start(struct bg_call *b, struct glintd_proc *g, const char *name,
		     const char *input)
{
	char busy[128];

	b->g = g;
	b->name = name;
	b->input = input;
	ck_assert_int_eq(pthread_create(&b->thread, NULL, bg_run, b), 0);
	snprintf(busy, sizeof(busy),
		 "glint_pool_vms{function=\"%s\",state=\"busy\"}", name);
	ck_assert_msg(harness_wait_metric(g, busy, 1, 60000) == 0,
		      "the call on %s never started", name);
}

START_TEST(queue_full_429_retry_after)
{
	struct bg_call slow = {0};
	struct http_resp r;
	char *ra;

	/* The slow call must outlive one request: its 10 s deadline is far
	 * above that on any host. */
	deploy(&daemon_g, "narrow", "tests/guests/spin.elf",
	       "max_concurrency=1&min_warm=1&queue_max=0&timeout_ms=10000",
	       201);
	bg_start(&slow, &daemon_g, "narrow", "100000000000000");
	invoke(&daemon_g, "narrow", "1", &r);
	assert_error(&r, 429, "queue_full", NULL);
	ra = http_resp_header(&r, "Retry-After");
	ck_assert_ptr_nonnull(ra);
	ck_assert_int_ge(atoi(ra), 1);
	free(ra);
	http_resp_free(&r);
	pthread_join(slow.thread, NULL);
	ck_assert_int_eq(slow.rc, 0);
	assert_error(&slow.r, 504, "deadline_exceeded", NULL);
	http_resp_free(&slow.r);
}
END_TEST

struct stream {
	struct glintd_proc *g;
	int stop;  /* atomic: set by the test */
	int calls; /* atomic: read by the test while the stream runs */
	int failures;
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
		if (harness_request_on(c, s->g, "POST", "/invoke/stream", in,
				       strlen(in), &r) != 0) {
			s->failures++;
			continue;
		}
		__atomic_add_fetch(&s->calls, 1, __ATOMIC_RELEASE);
		if (r.status != 200 || strcmp(r.body, in) != 0) {
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
		ck_assert_msg(ms < 60000,
			      "the stream made no progress: %d calls",
			      __atomic_load_n(&s->calls, __ATOMIC_ACQUIRE));
		usleep(1000);
	}
}

START_TEST(redeploy_under_load_no_failures)
{
	struct stream s = {.g = &daemon_g};
	pthread_t t;

	deploy(&daemon_g, "stream", "guest/examples/echo.elf", "", 201);
	ck_assert_int_eq(pthread_create(&t, NULL, stream_run, &s), 0);
	/* Calls before, between and after the redeploys: counted, not timed. */
	stream_wait(&s, 5);
	for (int i = 0; i < 3; i++) {
		deploy(&daemon_g, "stream", "guest/examples/echo.elf",
		       i % 2 ? "min_warm=2" : "min_warm=1", 201);
		stream_wait(&s, 3);
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_int_gt(s.calls, 10);
	ck_assert_msg(s.failures == 0, "%d of %d calls failed (last %ld)",
		      s.failures, s.calls, s.last_bad);
}
END_TEST

START_TEST(shutdown_finishes_in_flight_and_503s)
{
	struct glintd_proc g;
	struct bg_call slow = {0};
	struct http_resp r;
	CURL *keep = curl_easy_init();
	int rc, st;

	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	/* The call in flight must outlive the requests below: 10 s (and the
	 * 10 s shutdown grace) are far above them on any host. */
	deploy(&g, "spin", "tests/guests/spin.elf", "timeout_ms=10000", 201);
	/* A kept-alive connection can still ask once the listener closed. */
	ck_assert_int_eq(
		harness_request_on(keep, &g, "GET", "/healthz", NULL, 0, &r),
		0);
	http_resp_free(&r);
	bg_start(&slow, &g, "spin", "100000000000000");
	kill(g.pid, SIGTERM);
	/* The signal is handled on glintd's loop: ask until it has been. */
	for (int ms = 0;; ms += 10) {
		ck_assert_int_eq(harness_request_on(keep, &g, "GET", "/readyz",
						    NULL, 0, &r),
				 0);
		if (r.status != 200 || ms >= 60000)
			break;
		http_resp_free(&r);
		usleep(10000);
	}
	assert_error(&r, 503, "unavailable", NULL);
	http_resp_free(&r);
	ck_assert_int_eq(harness_request_on(keep, &g, "POST", "/invoke/spin",
					    "1", 1, &r),
			 0);
	assert_error(&r, 503, "unavailable", NULL);
	http_resp_free(&r);
	pthread_join(slow.thread, NULL);
	ck_assert_int_eq(slow.rc, 0);
	/* The call in flight got its own answer, not a dropped connection. */
	ck_assert_msg(slow.r.status == 504 || slow.r.status == 503,
		      "in-flight call: %ld %s", slow.r.status, slow.r.body);
	http_resp_free(&slow.r);
	curl_easy_cleanup(keep);
	st = harness_stop(&g, 60000);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "exit status %d", st);
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e-guests");
	TCase *tc = tcase_create("guests"), *life = tcase_create("shutdown");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hello_json);
	tcase_add_test(tc, function_error_500_with_message);
	tcase_add_test(tc, deadline_504);
	tcase_add_test(tc, call_context_fresh_every_call);
	tcase_add_test(tc, crash_and_abort_502);
	tcase_add_test(tc, queue_full_429_retry_after);
	tcase_add_test(tc, redeploy_under_load_no_failures);
	tcase_add_test(tc, init_failure_422_keeps_old_version);
	suite_add_tcase(s, tc);
	tcase_set_timeout(life, 120);
	tcase_add_test(life, shutdown_finishes_in_flight_and_503s);
	suite_add_tcase(s, life);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
