/* test_fairness.c: one function spinning on all its VMs, or deploys whose init never ends, must not stall another function. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/*
 * Bounds here are relative to what the offender is allowed, never to this
 * host's speed: the spinner's calls last their whole 2000 ms deadline, a
 * never-ready init its whole 5000 ms init timeout. While the engine let one
 * function take every worker, the victim waited for those to end; with
 * shares it waits for at most a short job. Half the offender's time is a
 * bound no loaded host comes near for a 1 ms echo, yet one no victim can
 * meet while it really waits behind the offender.
 */
#define SPIN_TIMEOUT_MS 2000
#define SPINNERS 4 /* the spinner's max_concurrency: every VM it has */
#define INIT_TIMEOUT_MS 5000 /* vm_config_default's init_timeout_ms */
#define VICTIM_CALLS 40

static const char *const two_workers[] = {"--workers", "2", NULL};

struct spinner {
	const struct glintd_proc *g;
	pthread_t thread;
	volatile int stop;
	unsigned deadline_hits, other;
};

static void *spin_run(void *arg)
{
	struct spinner *s = arg;
	CURL *c = curl_easy_init();
	const char *forever = "100000000000000";
	struct http_resp r;

	while (!s->stop) {
		if (harness_request_on(c, s->g, "POST", "/invoke/spin", forever,
				       strlen(forever), &r) != 0) {
			s->other++;
			continue;
		}
		if (r.status == 504)
			s->deadline_hits++;
		else
			s->other++;
		http_resp_free(&r);
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorted latencies: percentile p (0..100), nearest rank. */
static double pct(double *ms, unsigned n, double p)
{
	unsigned k = (unsigned)(p / 100.0 * n + 0.999999);

	qsort(ms, n, sizeof(*ms), cmp_double);
	return ms[k ? k - 1 : 0];
}

/* One echo call on c; the answer must be the exact input. Returns ms. */
static double victim_call(CURL *c, const struct glintd_proc *g, unsigned i)
{
	struct http_resp r;
	char in[64];
	double ms;

	snprintf(in, sizeof(in), "victim call %u", i);
	ck_assert_int_eq(harness_request_on(c, g, "POST", "/invoke/echo", in,
					    strlen(in), &r),
			 0);
	ck_assert_msg(r.status == 200, "victim call %u: %ld %s", i, r.status,
		      r.body);
	ck_assert_str_eq(r.body, in);
	ms = r.total_s * 1000.0;
	http_resp_free(&r);
	return ms;
}

/* The pool of name from GET /functions/name: busy + queued. */
static long pool_load(const struct glintd_proc *g, const char *name)
{
	char path[128];
	struct http_resp r;
	json_t *j, *pool;
	long n = -1;

	snprintf(path, sizeof(path), "/functions/%s", name);
	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	j = json_loads(r.body, 0, NULL);
	pool = j ? json_object_get(j, "pool") : NULL;
	if (pool)
		n = (long)json_integer_value(json_object_get(pool, "busy")) +
		    (long)json_integer_value(json_object_get(pool, "queued"));
	json_decref(j);
	http_resp_free(&r);
	return n;
}

/* Polls until every spinner call is in the engine, running or queued. */
static void wait_spinning(const struct glintd_proc *g)
{
	for (int i = 0; i < 3000; i++) {
		if (pool_load(g, "spin") >= SPINNERS)
			return;
		usleep(10000);
	}
	ck_abort_msg("the spinner never had %d calls in the engine", SPINNERS);
}

START_TEST(spinner_leaves_other_functions_a_worker)
{
	struct spinner sp[SPINNERS];
	double alone[VICTIM_CALLS], beside[VICTIM_CALLS], a50, a99, b50, b99;
	struct glintd_proc g;
	CURL *c;
	int rc;

	rc = harness_start(&g, two_workers);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	robust_deploy(&g, "echo", "guest/examples/echo.elf", "min_warm=1", 201);
	robust_deploy(&g, "spin", "tests/guests/spin.elf",
		      "timeout_ms=2000&max_concurrency=4&min_warm=4&"
		      "queue_timeout_ms=60000",
		      201);
	c = curl_easy_init();
	for (unsigned i = 0; i < VICTIM_CALLS; i++)
		alone[i] = victim_call(c, &g, i);

	memset(sp, 0, sizeof(sp));
	for (int i = 0; i < SPINNERS; i++) {
		sp[i].g = &g;
		ck_assert_int_eq(
			pthread_create(&sp[i].thread, NULL, spin_run, &sp[i]),
			0);
	}
	wait_spinning(&g);
	for (unsigned i = 0; i < VICTIM_CALLS; i++)
		beside[i] = victim_call(c, &g, i);
	/* The spinner was still at it when the victim finished. */
	wait_spinning(&g);
	for (int i = 0; i < SPINNERS; i++)
		sp[i].stop = 1;
	for (int i = 0; i < SPINNERS; i++) {
		pthread_join(sp[i].thread, NULL);
		ck_assert_msg(sp[i].other == 0,
			      "spinner %d got %u answers other than 504", i,
			      sp[i].other);
	}
	curl_easy_cleanup(c);

	a50 = pct(alone, VICTIM_CALLS, 50);
	a99 = pct(alone, VICTIM_CALLS, 99);
	b50 = pct(beside, VICTIM_CALLS, 50);
	b99 = pct(beside, VICTIM_CALLS, 99);
	fprintf(stderr,
		"fairness: echo alone p50 %.2f ms p99 %.2f ms; beside a "
		"spinner on all its VMs p50 %.2f ms p99 %.2f ms\n",
		a50, a99, b50, b99);
	ck_assert_msg(b99 < SPIN_TIMEOUT_MS / 2.0,
		      "echo p99 %.1f ms beside the spinner: not below half "
		      "of its %d ms timeout",
		      b99, SPIN_TIMEOUT_MS);
	harness_cleanup(&g);
}
END_TEST

struct deployer {
	const struct glintd_proc *g;
	const char *name;
	pthread_t thread;
	struct http_resp r;
	int rc;
	volatile int done;
};

static void *deploy_run(void *arg)
{
	struct deployer *d = arg;

	d->rc = harness_deploy(d->g, d->name,
			       harness_built("tests/guests/noready.elf"), "",
			       &d->r);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(never_ready_deploys_leave_calls_a_worker)
{
	struct deployer dep[2] = {{.name = "noready-a"}, {.name = "noready-b"}};
	double lat[4096], p50, p99;
	struct glintd_proc g;
	unsigned n = 0;
	CURL *c;
	int rc;

	rc = harness_start(&g, two_workers);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	robust_deploy(&g, "echo", "guest/examples/echo.elf", "min_warm=1", 201);
	c = curl_easy_init();
	for (int i = 0; i < 2; i++) {
		dep[i].g = &g;
		ck_assert_int_eq(pthread_create(&dep[i].thread, NULL,
						deploy_run, &dep[i]),
				 0);
	}
	/* Calls for as long as a never-ready init holds a worker. */
	while (!__atomic_load_n(&dep[0].done, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&dep[1].done, __ATOMIC_ACQUIRE)) {
		double ms = victim_call(c, &g, n);

		if (n < sizeof(lat) / sizeof(lat[0]))
			lat[n++] = ms;
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(dep[i].thread, NULL);
		ck_assert_int_eq(dep[i].rc, 0);
		/* The offence happened: each init ran to its timeout. */
		robust_assert_error(&dep[i].r, 422, "init_failed",
				    "init did not finish");
		http_resp_free(&dep[i].r);
	}
	curl_easy_cleanup(c);
	ck_assert_uint_ge(n, 2);
	p50 = pct(lat, n, 50);
	p99 = pct(lat, n, 99);
	fprintf(stderr,
		"fairness: echo beside 2 never-ready deploys: %u calls, p50 "
		"%.2f ms p99 %.2f ms\n",
		n, p50, p99);
	ck_assert_msg(p99 < INIT_TIMEOUT_MS / 2.0,
		      "echo p99 %.1f ms beside never-ready deploys: not below "
		      "half of the %d ms init timeout",
		      p99, INIT_TIMEOUT_MS);
	harness_cleanup(&g);
}
END_TEST

/* Lines of this run's log that contain text. */
static unsigned log_count(const struct glintd_proc *g, const char *text)
{
	size_t len;
	char *log = harness_read_file(g->log_path, &len);
	unsigned n = 0;

	if (log == NULL)
		return 0;
	for (char *p = log + g->log_skip; (p = strstr(p, text)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* Shutdown with boots queued: the one booting finishes (it holds its
 * worker for at most the init timeout), the queued ones are refused at
 * once instead of each running its init, so stopping takes one init
 * timeout at most, not one per deploy. */
START_TEST(shutdown_drops_queued_boots_interrupts_running)
{
	struct deployer dep[3] = {{.name = "noready-a"},
				  {.name = "noready-b"},
				  {.name = "noready-c"}};
	unsigned refused = 0, interrupted = 0;
	struct glintd_proc g;
	int rc, status;

	rc = harness_start(&g, two_workers);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	for (int i = 0; i < 3; i++) {
		dep[i].g = &g;
		ck_assert_int_eq(pthread_create(&dep[i].thread, NULL,
						deploy_run, &dep[i]),
				 0);
	}
	for (int i = 0; i < 3000; i++) {
		if (log_count(&g, ": booting") >= 1 &&
		    log_count(&g, "waiting for a boot worker") >= 2)
			break;
		usleep(10000);
	}
	ck_assert_uint_eq(log_count(&g, "waiting for a boot worker"), 2);
	/* Well below systemd's 30 s stop timeout, and far above one init. */
	status = harness_stop(&g, 25000);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "glintd did not stop cleanly: status %d", status);
	for (int i = 0; i < 3; i++) {
		pthread_join(dep[i].thread, NULL);
		ck_assert_int_eq(dep[i].rc, 0);
		/* The queued boots are dropped; the running one's init
		 * (which never ends by itself) is interrupted. */
		robust_assert_error(&dep[i].r, 503, "unavailable",
				    "shutting down");
		refused++;
		if (strstr(dep[i].r.body, "init interrupted"))
			interrupted++;
		http_resp_free(&dep[i].r);
	}
	ck_assert_uint_eq(refused, 3);
	ck_assert_uint_eq(interrupted, 1);
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust-fairness");
	TCase *tc = tcase_create("fairness");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, spinner_leaves_other_functions_a_worker);
	tcase_add_test(tc, never_ready_deploys_leave_calls_a_worker);
	tcase_add_test(tc, shutdown_drops_queued_boots_interrupts_running);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
