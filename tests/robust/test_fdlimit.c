/* test_fdlimit.c: glintd out of file descriptors: connections it cannot accept wait without the loop spinning, open ones are still answered, and all are served once descriptors are free. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* The window over which glintd's CPU time is measured while a connection
 * waits that it cannot accept, and the bound: a loop retrying accept
 * would use the window's whole length of CPU on an idle core, and a
 * large share of it on a loaded one; a waiting loop uses next to none. */
#define WINDOW_MS 2000
#define CPU_BOUND_MS (WINDOW_MS / 10)

static struct glintd_proc g;
static struct rlimit saved;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* glintd's CPU time so far (all threads), in milliseconds. */
static long cpu_ms(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)g.pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	/* after the comm: state, then 10 fields, then utime and stime */
	ck_assert_int_eq(sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %lu %lu",
				&ut, &st),
			 2);
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/* The lowest descriptor number glintd has free: as its soft limit, no
 * new descriptor can be opened. */
static rlim_t lowest_free_fd(void)
{
	char path[64];
	unsigned char used[4096] = {0};
	struct dirent *d;
	DIR *dir;
	rlim_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)g.pid);
	dir = opendir(path);
	ck_assert_ptr_nonnull(dir);
	while ((d = readdir(dir)) != NULL) {
		long fd = strtol(d->d_name, NULL, 10);

		if (d->d_name[0] != '.' && fd >= 0 && fd < 4096)
			used[fd] = 1;
	}
	closedir(dir);
	while (n < sizeof(used) && used[n])
		n++;
	return n;
}

static void starve(void)
{
	struct rlimit lim;

	ck_assert_int_eq(prlimit(g.pid, RLIMIT_NOFILE, NULL, &saved), 0);
	lim.rlim_cur = lowest_free_fd();
	lim.rlim_max = saved.rlim_max;
	ck_assert_int_eq(prlimit(g.pid, RLIMIT_NOFILE, &lim, NULL), 0);
}

static void unstarve(void)
{
	ck_assert_int_eq(prlimit(g.pid, RLIMIT_NOFILE, &saved, NULL), 0);
}

/* A connection the kernel completes but glintd cannot accept yet, with a
 * whole request already sent. */
static int pending_request(void)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n"
				  "Connection: close\r\n\r\n";
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(g.port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(write(fd, req, sizeof(req) - 1),
			 (ssize_t)sizeof(req) - 1);
	return fd;
}

/* Reads fd's answer (polling, capped at 20 s) and checks its status. */
static void expect_answer(int fd)
{
	char buf[512];
	size_t len = 0;
	double t0 = now_s();

	while (len < 12) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		ck_assert_msg(now_s() - t0 < 20, "no answer once descriptors "
						 "were free");
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
	}
	buf[len] = '\0';
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "answer: %s", buf);
	close(fd);
}

/* Polls glintd's log (cap 20 s) for its report of the failed accept: the
 * proof that the descriptors really ran out. */
static void expect_starvation_logged(void)
{
	double t0 = now_s();

	for (;;) {
		size_t len;
		char *log = harness_read_file(g.log_path, &len);
		int found = log &&
			    strstr(log + (g.log_skip < len ? g.log_skip : len),
				   "cannot accept connections: Too "
				   "many open files");

		free(log);
		if (found)
			return;
		ck_assert_msg(now_s() - t0 < 20, "no failed accept logged");
		nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
}

/* CPU glintd used over the window; it must be far below the window. */
static void expect_no_spin(void)
{
	long c0 = cpu_ms(), used;

	nanosleep(&(struct timespec){WINDOW_MS / 1000,
				     (WINDOW_MS % 1000) * 1000000L},
		  NULL);
	used = cpu_ms() - c0;
	ck_assert_msg(used < CPU_BOUND_MS,
		      "glintd used %ld ms of CPU in %d ms while it could not "
		      "accept",
		      used, WINDOW_MS);
}

/* No connection open: libmicrohttpd on its own would retry at once. */
START_TEST(no_spin_without_connections)
{
	int fd;

	starve();
	fd = pending_request();
	expect_starvation_logged();
	expect_no_spin();
	unstarve();
	expect_answer(fd);
}
END_TEST

/* A connection kept open before the descriptors ran out is still served. */
START_TEST(open_connection_still_answered)
{
	CURL *c = curl_easy_init();
	struct http_resp r;
	int fd;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(
		harness_request_on(c, &g, "GET", "/healthz", NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	starve();
	fd = pending_request();
	expect_starvation_logged();
	ck_assert_int_eq(
		harness_request_on(c, &g, "GET", "/healthz", NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	expect_no_spin();
	unstarve();
	/* libmicrohttpd watches its listen socket again once a connection
	 * closes (or its timeout ends one): close ours. */
	curl_easy_cleanup(c);
	expect_answer(fd);
}
END_TEST

static void daemon_up(void)
{
	ck_assert_int_eq(harness_start(&g, NULL), 0);
}

static void daemon_down(void)
{
	harness_cleanup(&g);
}

int main(void)
{
	Suite *s = suite_create("robust-fdlimit");
	TCase *tc = tcase_create("fdlimit");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A daemon per test: each starts with no connection open. */
	tcase_add_checked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, no_spin_without_connections);
	tcase_add_test(tc, open_connection_still_answered);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
