/* test_budgets.c: global budgets: deploys that cannot fit are refused by name, stored state can never take glintd down. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* Writes json to a fresh file; returns its path (static per slot). */
static const char *config_file(int slot, const char *json)
{
	static char paths[4][64];
	char *p = paths[slot];
	FILE *f;
	int fd;

	snprintf(p, sizeof(paths[0]), "/tmp/glint-budget-XXXXXX");
	fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json, f);
	fclose(f);
	return p;
}

static void start_with(struct glintd_proc *g, const char *json)
{
	const char *argv[] = {"--config", config_file(0, json), NULL};
	int rc = harness_start(g, argv);

	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	unlink(argv[1]);
}

static void restart_with(struct glintd_proc *g, const char *json)
{
	const char *argv[] = {"--config", config_file(1, json), NULL};
	int rc;

	ck_assert_int_ge(harness_stop(g, 20000), 0);
	rc = json ? harness_restart(g, argv) : harness_restart(g, NULL);
	ck_assert_msg(rc == 0, "restart: %s", strerror(-rc));
	unlink(argv[1]);
}

static void expect_status(const struct glintd_proc *g, const char *method,
			  const char *path, long status)
{
	struct http_resp r;

	ck_assert_int_eq(harness_request(g, method, path, NULL, 0, &r), 0);
	ck_assert_msg(r.status == status, "%s %s: %ld %s", method, path,
		      r.status, r.body);
	http_resp_free(&r);
}

static void echo_works(const struct glintd_proc *g, const char *name)
{
	struct http_resp r;

	robust_invoke(g, name, "budget", 6, &r);
	ck_assert_msg(r.status == 200, "invoke %s: %ld %s", name, r.status,
		      r.body);
	ck_assert_str_eq(r.body, "budget");
	http_resp_free(&r);
}

static void deploy_refused(const struct glintd_proc *g, const char *name,
			   const char *query, const char *in_message)
{
	struct http_resp r;

	ck_assert_int_eq(
		harness_deploy(g, name,
			       harness_built("guest/examples/echo.elf"), query,
			       &r),
		0);
	robust_assert_error(&r, 507, "budget_exceeded", in_message);
	http_resp_free(&r);
}

/* min_warm of name from GET /functions/name. */
static long min_warm_of(const struct glintd_proc *g, const char *name)
{
	char path[128];
	struct http_resp r;
	json_t *j;
	long v;

	snprintf(path, sizeof(path), "/functions/%s", name);
	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	v = (long)json_integer_value(json_object_get(j, "min_warm"));
	json_decref(j);
	http_resp_free(&r);
	return v;
}

/* 1 when this run's log (after a restart: since it) contains text. */
static int log_has(const struct glintd_proc *g, const char *text)
{
	size_t len;
	char *log = harness_read_file(g->log_path, &len);
	int found;

	ck_assert_ptr_nonnull(log);
	found = len > g->log_skip && strstr(log + g->log_skip, text) != NULL;
	free(log);
	return found;
}

START_TEST(huge_min_warm_refused_by_name_daemon_keeps_serving)
{
	struct glintd_proc g;

	start_with(&g, "{\"max_vms\": 40}");
	deploy_refused(&g, "echo", "min_warm=1000&max_concurrency=1000",
		       "max_warm_vms 20");
	expect_status(&g, "GET", "/healthz", 200);
	expect_status(&g, "GET", "/functions/echo", 404);
	robust_deploy(&g, "echo", "guest/examples/echo.elf",
		      "min_warm=20&max_concurrency=40", 201);
	echo_works(&g, "echo");
	/* Every warm VM is held: a second function has no room left. */
	deploy_refused(&g, "other", "min_warm=1", "max_warm_vms 20");
	expect_status(&g, "DELETE", "/functions/echo", 204);
	expect_status(&g, "GET", "/healthz", 200);
	robust_deploy(&g, "other", "guest/examples/echo.elf", "min_warm=1",
		      201);
	echo_works(&g, "other");
	harness_cleanup(&g);
}
END_TEST

START_TEST(max_functions_refused_by_name)
{
	struct glintd_proc g;
	char name[16];

	start_with(&g, "{\"max_functions\": 3}");
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		robust_deploy(&g, name, "guest/examples/echo.elf", "", 201);
	}
	deploy_refused(&g, "fn3", "", "max_functions is 3");
	/* A new version of a deployed function is no new function. */
	robust_deploy(&g, "fn1", "guest/examples/echo.elf", "min_warm=2", 201);
	expect_status(&g, "DELETE", "/functions/fn0", 204);
	robust_deploy(&g, "fn3", "guest/examples/echo.elf", "", 201);
	echo_works(&g, "fn3");
	harness_cleanup(&g);
}
END_TEST

START_TEST(memory_budget_refused_by_name)
{
	struct glintd_proc g;

	start_with(&g, "{\"memory_budget_mb\": 100}");
	/* A snapshot and one VM of 64 MiB: 128 MiB. */
	deploy_refused(&g, "big", "memory_mb=64", "memory_budget_mb 100");
	robust_deploy(&g, "a", "guest/examples/echo.elf",
		      "memory_mb=16&min_warm=1", 201); /* 32 MiB */
	robust_deploy(&g, "b", "guest/examples/echo.elf",
		      "memory_mb=16&min_warm=3", 201); /* 64 MiB */
	deploy_refused(&g, "c", "memory_mb=16&min_warm=1",
		       "memory_budget_mb 100");
	echo_works(&g, "a");
	echo_works(&g, "b");
	harness_cleanup(&g);
}
END_TEST

START_TEST(restart_over_memory_budget_serves_the_rest)
{
	struct glintd_proc g;

	start_with(&g, "{}");
	robust_deploy(&g, "big", "guest/examples/echo.elf",
		      "memory_mb=64&min_warm=4", 201);
	robust_deploy(&g, "small", "guest/examples/echo.elf", "memory_mb=16",
		      201);
	/* big needs 128 MiB even with one VM: not loaded, file kept. */
	restart_with(&g, "{\"memory_budget_mb\": 100}");
	expect_status(&g, "GET", "/readyz", 200);
	expect_status(&g, "GET", "/functions/big", 404);
	echo_works(&g, "small");
	ck_assert(log_has(&g, "not loaded, its file is kept"));
	/* Room for the snapshot and two warm VMs: min_warm lowered. */
	restart_with(&g, "{\"memory_budget_mb\": 260}");
	ck_assert_int_eq(min_warm_of(&g, "big"), 2);
	ck_assert(log_has(&g, "big loaded with min_warm 2 instead of 4"));
	echo_works(&g, "big");
	echo_works(&g, "small");
	restart_with(&g, "{}");
	ck_assert_int_eq(min_warm_of(&g, "big"), 4);
	harness_cleanup(&g);
}
END_TEST

/* n connections open at once, each answered. */
static void connections_served(const struct glintd_proc *g, int n)
{
	CURL *conns[64];
	struct http_resp r;

	ck_assert_int_le(n, 64);
	for (int i = 0; i < n; i++) {
		conns[i] = curl_easy_init();
		ck_assert_int_eq(harness_request_on(conns[i], g, "GET",
						    "/healthz", NULL, 0, &r),
				 0);
		ck_assert_int_eq(r.status, 200);
		http_resp_free(&r);
	}
	for (int i = 0; i < n; i++)
		curl_easy_cleanup(conns[i]);
}

/* The failure this budget exists for: a stored function whose warm VMs
 * need more descriptors than RLIMIT_NOFILE allows. */
START_TEST(restart_under_small_fd_limit_serves)
{
	struct rlimit rl = {256, 256};
	struct glintd_proc g;
	long warm;

	start_with(&g, "{}");
	robust_deploy(&g, "many", "guest/examples/echo.elf",
		      "min_warm=200&max_concurrency=200", 201);
	/* Check runs each test in its own process: the limit stays here
	 * and is inherited by the restarted glintd. */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	restart_with(&g, "{}");
	expect_status(&g, "GET", "/readyz", 200);
	warm = min_warm_of(&g, "many");
	ck_assert_msg(warm >= 1 && warm < 200, "min_warm %ld", warm);
	ck_assert(log_has(&g, "many loaded with min_warm"));
	echo_works(&g, "many");
	/* The VMs left descriptors for clients. */
	connections_served(&g, 40);
	deploy_refused(&g, "more", "min_warm=200&max_concurrency=200",
		       "max_warm_vms");
	expect_status(&g, "DELETE", "/functions/many", 204);
	expect_status(&g, "GET", "/healthz", 200);
	robust_deploy(&g, "more", "guest/examples/echo.elf", "", 201);
	echo_works(&g, "more");
	harness_cleanup(&g);
}
END_TEST

struct bg_spin {
	const struct glintd_proc *g;
	pthread_t thread;
	struct http_resp r;
	int rc;
};

static void *bg_spin_run(void *arg)
{
	struct bg_spin *b = arg;
	const char *forever = "100000000000000";

	b->rc = harness_request(b->g, "POST", "/invoke/spin", forever,
				strlen(forever), &b->r);
	return NULL;
}

static long pool_field(const struct glintd_proc *g, const char *name,
		       const char *key)
{
	char path[128];
	struct http_resp r;
	json_t *j;
	long v;

	snprintf(path, sizeof(path), "/functions/%s", name);
	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	v = (long)json_integer_value(
		json_object_get(json_object_get(j, "pool"), key));
	json_decref(j);
	http_resp_free(&r);
	return v;
}

/* A pool stops growing at max_vms; a call with no VM and no queue room is
 * refused with the budget named, and the daemon keeps serving. */
START_TEST(pool_growth_stops_at_max_vms)
{
	struct bg_spin bg[3];
	struct glintd_proc g;
	struct http_resp r;
	const char *forever = "100000000000000";

	/* spin may hold one of the two workers: echo always has the other,
	 * whatever spin's calls do. */
	start_with(&g, "{\"max_vms\": 4, \"function_workers_max\": 1, "
		       "\"workers\": 2}");
	robust_deploy(&g, "echo", "guest/examples/echo.elf", "", 201);
	/* The three spinners must be there at once, however slowly the host
	 * starts them: a deadline far above that, and the two waiting for
	 * spin's worker wait longer than all three run. Two of them wait for
	 * the worker with a VM each, and a waiter whose VM is ready counts
	 * against queue_max: with less than 2, the third is refused when the
	 * second's VM is ready before it arrives. */
	robust_deploy(&g, "spin", "tests/guests/spin.elf",
		      "max_concurrency=8&queue_max=2&timeout_ms=10000&"
		      "queue_timeout_ms=60000",
		      201);
	memset(bg, 0, sizeof(bg));
	for (int i = 0; i < 3; i++) {
		bg[i].g = &g;
		ck_assert_int_eq(pthread_create(&bg[i].thread, NULL,
						bg_spin_run, &bg[i]),
				 0);
	}
	/* Until the three are in and their VMs made: a VM still in creation
	 * would let a fourth call queue for it. */
	for (int i = 0; i < 3000; i++) {
		if (pool_field(&g, "spin", "busy") +
				    pool_field(&g, "spin", "queued") >=
			    3 &&
		    pool_field(&g, "spin", "creating") == 0)
			break;
		usleep(10000);
	}
	ck_assert_int_eq(pool_field(&g, "spin", "busy") +
				 pool_field(&g, "spin", "queued"),
			 3);
	ck_assert_int_eq(pool_field(&g, "spin", "total"), 3);
	/* echo's VM and spin's three: the budget is spent, and the queue is
	 * full. */
	ck_assert_int_eq(harness_request(&g, "POST", "/invoke/spin", forever,
					 strlen(forever), &r),
			 0);
	robust_assert_error(&r, 429, "queue_full", "budget max_vms");
	http_resp_free(&r);
	ck_assert_int_le(pool_field(&g, "spin", "total"), 3);
	echo_works(&g, "echo");
	for (int i = 0; i < 3; i++) {
		pthread_join(bg[i].thread, NULL);
		ck_assert_int_eq(bg[i].rc, 0);
		robust_assert_error(&bg[i].r, 504, "deadline_exceeded", NULL);
		http_resp_free(&bg[i].r);
	}
	harness_cleanup(&g);
}
END_TEST

/* glintd's anonymous memory in KiB (smaps_rollup). */
static long anon_kb(const struct glintd_proc *g)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)g->pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			break;
	fclose(f);
	ck_assert_int_ge(kb, 0);
	return kb;
}

/* The value of one sample line of GET /metrics, or -1. */
static double metric(const struct glintd_proc *g, const char *sample)
{
	struct http_resp r;
	double v = -1;
	char *p;

	ck_assert_int_eq(harness_request(g, "GET", "/metrics", NULL, 0, &r), 0);
	p = strstr(r.body, sample);
	if (p && p[strlen(sample)] == ' ')
		v = strtod(p + strlen(sample) + 1, NULL);
	http_resp_free(&r);
	return v;
}

#define DIRTY_SUM "glint_restore_dirty_pages_sum{function=\"heavy\"}"

static void heavy_call(const struct glintd_proc *g)
{
	struct http_resp r;

	robust_invoke(g, "heavy", "1024", 4, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, "1024");
	http_resp_free(&r);
}

/* Pages a restore copies back stay private to the VM: after calls that
 * wrote 4 MiB the VM holds them; once idle it must give them back. */
START_TEST(heavy_vm_returns_its_memory_when_idle)
{
	struct glintd_proc g;
	long base, now = 0;

	start_with(&g, "{}");
	robust_deploy(&g, "heavy", "tests/guests/dirty.elf",
		      "memory_mb=32&min_warm=1&max_concurrency=1", 201);
	base = anon_kb(&g);
	/* 1024 of 8192 pages, above the whole-copy threshold: the restores
	 * copy back, and so make private, every page the calls wrote. */
	for (int i = 0; i < 3; i++)
		heavy_call(&g);
	/* The restore runs after the response is sent: wait for the third
	 * one to be recorded (a minute's cap, however slow the host). */
	for (int i = 0; i < 6000 && metric(&g, DIRTY_SUM) < 3 * 1024; i++)
		usleep(10000);
	ck_assert_double_ge(metric(&g, DIRTY_SUM), 3 * 1024);
	for (int i = 0; i < 3000; i++) {
		now = anon_kb(&g);
		if (now < base + 2 * 1024)
			break;
		usleep(10000);
	}
	ck_assert_msg(now < base + 2 * 1024,
		      "glintd holds %ld KiB anonymous memory, %ld before the "
		      "heavy calls",
		      now, base);
	heavy_call(&g);
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust-budgets");
	TCase *tc = tcase_create("budgets");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, huge_min_warm_refused_by_name_daemon_keeps_serving);
	tcase_add_test(tc, max_functions_refused_by_name);
	tcase_add_test(tc, memory_budget_refused_by_name);
	tcase_add_test(tc, restart_over_memory_budget_serves_the_rest);
	tcase_add_test(tc, restart_under_small_fd_limit_serves);
	tcase_add_test(tc, pool_growth_stops_at_max_vms);
	tcase_add_test(tc, heavy_vm_returns_its_memory_when_idle);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
