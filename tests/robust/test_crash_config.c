/* test_crash_config.c: glintd killed with SIGKILL at random moments of environment, secret and rollback changes; after each restart each holds the old or the new state. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

#define ROUNDS 60

/* What the function holds: its environment's N, whether secret S is set,
 * its live version (1 = echo, 2 = hello). */
struct state {
	long n;
	int has_s;
	long version;
};

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

/* Sends a whole request on a raw socket and leaves it unread. */
static int start_request(const struct glintd_proc *g, const char *method,
			 const char *path, const char *body)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(g->port)};
	char head[512];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), n;
	size_t len = strlen(body);

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n"
		     "%s",
		     method, path, len, body);
	ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
	return fd;
}

static json_t *get(const struct glintd_proc *g, const char *path)
{
	struct http_resp r;
	json_t *j;

	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status,
		      r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_msg(j != NULL, "GET %s: %s", path, r.body);
	http_resp_free(&r);
	return j;
}

static void observe(const struct glintd_proc *g, struct state *s)
{
	json_t *j = get(g, "/functions/f/env"), *n;
	struct http_resp r;

	n = json_object_get(json_object_get(j, "env"), "N");
	s->n = n ? strtol(json_string_value(n), NULL, 10) : 0;
	json_decref(j);
	j = get(g, "/functions/f/secrets");
	s->has_s = json_array_size(json_object_get(j, "secrets")) == 1;
	json_decref(j);
	j = get(g, "/functions/f");
	s->version = (long)json_integer_value(json_object_get(j, "version"));
	json_decref(j);
	/* It serves as the image its version says. */
	robust_invoke(g, "f", "{\"name\":\"K\"}", 12, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, s->version == 1
					 ? "{\"name\":\"K\"}"
					 : "{\"greeting\":\"Hello, K!\"}");
	http_resp_free(&r);
}

static void no_temp_files(const struct glintd_proc *g)
{
	DIR *d = opendir(g->state_dir);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		ck_assert_msg(strncmp(de->d_name, ".tmp.", 5) != 0,
			      "temporary file %s left after restart",
			      de->d_name);
	closedir(d);
}

static void kill_and_restart(struct glintd_proc *g)
{
	int st, rc;

	kill(g->pid, SIGKILL);
	ck_assert_int_eq(waitpid(g->pid, &st, 0), g->pid);
	ck_assert_msg(WIFSIGNALED(st), "glintd ended before the kill: %d", st);
	g->pid = 0;
	rc = harness_restart(g, NULL);
	if (rc != 0)
		harness_dump_log(g);
	ck_assert_msg(rc == 0, "restart: %s", strerror(-rc));
}

/* One change (by round), the daemon dies 0..window_us into it; returns 1
 * when the change survived. */
static int round_once(struct glintd_proc *g, struct state *s, unsigned round,
		      long window_us)
{
	struct state want = *s, now;
	char body[64], path[96];
	int fd;

	switch (round % 3) {
	case 0:
		want.n = s->n + 1;
		snprintf(body, sizeof(body), "{\"N\":\"%ld\"}", want.n);
		fd = start_request(g, "PUT", "/functions/f/env", body);
		break;
	case 1:
		want.has_s = !s->has_s;
		fd = start_request(g, want.has_s ? "PUT" : "DELETE",
				   "/functions/f/secrets/S",
				   want.has_s ? "value" : "");
		break;
	default:
		want.version = s->version == 1 ? 2 : 1;
		snprintf(path, sizeof(path),
			 "/functions/f/rollback?version=%ld", want.version);
		fd = start_request(g, "POST", path, "");
		break;
	}
	sleep_us(rand() % window_us);
	kill_and_restart(g);
	close(fd);
	observe(g, &now);
	ck_assert_msg((now.n == s->n && now.has_s == s->has_s &&
		       now.version == s->version) ||
			      (now.n == want.n && now.has_s == want.has_s &&
			       now.version == want.version),
		      "round %u: n %ld has_s %d version %ld; was %ld %d %ld",
		      round, now.n, now.has_s, now.version, s->n, s->has_s,
		      s->version);
	no_temp_files(g);
	if (now.n == s->n && now.has_s == s->has_s && now.version == s->version)
		return 0;
	*s = now;
	return 1;
}

START_TEST(kill9_during_config_changes)
{
	struct glintd_proc g;
	struct state s;
	unsigned seed = 20261202, changed = 0, round;
	const char *env = getenv("GLINT_CRASH_SEED");
	struct http_resp r;
	long window_us;
	int rc;

	if (env)
		seed = (unsigned)strtoul(env, NULL, 10);
	srand(seed);
	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	robust_deploy(&g, "f", "guest/examples/echo.elf", "", 201);
	robust_deploy(&g, "f", "guest/examples/hello.elf", "", 201);
	/* A change boots the function again: time one on this host. */
	ck_assert_int_eq(harness_request(&g, "PUT", "/functions/f/env",
					 "{\"N\":\"0\"}", 9, &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	window_us = (long)(2e6 * r.total_s) + 1000;
	http_resp_free(&r);
	fprintf(stderr, "a change took %.1f ms: kills within %.1f ms\n",
		window_us / 2e3, window_us / 1e3);
	observe(&g, &s);
	ck_assert_int_eq(s.version, 2);
	for (round = 0; round < ROUNDS; round++)
		changed += (unsigned)round_once(&g, &s, round, window_us);
	fprintf(stderr, "seed %u: %u rounds, %u changes survived the kill\n",
		seed, round, changed);
	ck_assert_msg(changed > 0, "no kill landed after a commit");
	ck_assert_msg(changed < round, "no kill landed before a commit");
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crash-config");
	TCase *tc = tcase_create("crash");

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, kill9_during_config_changes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
