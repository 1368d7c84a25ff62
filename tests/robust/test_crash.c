/* test_crash.c: glintd killed with SIGKILL at random moments of deploys and deletes; after each restart every function is whole, old or new. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
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

#define ROUNDS 120
#define FUNCTIONS 3

/* The two images a function alternates between; they differ observably:
 * echo answers its input, hello a greeting. */
enum which { ABSENT = -1, ECHO = 0, HELLO = 1 };

static const char *const image_rel[2] = {"guest/examples/echo.elf",
					 "guest/examples/hello.elf"};
static char *image[2];
static size_t image_len[2];
static char image_sha[2][65];

struct fn_state {
	char name[16];
	enum which which;
	long version;
};

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

/* Sends a whole request on a raw socket and returns it unread: the daemon
 * is killed while it works on it. w ABSENT: a DELETE. */
static int start_request(const struct glintd_proc *g, const char *name,
			 enum which w)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(g->port)};
	char head[160];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), n;

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	n = snprintf(head, sizeof(head),
		     "%s /functions/%s HTTP/1.1\r\nHost: t\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     w == ABSENT ? "DELETE" : "PUT", name,
		     w == ABSENT ? 0 : image_len[w]);
	ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
	if (w != ABSENT)
		ck_assert_int_eq(send(fd, image[w], image_len[w], MSG_NOSIGNAL),
				 (ssize_t)image_len[w]);
	return fd;
}

/* GET /functions/name: which image it holds (by sha256) and its version. */
static enum which lookup(const struct glintd_proc *g, const char *name,
			 long *version)
{
	char path[64];
	struct http_resp r;
	const char *sha = NULL;
	json_int_t v = 0;
	enum which w = ABSENT;
	json_t *j;

	snprintf(path, sizeof(path), "/functions/%s", name);
	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	if (r.status == 404) {
		http_resp_free(&r);
		return ABSENT;
	}
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status,
		      r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_msg(j && json_unpack(j, "{s:s,s:I}", "sha256", &sha,
				       "version", &v) == 0,
		      "GET %s: %s", path, r.body);
	for (int i = 0; i < 2; i++)
		if (strcmp(sha, image_sha[i]) == 0)
			w = (enum which)i;
	ck_assert_msg(w != ABSENT, "%s holds an unknown image %s", name, sha);
	*version = (long)v;
	json_decref(j);
	http_resp_free(&r);
	return w;
}

/* The function serves as the image it claims to hold. */
static void serves_as(const struct glintd_proc *g, const char *name,
		      enum which w)
{
	struct http_resp r;

	robust_invoke(g, name, "{\"name\":\"K\"}", 12, &r);
	if (w == ABSENT) {
		robust_assert_error(&r, 404, "function_not_found", NULL);
	} else {
		ck_assert_msg(r.status == 200, "%s: %ld %s", name, r.status,
			      r.body);
		ck_assert_str_eq(r.body,
				 w == ECHO ? "{\"name\":\"K\"}"
					   : "{\"greeting\":\"Hello, K!\"}");
	}
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

static void load_images(void)
{
	for (int i = 0; i < 2; i++) {
		image[i] = harness_read_file(harness_built(image_rel[i]),
					     &image_len[i]);
		ck_assert_ptr_nonnull(image[i]);
	}
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

/* One round: f is redeployed with the other image (or deleted, when
 * remove is set), and the daemon dies 0 to window_us into it. */
static void round_once(struct glintd_proc *g, struct fn_state *f, int remove,
		       long window_us, unsigned *changed)
{
	enum which want = remove	     ? ABSENT
			  : f->which == ECHO ? HELLO
					     : ECHO,
		   now;
	long version = 0;
	int fd = start_request(g, f->name, want);

	sleep_us(rand() % window_us);
	kill_and_restart(g);
	close(fd);
	now = lookup(g, f->name, &version);
	ck_assert_msg(now == f->which || now == want,
		      "%s: holds %d, want %d or %d", f->name, now, f->which,
		      want);
	if (now != f->which && now != ABSENT && f->which != ABSENT)
		ck_assert_msg(version == f->version + 1,
			      "%s: version %ld after %ld", f->name, version,
			      f->version);
	else if (now == f->which && now != ABSENT)
		ck_assert_int_eq(version, f->version);
	if (now != f->which)
		(*changed)++;
	f->which = now;
	f->version = version;
}

START_TEST(kill9_during_deploys)
{
	struct glintd_proc g;
	struct fn_state fs[FUNCTIONS], fresh;
	unsigned seed = 20261123, changed = 0, rounds;
	double deploy_s = 0;
	long window_us;
	const char *env = getenv("GLINT_CRASH_SEED");
	struct http_resp r;
	int rc;

	if (env)
		seed = (unsigned)strtoul(env, NULL, 10);
	srand(seed);
	load_images();
	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	for (int i = 0; i < 2; i++) {
		json_t *j;

		ck_assert_int_eq(harness_deploy(&g, "probe",
						harness_built(image_rel[i]), "",
						&r),
				 0);
		ck_assert_int_eq(r.status, 201);
		if (r.total_s > deploy_s)
			deploy_s = r.total_s;
		j = json_loads(r.body, 0, NULL);
		snprintf(image_sha[i], sizeof(image_sha[i]), "%s",
			 json_string_value(json_object_get(j, "sha256")));
		json_decref(j);
		http_resp_free(&r);
	}
	ck_assert_str_ne(image_sha[0], image_sha[1]);
	/* Kills land from the start of a request to twice as long as a whole
	 * deploy took on this host: some before the commit, some after it,
	 * however fast or slow the host is. */
	window_us = (long)(2e6 * deploy_s) + 1000;
	fprintf(stderr, "a deploy took %.1f ms: kills within %.1f ms\n",
		deploy_s * 1e3, window_us / 1e3);
	for (int i = 0; i < FUNCTIONS; i++) {
		snprintf(fs[i].name, sizeof(fs[i].name), "fn%d", i);
		robust_deploy(&g, fs[i].name, image_rel[i % 2], "", 201);
		fs[i].which = (enum which)(i % 2);
		lookup(&g, fs[i].name, &fs[i].version);
	}
	for (rounds = 0; rounds < ROUNDS; rounds++) {
		/* Every fourth round deploys a function that did not exist;
		 * every eighth deletes one. */
		if (rounds % 4 == 3) {
			snprintf(fresh.name, sizeof(fresh.name), "new%u",
				 rounds);
			fresh.which = ABSENT;
			fresh.version = 0;
			round_once(&g, &fresh, 0, window_us, &changed);
			serves_as(&g, fresh.name, fresh.which);
		} else {
			struct fn_state *f = &fs[rounds % FUNCTIONS];

			round_once(&g, f, rounds % 8 == 6 && f->which != ABSENT,
				   window_us, &changed);
		}
		for (int i = 0; i < FUNCTIONS; i++)
			serves_as(&g, fs[i].name, fs[i].which);
		no_temp_files(&g);
	}
	fprintf(stderr,
		"seed %u: %u rounds, %u deploys or deletes survived the kill\n",
		seed, rounds, changed);
	/* Kills that all landed before the commit (or all after it) would
	 * have tested only half of the claim. */
	ck_assert_msg(changed > 0, "no kill landed after a commit");
	ck_assert_msg(changed < rounds, "no kill landed before a commit");
	harness_cleanup(&g);
	for (int i = 0; i < 2; i++)
		free(image[i]);
}
END_TEST

/* A state file cut short (as by a disk error) is refused on start; the
 * other functions are served and the name can be deployed again. */
START_TEST(torn_state_file_is_refused_others_served)
{
	struct glintd_proc g;
	char path[512];
	long len;
	FILE *f;
	int rc;

	rc = harness_start(&g, NULL);
	ck_assert_msg(rc == 0, "start: %s", strerror(-rc));
	robust_deploy(&g, "whole", "guest/examples/echo.elf", "", 201);
	robust_deploy(&g, "torn", "guest/examples/echo.elf", "", 201);
	kill(g.pid, SIGKILL);
	waitpid(g.pid, NULL, 0);
	g.pid = 0;
	snprintf(path, sizeof(path), "%s/torn.fn", g.state_dir);
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fclose(f);
	ck_assert_int_eq(truncate(path, len / 2), 0);
	rc = harness_restart(&g, NULL);
	if (rc)
		harness_dump_log(&g);
	ck_assert_msg(rc == 0, "restart: %s", strerror(-rc));
	serves_as(&g, "whole", ECHO);
	serves_as(&g, "torn", ABSENT);
	robust_deploy(&g, "torn", "guest/examples/hello.elf", "", 201);
	serves_as(&g, "torn", HELLO);
	harness_cleanup(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust-crash");
	TCase *tc = tcase_create("crash");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A hang detector, far above 120 restarts on a loaded host. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, kill9_during_deploys);
	tcase_add_test(tc, torn_state_file_is_refused_others_served);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
