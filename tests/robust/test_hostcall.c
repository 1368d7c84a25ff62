/* test_hostcall.c: host calls through the running glintd: answers, parking, deadlines, hostile requests, limits, metrics. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "robust_util.h"
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
	/* One VM: every call after a failure runs on the restored VM. */
	robust_deploy(&daemon_g, "hc", "tests/guests/hostcall.elf",
		      "timeout_ms=300&max_concurrency=1", 201);
	/* A deadline no host's speed reaches, for the 10000-call loop. */
	robust_deploy(&daemon_g, "hcloop", "tests/guests/hostcall.elf",
		      "timeout_ms=60000&max_concurrency=1", 201);
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

static void expect_body(const char *fn, const char *in, const char *want)
{
	struct http_resp r;

	robust_invoke(&daemon_g, fn, in, strlen(in), &r);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", fn, in, r.status,
		      r.body);
	ck_assert_str_eq(r.body, want);
	http_resp_free(&r);
}

static long hc_metric(const char *fn, const char *op, const char *outcome)
{
	char series[160];

	snprintf(series, sizeof(series),
		 "glint_hostcalls_total{function=\"%s\",op=\"%s\","
		 "outcome=\"%s\"}",
		 fn, op, outcome);
	return harness_metric(&daemon_g, series);
}

START_TEST(answers_and_deadline_while_parked)
{
	struct http_resp r;

	expect_body("hc", "noop", "noop=0");
	expect_body("hc", "sleep 10", "slept=0");
	/* Parked far beyond the deadline: 504, and the one VM serves the
	 * next call. */
	robust_invoke(&daemon_g, "hc", "sleep 20000", 11, &r);
	robust_assert_error(&r, 504, "deadline_exceeded",
			    "deadline of 300 ms exceeded");
	http_resp_free(&r);
	expect_body("hc", "noop", "noop=0");
	ck_assert_int_eq(hc_metric("hc", "sleep", "deadline"), 1);
	ck_assert_int_eq(hc_metric("hc", "sleep", "ok"), 1);
	ck_assert_int_eq(hc_metric("hc", "noop", "ok"), 2);
	ck_assert_int_eq(harness_metric(&daemon_g,
					"glint_hostcall_parked_seconds_count"
					"{function=\"hc\"}"),
			 2);
}
END_TEST

START_TEST(hostile_requests)
{
	static const struct {
		const char *mode, *text;
	} rows[] = {
		{"unknown-op", "unknown host call operation 999"},
		{"req-null", "request at 0x0 (8 bytes) is not memory"},
		{"req-huge", "(4611686018427387904 bytes)"},
		{"resp-text", "may write"},
		{"resp-sys", "response at 0x3ffffff0 (64 bytes)"},
		{"sleep-long", "60001 ms"},
	};
	struct http_resp r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		robust_invoke(&daemon_g, "hc", rows[i].mode,
			      strlen(rows[i].mode), &r);
		robust_assert_error(&r, 502, "guest_crashed", rows[i].text);
		http_resp_free(&r);
		expect_body("hc", "noop", "noop=0");
	}
}
END_TEST

START_TEST(limit_is_an_error_the_function_handles)
{
	expect_body("hcloop", "loop", "calls=10000 rc=-1");
	ck_assert_int_eq(hc_metric("hcloop", "noop", "limit"), 1);
	ck_assert_int_eq(hc_metric("hcloop", "noop", "ok"), 10000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hostcall");
	TCase *t = tcase_create("hostcall");

	tcase_add_checked_fixture(t, daemon_up, daemon_down);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, answers_and_deadline_while_parked);
	tcase_add_test(t, hostile_requests);
	tcase_add_test(t, limit_is_an_error_the_function_handles);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
