/* test_faults_ns.c: glintd under host faults that need a private mount namespace: a full state directory, no usable /dev/kvm. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
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

	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	harness_stop(&g, 30000);
	ck_assert_msg(mount("glint-small", g.state_dir, "tmpfs", 0,
			    "size=512k,mode=0700") == 0,
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
	harness_stop(&g, 30000);
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
	harness_stop(&g, 30000);
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
		alarm(120); /* never hang the test */
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

int main(void)
{
	Suite *s = suite_create("robust-faults-ns");
	TCase *tc = tcase_create("faults-ns");
	char why[160];
	int failed;

	kvm_required();
	/* Private mounts for this process and its children only: the tmpfs
	 * and bind mounts of these tests vanish with it and nobody else sees
	 * them. Without one (needs root or CAP_SYS_ADMIN) nothing here can
	 * run: the whole binary is skipped. */
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		snprintf(why, sizeof(why), "no private mount namespace (%s)",
			 strerror(errno));
		test_skip(why, 0);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A hang detector, far above the work on a loaded host. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, full_state_dir_507_old_functions_kept);
	tcase_add_test(tc, unusable_dev_kvm_is_a_clear_error);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
