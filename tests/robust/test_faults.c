/* test_faults.c: glintd under host faults: an exhausted pool and queue (the faults that need a mount namespace are in test_faults_ns.c). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* A call on its own thread. */
struct bg_call {
	pthread_t thread;
	const struct glintd_proc *g;
	const char *input;
	struct http_resp r;
	int rc;
};

static void *bg_run(void *opaque)
{
	struct bg_call *b = opaque;

	b->rc = harness_request(b->g, "POST", "/invoke/narrow", b->input,
				strlen(b->input), &b->r);
	return NULL;
}

/* Starts the call and waits until glintd's /metrics show series at want
 * (the call running, or queued), however long that takes on this host. */
static void bg_start(struct bg_call *b, const struct glintd_proc *g,
		     const char *input, const char *series, long want)
{
	b->g = g;
	b->input = input;
	ck_assert_int_eq(pthread_create(&b->thread, NULL, bg_run, b), 0);
	ck_assert_msg(harness_wait_metric(g, series, want, 60000) == 0,
		      "call %s: %s never reached %ld (now %ld)", input, series,
		      want, harness_metric(g, series));
}

START_TEST(pool_and_queue_full_429_then_recovery)
{
	struct glintd_proc g;
	struct bg_call slow = {0}, queued[2];
	struct robust_good echo;
	struct http_resp r;
	char *ra;
	int rc;

	memset(queued, 0, sizeof(queued));
	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	robust_deploy(&g, "echo", "guest/examples/echo.elf", "", 201);
	robust_deploy(&g, "narrow", "tests/guests/spin.elf",
		      "max_concurrency=1&min_warm=1&queue_max=2&"
		      "timeout_ms=10000&queue_timeout_ms=60000",
		      201);
	robust_good_start(&echo, &g, "echo", ROBUST_GOOD_ECHO);
	/* The slow call holds the only VM for its 10 s deadline, far above
	 * the few requests the full pool and queue must answer. */
	bg_start(&slow, &g, "100000000000000",
		 "glint_pool_vms{function=\"narrow\",state=\"busy\"}", 1);
	bg_start(&queued[0], &g, "1000",
		 "glint_queue_depth{function=\"narrow\"}", 1);
	bg_start(&queued[1], &g, "2000",
		 "glint_queue_depth{function=\"narrow\"}", 2);
	for (int i = 0; i < 3; i++) {
		robust_invoke(&g, "narrow", "1", 1, &r);
		robust_assert_error(&r, 429, "queue_full", NULL);
		ra = http_resp_header(&r, "Retry-After");
		ck_assert_ptr_nonnull(ra);
		ck_assert_int_ge(atoi(ra), 1);
		free(ra);
		http_resp_free(&r);
	}
	pthread_join(slow.thread, NULL);
	ck_assert_int_eq(slow.rc, 0);
	robust_assert_error(&slow.r, 504, "deadline_exceeded", NULL);
	http_resp_free(&slow.r);
	for (int i = 0; i < 2; i++) {
		pthread_join(queued[i].thread, NULL);
		ck_assert_int_eq(queued[i].rc, 0);
		ck_assert_int_eq(queued[i].r.status, 200);
		ck_assert_str_eq(queued[i].r.body, queued[i].input);
		http_resp_free(&queued[i].r);
	}
	/* Load gone: served again. */
	robust_invoke(&g, "narrow", "7", 1, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "7");
	http_resp_free(&r);
	robust_good_stop(&echo);
	harness_cleanup(&g);
}
END_TEST
int main(void)
{
	Suite *s = suite_create("robust-faults");
	TCase *tc = tcase_create("faults");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A hang detector, far above the work on a loaded host. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pool_and_queue_full_429_then_recovery);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
