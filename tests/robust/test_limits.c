/* test_limits.c: what tenants can make the daemon keep: /metrics series (live functions only, capped, removed on delete), guest log lines (bounded per call, drops counted); state writable by others refused. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* glintd.conf keys; the chatty function takes one of the series. */
#define MAX_FNS 4
#define LOG_LINES_PER_CALL 100
#define LOG_LINES_PER_S 150

static struct glintd_proc daemon_g;
static char config_path[64];

static char *metrics_text(void)
{
	struct http_resp r;
	char *text;

	ck_assert_int_eq(
		harness_request(&daemon_g, "GET", "/metrics", NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	text = r.body;
	r.body = NULL;
	http_resp_free(&r);
	return text;
}

/* 1 when /metrics has a series labelled function="name". */
static int has_series(const char *name)
{
	char label[96];
	char *text = metrics_text();
	int found;

	snprintf(label, sizeof(label), "function=\"%s\"", name);
	found = strstr(text, label) != NULL;
	free(text);
	return found;
}

/* The value of the sample that starts with prefix, or -1. */
static long long sample(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	return p ? strtoll(p + strlen(prefix), NULL, 10) : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Polls /metrics until name's series is there (want 1) or gone (want 0);
 * removal follows the function's last VM, off the request path. */
static void wait_series(const char *name, int want)
{
	double t0 = now_s();

	while (has_series(name) != want) {
		ck_assert_msg(now_s() - t0 < 20, "series of %s still %s", name,
			      want ? "missing" : "present");
		nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
}

START_TEST(failed_deploys_leave_no_series)
{
	static const char junk[] = "not an ELF image";
	struct http_resp r;
	char path[64];

	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/functions/junk-%d", i);
		ck_assert_int_eq(harness_request(&daemon_g, "PUT", path, junk,
						 sizeof(junk) - 1, &r),
				 0);
		robust_assert_error(&r, 400, "invalid_image", NULL);
		http_resp_free(&r);
	}
	ck_assert_msg(!has_series("junk-0") && !has_series("junk-39"),
		      "a failed deploy left a series");
	ck_assert(has_series("chatty"));
}
END_TEST

/* Past metrics_max_functions, functions share the "(other)" series; a
 * deleted function's series go, and free a place for the next one. */
START_TEST(series_are_capped_and_removed_on_delete)
{
	char name[16], *text;
	struct http_resp r;

	for (int i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		robust_deploy(&daemon_g, name, "guest/examples/echo.elf", "",
			      201);
	}
	/* chatty, f1, f2, f3 have their own; f4 and f5 are "(other)". */
	ck_assert(has_series("f3") && !has_series("f4") && !has_series("f5"));
	robust_invoke(&daemon_g, "f4", "a", 1, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	robust_invoke(&daemon_g, "f5", "b", 1, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	text = metrics_text();
	ck_assert_int_eq(sample(text, "glint_invocations_total{function="
				      "\"(other)\",outcome=\"ok\"} "),
			 2);
	free(text);

	ck_assert_int_eq(harness_request(&daemon_g, "DELETE", "/functions/f1",
					 NULL, 0, &r),
			 0);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	wait_series("f1", 0);
	robust_deploy(&daemon_g, "f6", "guest/examples/echo.elf", "", 201);
	ck_assert(has_series("f6"));
}
END_TEST

/* Counts the log lines after skip that contain needle; sums the number
 * after sum_after in each when sum_after is not NULL. */
static unsigned count_lines(const char *log, const char *needle,
			    const char *sum_after, long long *sum)
{
	unsigned n = 0;

	for (const char *p = log; (p = strstr(p, needle)); p++) {
		const char *eol = strchr(p, '\n');
		const char *s = sum_after ? strstr(p, sum_after) : NULL;

		n++;
		if (s && (!eol || s < eol))
			*sum += strtoll(s + strlen(sum_after), NULL, 10);
	}
	return n;
}

/* A guest that fills its log buffer with one-character lines on every
 * call: the daemon logs at most the per-call limit of them and the
 * per-second limit over all calls, says once per call how many it dropped,
 * and counts the drops in /metrics. */
START_TEST(chatty_guest_log_is_bounded)
{
	enum { CALLS = 20 };
	struct stat st;
	struct http_resp r;
	size_t len, before;
	char *log, *text;
	unsigned lines, cuts;
	long long dropped = 0;
	double t0, secs;

	ck_assert_int_eq(stat(daemon_g.log_path, &st), 0);
	before = (size_t)st.st_size;
	t0 = now_s();
	for (int i = 0; i < CALLS; i++) {
		robust_invoke(&daemon_g, "chatty", "log-tiny", 8, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(r.body, "ok");
		http_resp_free(&r);
	}
	/* The calls touched at most this many of the daemon's one-second
	 * windows, however long they took. */
	secs = (double)(long)(now_s() - t0) + 2;
	log = harness_read_file(daemon_g.log_path, &len);
	ck_assert_ptr_nonnull(log);
	ck_assert_uint_ge(len, before);
	lines = count_lines(log + before, "function=chatty guest: x", NULL,
			    NULL);
	cuts = count_lines(log + before, "function=chatty guest log cut: ",
			   "guest log cut: ", &dropped);
	free(log);
	ck_assert_msg(lines >= 1 && lines <= CALLS * LOG_LINES_PER_CALL,
		      "%u guest lines logged for %d calls", lines, CALLS);
	ck_assert_msg(lines <= LOG_LINES_PER_S * secs,
		      "%u guest lines logged in under %.0f s", lines, secs);
	ck_assert_uint_eq(cuts, CALLS);
	ck_assert_msg(dropped > CALLS, "only %lld lines dropped", dropped);
	text = metrics_text();
	ck_assert_int_eq(sample(text, "glint_guest_log_dropped_total{"
				      "function=\"chatty\"} "),
			 dropped);
	free(text);
}
END_TEST

static int log_has(const struct glintd_proc *g, const char *needle)
{
	size_t len;
	char *log = harness_read_file(g->log_path, &len);
	int found;

	ck_assert_ptr_nonnull(log);
	found = strstr(log + (g->log_skip < len ? g->log_skip : len), needle) !=
		NULL;
	free(log);
	return found;
}

/* Whoever can write the state can make glintd run their image: a state
 * directory writable by others stops glintd at start, a stored function
 * writable by others is not loaded; both say why and what to do. */
START_TEST(state_writable_by_others_is_refused)
{
	const char *extra[] = {"--no-config", NULL};
	struct glintd_proc g;
	struct http_resp r;
	char file[400];

	ck_assert_int_eq(harness_start(&g, extra), 0);
	robust_deploy(&g, "kept", "guest/examples/echo.elf", "", 201);
	ck_assert_int_eq(harness_stop(&g, 10000), 0);

	snprintf(file, sizeof(file), "%s/kept.fn", g.state_dir);
	ck_assert_int_eq(chmod(file, 0666), 0);
	ck_assert_int_eq(harness_restart(&g, extra), 0);
	ck_assert_int_eq(
		harness_request(&g, "GET", "/functions/kept", NULL, 0, &r), 0);
	robust_assert_error(&r, 404, "function_not_found", NULL);
	http_resp_free(&r);
	ck_assert(log_has(&g, "skipping stored function kept: the file is "
			      "writable by other users"));
	ck_assert_int_eq(harness_stop(&g, 10000), 0);

	ck_assert_int_eq(chmod(file, 0600), 0);
	ck_assert_int_eq(chmod(g.state_dir, 0777), 0);
	ck_assert_int_ne(harness_restart(&g, extra), 0);
	ck_assert(log_has(&g, "is writable by other users (mode 0777): chmod "
			      "700 it"));

	ck_assert_int_eq(chmod(g.state_dir, 0700), 0);
	ck_assert_int_eq(harness_restart(&g, extra), 0);
	ck_assert_int_eq(
		harness_request(&g, "GET", "/functions/kept", NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	harness_cleanup(&g);
}
END_TEST

static long metrics_status(const struct glintd_proc *g, const char *token)
{
	char auth[128];
	struct http_resp r;
	long status;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;

	ck_assert_ptr_nonnull(c);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(NULL, auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	ck_assert_int_eq(
		harness_request_on(c, g, "GET", "/metrics", NULL, 0, &r), 0);
	status = r.status;
	if (token && status == 200)
		ck_assert_ptr_nonnull(
			strstr(r.body, "glint_invocations_total"));
	http_resp_free(&r);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* /metrics names every tenant's functions: with an admin token configured
 * it needs that token, unless metrics_public says otherwise. */
START_TEST(metrics_need_the_admin_token_when_one_is_set)
{
	static const char token[] = "metrics-test-token-0123456789";
	char tok_path[300], conf_path[300];
	const char *extra[] = {"--config", conf_path, NULL};
	struct glintd_proc g;
	FILE *f;

	ck_assert_int_eq(
		harness_start(&g, (const char *[]){"--no-config", NULL}), 0);
	ck_assert_int_eq(metrics_status(&g, NULL), 200); /* no token set */
	harness_stop(&g, 10000);
	snprintf(tok_path, sizeof(tok_path), "%s/admin.token", g.dir);
	snprintf(conf_path, sizeof(conf_path), "%s/glintd.conf", g.dir);
	f = fopen(tok_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", token);
	fclose(f);
	ck_assert_int_eq(chmod(tok_path, 0600), 0);
	f = fopen(conf_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"admin_token_file\": \"%s\"}\n", tok_path);
	fclose(f);
	ck_assert_int_eq(harness_restart(&g, extra), 0);
	ck_assert_int_eq(metrics_status(&g, NULL), 401);
	ck_assert_int_eq(metrics_status(&g, "wrong-token-0123456789"), 403);
	ck_assert_int_eq(metrics_status(&g, token), 200);
	harness_stop(&g, 10000);
	f = fopen(conf_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"admin_token_file\": \"%s\", \"metrics_public\": true}\n",
		tok_path);
	fclose(f);
	ck_assert_int_eq(harness_restart(&g, extra), 0);
	ck_assert_int_eq(metrics_status(&g, NULL), 200);
	harness_cleanup(&g);
}
END_TEST

static void daemon_up(void)
{
	const char *extra[] = {"--config", config_path, NULL};
	FILE *f;
	int fd, rc;

	snprintf(config_path, sizeof(config_path), "/tmp/glint-limits-XXXXXX");
	fd = mkstemp(config_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f,
		"{\"metrics_max_functions\": %d, "
		"\"guest_log_lines_per_call\": %d, "
		"\"guest_log_lines_per_second\": %d, \"log_level\": "
		"\"info\"}\n",
		MAX_FNS, LOG_LINES_PER_CALL, LOG_LINES_PER_S);
	fclose(f);
	rc = harness_start(&daemon_g, extra);
	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	robust_deploy(&daemon_g, "chatty", "tests/guests/hostile.elf", "", 201);
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
	unlink(config_path);
}

int main(void)
{
	Suite *s = suite_create("robust-limits");
	TCase *tc = tcase_create("limits");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, chatty_guest_log_is_bounded);
	tcase_add_test(tc, failed_deploys_leave_no_series);
	tcase_add_test(tc, series_are_capped_and_removed_on_delete);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, state_writable_by_others_is_refused);
	tcase_add_test(tc, metrics_need_the_admin_token_when_one_is_set);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
