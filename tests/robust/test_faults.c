/* test_faults.c: glintd under host faults: a full state directory, no usable /dev/kvm, an exhausted pool and queue. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* Set in main: this process has a private mount namespace, so the tmpfs
 * and bind mounts below vanish with it and nobody else sees them. */
static int have_mount_ns;

/* Fills the file system holding dir; returns the filler's path. */
static void fill_up(const char *dir, char *path, size_t cap)
{
	static char block[4096];
	int fd;

	snprintf(path, cap, "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	/* A page-sized write can fail while a few bytes still fit. */
	while (write(fd, block, 1) > 0)
		;
	close(fd);
}

START_TEST(full_state_dir_507_old_functions_kept)
{
	struct glintd_proc g;
	struct http_resp r;
	char filler[512];
	int rc;

	if (!have_mount_ns) {
		fprintf(stderr, "SKIP full_state_dir: no private mount "
				"namespace (needs root / CAP_SYS_ADMIN)\n");
		return;
	}
	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	harness_stop(&g, 5000);
	ck_assert_msg(
		mount("glint-small", g.state_dir, "tmpfs", 0, "size=512k") == 0,
		"mount tmpfs: %s", strerror(errno));
	rc = harness_restart(&g, NULL);
	ck_assert_msg(rc == 0, "restart: %s", strerror(-rc));
	robust_deploy(&g, "keep", "guest/examples/echo.elf", "", 201);
	fill_up(g.state_dir, filler, sizeof(filler));
	/* A new function and a redeploy both fail cleanly. */
	ck_assert_int_eq(
		harness_deploy(&g, "extra",
			       harness_built("guest/examples/hello.elf"), "",
			       &r),
		0);
	robust_assert_error(&r, 507, "insufficient_storage", "No space left");
	http_resp_free(&r);
	ck_assert_int_eq(
		harness_deploy(&g, "keep",
			       harness_built("guest/examples/hello.elf"), "",
			       &r),
		0);
	robust_assert_error(&r, 507, "insufficient_storage", NULL);
	http_resp_free(&r);
	robust_invoke(&g, "keep", "still", 5, &r);
	ck_assert_msg(r.status == 200 && strcmp(r.body, "still") == 0, "%ld %s",
		      r.status, r.body);
	http_resp_free(&r);
	robust_invoke(&g, "extra", "x", 1, &r);
	robust_assert_error(&r, 404, "function_not_found", NULL);
	http_resp_free(&r);
	/* Nothing on disk was damaged: a restart serves the old version. */
	harness_stop(&g, 5000);
	rc = harness_restart(&g, NULL);
	if (rc)
		harness_dump_log(&g);
	ck_assert_msg(rc == 0, "restart on a full disk: %s", strerror(-rc));
	robust_invoke(&g, "keep", "again", 5, &r);
	ck_assert_msg(r.status == 200 && strcmp(r.body, "again") == 0, "%ld %s",
		      r.status, r.body);
	http_resp_free(&r);
	/* Space back: deploys work again. */
	ck_assert_int_eq(unlink(filler), 0);
	robust_deploy(&g, "extra", "guest/examples/hello.elf", "", 201);
	harness_stop(&g, 5000);
	umount2(g.state_dir, MNT_DETACH);
	harness_cleanup(&g);
}
END_TEST

/* Runs glintd with /dev/kvm replaced in a child mount namespace; returns
 * its wait status and its stderr in log. */
static int run_without_kvm(const char *how, char *log, size_t cap)
{
	char dir[] = "/tmp/glint-nokvm-XXXXXX", state[64], logp[64];
	const char *glintd = harness_built("glintd");
	int pipefd, st = -1;
	size_t n;
	FILE *f;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(logp, sizeof(logp), "%s/log", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int rc = unshare(CLONE_NEWNS);

		if (rc == 0)
			rc = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (rc == 0 && strcmp(how, "null") == 0)
			rc = mount("/dev/null", "/dev/kvm", NULL, MS_BIND,
				   NULL);
		else if (rc == 0)
			rc = mount("glint-nodev", "/dev", "tmpfs", 0, NULL);
		if (rc != 0)
			_exit(99);
		pipefd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(pipefd, 2);
		alarm(20); /* never hang the test */
		execl(glintd, glintd, "--no-config", "--listen", "127.0.0.1:0",
		      "--state-dir", state, (char *)NULL);
		_exit(98);
	}
	waitpid(pid, &st, 0);
	f = fopen(logp, "r");
	n = f ? fread(log, 1, cap - 1, f) : 0;
	log[n] = '\0';
	if (f)
		fclose(f);
	unlink(logp);
	rmdir(state);
	rmdir(dir);
	return st;
}

START_TEST(unusable_dev_kvm_is_a_clear_error)
{
	static const char *const hows[] = {"null", "missing"};
	char log[4096];
	int st;

	if (!have_mount_ns) {
		fprintf(stderr, "SKIP unusable_dev_kvm: no mount namespaces\n");
		return;
	}
	for (int i = 0; i < 2; i++) {
		st = run_without_kvm(hows[i], log, sizeof(log));
		ck_assert_msg(!(WIFEXITED(st) && WEXITSTATUS(st) == 99),
			      "could not set up the namespace");
		/* An orderly exit with a status, not a signal or a hang. */
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0,
			      "%s /dev/kvm: wait status %#x; log: %s", hows[i],
			      st, log);
		ck_assert_msg(strstr(log, "KVM is not usable") &&
				      strstr(log, "/dev/kvm"),
			      "%s /dev/kvm: unclear message: %s", hows[i], log);
	}
	ck_assert_ptr_nonnull(strstr(log, "No such file or directory"));
}
END_TEST

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
	/* Private mounts for this process and its children only. */
	have_mount_ns = unshare(CLONE_NEWNS) == 0 &&
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!have_mount_ns)
		fprintf(stderr,
			"no private mount namespace (%s): the "
			"full-disk and /dev/kvm cases are skipped\n",
			strerror(errno));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 50);
	tcase_add_test(tc, full_state_dir_507_old_functions_kept);
	tcase_add_test(tc, unusable_dev_kvm_is_a_clear_error);
	tcase_add_test(tc, pool_and_queue_full_429_then_recovery);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
