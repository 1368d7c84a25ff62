/* test_metrics.c: metrics rendering (counts, histogram buckets, escaping, promtool). */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "metrics.h"
#include "../check_run.h"

/* Value of the sample whose line starts with exactly `series `, or -1. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static char *render(struct metrics *m)
{
	size_t len = 0;
	char *s = metrics_render(m, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

START_TEST(counts_what_was_recorded)
{
	struct metrics *m;
	struct metrics_fn *f;
	char *s;

	ck_assert_int_eq(metrics_create(&m), 0);
	f = metrics_fn_get(m, "echo");
	ck_assert_ptr_eq(f, metrics_fn_get(m, "echo"));
	for (int i = 0; i < 3; i++)
		metrics_invocation_record(f, 1, "ok", 150000, 30000, 5000);
	metrics_invocation_record(f, 1, "deadline_exceeded", 2000000000, 1, 0);
	metrics_restore_record(f, 5, 10000);
	metrics_vm_created_inc(f);
	metrics_vm_created_inc(f);
	metrics_pool_set(f, 3, 1, 7);
	metrics_deploy_inc(m, "ok");
	metrics_http_inc(m, "invoke", 200);
	metrics_http_inc(m, "invoke", 200);
	metrics_http_inc(m, "invoke", 504);
	s = render(m);
	ck_assert_double_eq(sample(s,
				   "glint_invocations_total{function=\"echo\","
				   "outcome=\"ok\",version=\"1\"}"),
			    3);
	ck_assert_double_eq(sample(s,
				   "glint_invocations_total{function=\"echo\","
				   "outcome=\"deadline_exceeded\","
				   "version=\"1\"}"),
			    1);
	ck_assert_double_eq(sample(s, "glint_invocation_duration_seconds_count"
				      "{function=\"echo\"}"),
			    4);
	/* 150 µs lands in the 200 µs bucket, not the 100 µs one. */
	ck_assert_double_eq(sample(s, "glint_invocation_duration_seconds_bucket"
				      "{function=\"echo\",le=\"0.000100000\"}"),
			    0);
	ck_assert_double_eq(sample(s, "glint_invocation_duration_seconds_bucket"
				      "{function=\"echo\",le=\"0.000200000\"}"),
			    3);
	ck_assert_double_eq(
		sample(s, "glint_restore_dirty_pages_bucket{function=\"echo\","
			  "le=\"8\"}"),
		1);
	ck_assert_double_eq(
		sample(s, "glint_restores_total{function=\"echo\"}"), 1);
	ck_assert_double_eq(
		sample(s, "glint_vm_creations_total{function=\"echo\"}"), 2);
	ck_assert_double_eq(
		sample(s, "glint_pool_vms{function=\"echo\",state=\"ready\"}"),
		3);
	ck_assert_double_eq(sample(s, "glint_queue_depth{function=\"echo\"}"),
			    7);
	ck_assert_double_eq(sample(s, "glint_deploys_total{outcome=\"ok\"}"),
			    1);
	ck_assert_double_eq(sample(s, "glint_http_requests_total{route="
				      "\"invoke\",code=\"200\"}"),
			    2);
	ck_assert(sample(s, "process_resident_memory_bytes") > 0);
	ck_assert(sample(s, "process_open_fds") > 0);
	free(s);
	metrics_destroy(m);
}
END_TEST

START_TEST(buckets_are_cumulative)
{
	struct metrics *m;
	struct metrics_fn *f;
	const char *key = "glint_vm_run_duration_seconds_bucket{function=\"h\"";
	double prev = -1, v;
	char *s, *p;
	int n = 0;

	ck_assert_int_eq(metrics_create(&m), 0);
	f = metrics_fn_get(m, "h");
	for (uint64_t ns = 1000; ns < 100000000000ULL; ns = ns * 3 + 7)
		metrics_invocation_record(f, 1, "ok", ns, ns, ns);
	s = render(m);
	for (p = strstr(s, key); p; p = strstr(p + 1, key)) {
		v = strtod(strchr(p, '}') + 2, NULL);
		ck_assert(v >= prev);
		prev = v;
		n++;
	}
	ck_assert_int_ge(n, 19); /* 10 µs .. 10 s, 3 a decade, and +Inf */
	ck_assert_double_eq(
		prev,
		sample(s,
		       "glint_vm_run_duration_seconds_count{function=\"h\"}"));
	free(s);
	metrics_destroy(m);
}
END_TEST

START_TEST(label_values_escaped)
{
	struct metrics *m;
	char *s;

	ck_assert_int_eq(metrics_create(&m), 0);
	metrics_http_inc(m, "a\"b\\c\nd", 404);
	s = render(m);
	ck_assert_ptr_nonnull(
		strstr(s, "route=\"a\\\"b\\\\c\\nd\",code=\"404\"} 1\n"));
	free(s);
	metrics_destroy(m);
}
END_TEST

START_TEST(promtool_accepts_output)
{
	const char *promtool = getenv("PROMTOOL");
	struct metrics *m;
	struct metrics_fn *f;
	char cmd[512];
	FILE *p;
	char *s;
	int st;

	/* Required: a missing promtool fails (Debian package prometheus). */
	if (!promtool || !*promtool)
		promtool = "promtool";
	ck_assert_int_eq(metrics_create(&m), 0);
	f = metrics_fn_get(m, "echo");
	metrics_invocation_record(f, 1, "ok", 1000, 500, 100);
	metrics_restore_record(f, 3, 2000);
	metrics_fn_get(m, "other");
	metrics_deploy_inc(m, "invalid_image");
	metrics_http_inc(m, "metrics", 200);
	s = render(m);
	snprintf(cmd, sizeof(cmd), "'%s' check metrics", promtool);
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fputs(s, p);
	st = pclose(p);
	ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 127),
		      "promtool not found (Debian package prometheus)");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "promtool check metrics failed on:\n%s", s);
	free(s);
	metrics_destroy(m);
}
END_TEST

/* Reads a render to its end in pieces of at most piece bytes. */
static char *read_all(struct metrics_render *rs, size_t piece)
{
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);
	ssize_t n;

	ck_assert_ptr_nonnull(out);
	do {
		if (len + piece + 1 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		n = metrics_render_read(rs, out + len, piece);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_le((size_t)n, piece);
		len += (size_t)n;
	} while (n > 0);
	out[len] = '\0';
	return out;
}

/* Pieces of any size add up to the whole text; a function forgotten
 * mid-render is still in that render and gone from the next. */
START_TEST(render_in_pieces_and_forget)
{
	struct metrics *m;
	struct metrics_fn *f[50];
	struct metrics_render *rs;
	char name[16], *whole, *pieces;

	ck_assert_int_eq(metrics_create(&m), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		f[i] = metrics_fn_get(m, name);
		metrics_invocation_record(f[i], 1, "ok", 1000u * (unsigned)i, 1,
					  1);
	}
	whole = render(m);
	rs = metrics_render_begin(m);
	pieces = read_all(rs, 7);
	metrics_render_end(rs);
	/* process_* may differ between two renders: compare up to them. */
	*strstr(whole, "# HELP process_") = '\0';
	*strstr(pieces, "# HELP process_") = '\0';
	ck_assert_str_eq(pieces, whole);
	free(pieces);

	rs = metrics_render_begin(m);
	metrics_fn_forget(m, f[10]);
	pieces = read_all(rs, 4096);
	metrics_render_end(rs);
	ck_assert_ptr_nonnull(strstr(pieces, "function=\"fn10\""));
	free(pieces);
	pieces = render(m);
	ck_assert_ptr_null(strstr(pieces, "function=\"fn10\""));
	ck_assert_ptr_nonnull(strstr(pieces, "function=\"fn11\""));
	free(pieces);
	free(whole);
	metrics_destroy(m);
}
END_TEST

/* Past the cap, functions share one "(other)" series; forgetting one of
 * the capped ones makes room again. */
/* Calls are told apart by the version that served them; a version that
 * went live shows ok 0 before its first call; the oldest of five versions
 * gives up its series. */
START_TEST(invocations_carry_the_version)
{
	struct metrics *m;
	struct metrics_fn *f;
	char *s;

	ck_assert_int_eq(metrics_create(&m), 0);
	f = metrics_fn_get(m, "v");
	metrics_fn_version_live(f, 1);
	s = render(m);
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"ok\",version=\"1\"}") == 0);
	ck_assert_ptr_null(strstr(s, "glint_invocations_total{function=\"v\","
				     "outcome=\"ok\"}"));
	free(s);
	metrics_invocation_record(f, 1, "ok", 1, 1, 1);
	metrics_invocation_record(f, 1, "ok", 1, 1, 1);
	metrics_invocation_record(f, 2, "ok", 1, 1, 1);
	metrics_invocation_record(f, 2, "function_error", 1, 1, 1);
	s = render(m);
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"ok\",version=\"1\"}") == 2);
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"ok\",version=\"2\"}") == 1);
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"function_error\",version=\"2\"}") == 1);
	ck_assert_ptr_null(strstr(s, "outcome=\"function_error\","
				     "version=\"1\""));
	free(s);
	for (uint32_t v = 3; v <= 5; v++)
		metrics_fn_version_live(f, v);
	s = render(m);
	ck_assert_ptr_null(strstr(s, "version=\"1\""));
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"ok\",version=\"2\"}") == 1);
	ck_assert(sample(s, "glint_invocations_total{function=\"v\","
			    "outcome=\"ok\",version=\"5\"}") == 0);
	free(s);
	metrics_destroy(m);
}
END_TEST

START_TEST(function_series_are_capped)
{
	struct metrics *m;
	struct metrics_fn *a, *b, *c, *d;
	char *s;

	ck_assert_int_eq(metrics_create(&m), 0);
	metrics_set_max_functions(m, 2);
	a = metrics_fn_get(m, "a");
	b = metrics_fn_get(m, "b");
	c = metrics_fn_get(m, "c");
	d = metrics_fn_get(m, "d");
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(c, d);
	metrics_invocation_record(c, 1, "ok", 1, 1, 1);
	metrics_invocation_record(d, 1, "ok", 1, 1, 1);
	metrics_fn_forget(m, c); /* the shared series stays */
	s = render(m);
	ck_assert(sample(s, "glint_invocations_total{function=\"(other)\","
			    "outcome=\"ok\"}") == 2);
	ck_assert_ptr_null(strstr(s, "function=\"c\""));
	free(s);
	metrics_fn_forget(m, a);
	ck_assert_ptr_ne(metrics_fn_get(m, "e"), c);
	metrics_destroy(m);
}
END_TEST

/* A deleted function's series leave at once; what its last calls record
 * goes nowhere visible, and a new function of the name starts at zero. */
START_TEST(retired_series_leave_and_the_name_starts_again)
{
	const char *ok1 = "glint_invocations_total{function=\"r\","
			  "outcome=\"ok\",version=\"1\"}";
	struct metrics *m;
	struct metrics_fn *old, *cur;
	char *s;

	ck_assert_int_eq(metrics_create(&m), 0);
	metrics_set_max_functions(m, 1);
	old = metrics_fn_get(m, "r");
	metrics_invocation_record(old, 1, "ok", 1, 1, 1);
	metrics_fn_retire(m, old);
	metrics_invocation_record(old, 1, "ok", 1, 1, 1); /* a late call */
	metrics_vm_destroyed_inc(old);
	s = render(m);
	ck_assert_ptr_null(strstr(s, "function=\"r\""));
	free(s);
	/* Its slot under the cap is free again, and the name is new. */
	cur = metrics_fn_get(m, "r");
	ck_assert_ptr_ne(cur, old);
	metrics_fn_version_live(cur, 1);
	s = render(m);
	ck_assert(sample(s, ok1) == 0);
	ck_assert_ptr_null(strstr(s, "(other)"));
	free(s);
	metrics_invocation_record(cur, 1, "ok", 1, 1, 1);
	metrics_fn_forget_retired(m, "r"); /* frees old only */
	s = render(m);
	ck_assert(sample(s, ok1) == 1);
	free(s);
	metrics_destroy(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, counts_what_was_recorded);
	tcase_add_test(tc, buckets_are_cumulative);
	tcase_add_test(tc, label_values_escaped);
	tcase_add_test(tc, promtool_accepts_output);
	tcase_add_test(tc, render_in_pieces_and_forget);
	tcase_add_test(tc, function_series_are_capped);
	tcase_add_test(tc, retired_series_leave_and_the_name_starts_again);
	tcase_add_test(tc, invocations_carry_the_version);
	suite_add_tcase(s, tc);
	return check_run(s);
}
