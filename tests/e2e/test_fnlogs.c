/* test_fnlogs.c: a function's logs against a real glintd: levels in the journal, the logs route and its filters, following, dropped lines, crash reports, versioned metrics. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

#define HOSTILE "tests/guests/hostile.elf"
/* Built with -g: crashes on its line marked "crash-marker". */
#define CRASHLINE "tests/guests/crashline.elf"

static struct glintd_proc daemon_g;

static void daemon_up(void)
{
	int rc = harness_start(&daemon_g, NULL);

	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

static void deploy(struct glintd_proc *g, const char *name, long want)
{
	struct http_resp r;

	ck_assert_int_eq(
		harness_deploy(g, name, harness_built(HOSTILE), "", &r), 0);
	ck_assert_msg(r.status == want, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

/* Calls name with mode; returns its request id (static buffer). */
static const char *invoke(struct glintd_proc *g, const char *name,
			  const char *mode, long want)
{
	static char rid[32];
	struct http_resp r;
	char path[128], *id;

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_int_eq(
		harness_request(g, "POST", path, mode, strlen(mode), &r), 0);
	ck_assert_msg(r.status == want, "invoke %s %s: %ld %s", name, mode,
		      r.status, r.body);
	id = http_resp_header(&r, "X-Request-Id");
	ck_assert_ptr_nonnull(id);
	snprintf(rid, sizeof(rid), "%s", id);
	free(id);
	http_resp_free(&r);
	return rid;
}

/* GET /functions/<name>/logs?query; the body, malloc'd. */
static char *get_logs(struct glintd_proc *g, const char *name,
		      const char *query, long want)
{
	struct http_resp r;
	char path[256], *body;

	snprintf(path, sizeof(path), "/functions/%s/logs%s%s", name,
		 query[0] ? "?" : "", query);
	ck_assert_int_eq(harness_request(g, "GET", path, NULL, 0, &r), 0);
	ck_assert_msg(r.status == want, "GET %s: %ld %s", path, r.status,
		      r.body);
	body = strdup(r.body);
	http_resp_free(&r);
	return body;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int count_lines(const char *text)
{
	return count(text, "\n");
}

/* ---- levels ---- */

/* With stderr announced as the journal, each guest line carries the
 * syslog priority of its own level. */
START_TEST(guest_levels_reach_the_journal)
{
	struct glintd_proc g;
	struct stat st;
	char v[64], *log;
	size_t len;

	ck_assert_int_eq(harness_start(&g, NULL), 0);
	ck_assert_int_eq(harness_stop(&g, 10000), 0);
	ck_assert_int_eq(stat(g.log_path, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	ck_assert_int_eq(harness_restart(&g, NULL), 0);
	unsetenv("JOURNAL_STREAM");
	deploy(&g, "lv", 201);
	invoke(&g, "lv", "log-levels", 200);
	ck_assert_int_eq(harness_stop(&g, 10000), 0);
	log = harness_read_file(g.log_path, &len);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(
		strstr(log, "\n<3>error: request_id=") &&
			strstr(log, " function=lv guest: lvl-error-line\n"),
		"%s", log + g.log_skip);
	ck_assert_msg(strstr(log, "<3>error: request_id="), "%s", log);
	/* Each line's own prefix: find each text and look at its start. */
	{
		static const struct {
			const char *text, *prefix;
		} want[] = {
			{"guest: lvl-error-line", "<3>error: "},
			{"guest: lvl-warn-line", "<4>warn: "},
			{"guest: lvl-info-line", "<6>info: "},
			{"guest: lvl-debug-line", "<7>debug: "},
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			const char *p = strstr(log, want[i].text), *bol = p;

			ck_assert_msg(p, "no '%s' in the log", want[i].text);
			while (bol > log && bol[-1] != '\n')
				bol--;
			ck_assert_msg(strncmp(bol, want[i].prefix,
					      strlen(want[i].prefix)) == 0,
				      "line '%.*s' lacks prefix %s",
				      (int)(strchr(p, '\n') - bol), bol,
				      want[i].prefix);
		}
	}
	free(log);
	harness_cleanup(&g);
}
END_TEST

/* ---- the logs route ---- */

START_TEST(logs_keep_level_request_id_and_version)
{
	char rid1[32], q[96], *all, *some;

	deploy(&daemon_g, "lg", 201);
	snprintf(rid1, sizeof(rid1), "%s",
		 invoke(&daemon_g, "lg", "log-levels", 200));
	invoke(&daemon_g, "lg", "log-levels", 200);
	all = get_logs(&daemon_g, "lg", "", 200);
	ck_assert_int_eq(count_lines(all), 8);
	ck_assert_int_eq(count(all, " error request_id="), 2);
	ck_assert_int_eq(count(all, " debug request_id="), 2);
	ck_assert_int_eq(count(all, " version=1 "), 8);
	snprintf(q, sizeof(q), " warn request_id=%s version=1 lvl-warn-line\n",
		 rid1);
	ck_assert_msg(strstr(all, q), "no '%s' in:\n%s", q, all);
	free(all);

	some = get_logs(&daemon_g, "lg", "level=warn", 200);
	ck_assert_int_eq(count_lines(some), 4);
	ck_assert_int_eq(count(some, "lvl-info-line"), 0);
	ck_assert_int_eq(count(some, "lvl-warn-line"), 2);
	free(some);

	snprintf(q, sizeof(q), "request_id=%s", rid1);
	some = get_logs(&daemon_g, "lg", q, 200);
	ck_assert_int_eq(count_lines(some), 4);
	ck_assert_int_eq(count(some, rid1), 4);
	free(some);

	snprintf(q, sizeof(q), "request_id=%s&level=error", rid1);
	some = get_logs(&daemon_g, "lg", q, 200);
	ck_assert_int_eq(count_lines(some), 1);
	ck_assert_ptr_nonnull(strstr(some, "lvl-error-line"));
	free(some);

	/* since: an hour ago keeps all, a time to come keeps none. */
	some = get_logs(&daemon_g, "lg", "since=1h", 200);
	ck_assert_int_eq(count_lines(some), 8);
	free(some);
	snprintf(q, sizeof(q), "since=%lld", (long long)time(NULL) + 3600);
	some = get_logs(&daemon_g, "lg", q, 200);
	ck_assert_str_eq(some, "");
	free(some);

	/* A new version's lines say so. */
	deploy(&daemon_g, "lg", 201);
	invoke(&daemon_g, "lg", "log-levels", 200);
	some = get_logs(&daemon_g, "lg", "level=error", 200);
	ck_assert_int_eq(count(some, " version=1 lvl-error-line"), 2);
	ck_assert_int_eq(count(some, " version=2 lvl-error-line"), 1);
	free(some);
}
END_TEST

START_TEST(logs_refuse_bad_queries_and_unknown_functions)
{
	char *b;

	deploy(&daemon_g, "lq", 201);
	b = get_logs(&daemon_g, "lq", "level=loud", 400);
	ck_assert_ptr_nonnull(strstr(b, "\"invalid_query\""));
	ck_assert_ptr_nonnull(strstr(b, "bad level"));
	free(b);
	b = get_logs(&daemon_g, "lq", "request_id=xyz", 400);
	ck_assert_ptr_nonnull(strstr(b, "bad request_id"));
	free(b);
	b = get_logs(&daemon_g, "lq", "since=yesterday", 400);
	ck_assert_ptr_nonnull(strstr(b, "bad since"));
	free(b);
	b = get_logs(&daemon_g, "lq", "follow=2", 400);
	ck_assert_ptr_nonnull(strstr(b, "bad follow"));
	free(b);
	b = get_logs(&daemon_g, "nosuchfn", "", 404);
	ck_assert_ptr_nonnull(strstr(b, "\"function_not_found\""));
	free(b);
	b = get_logs(&daemon_g, "BAD!", "", 400);
	ck_assert_ptr_nonnull(strstr(b, "\"invalid_function_name\""));
	free(b);
}
END_TEST

/* ---- following ---- */

struct follow {
	char url[256];
	char buf[8192];
	size_t len;
	CURLcode rc;
};

static size_t follow_write(char *data, size_t size, size_t n, void *opaque)
{
	struct follow *f = opaque;
	size_t add = size * n;

	if (add > sizeof(f->buf) - 1 - f->len)
		add = sizeof(f->buf) - 1 - f->len;
	memcpy(f->buf + f->len, data, add);
	f->len += add;
	f->buf[f->len] = '\0';
	/* Enough seen: stop the transfer (the client goes away). */
	return strstr(f->buf, "lvl-error-line\n") ? 0 : size * n;
}

static void *follow_run(void *opaque)
{
	struct follow *f = opaque;
	CURL *c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, follow_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* A cap for a broken daemon, far above any host's need. */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	f->rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return NULL;
}

START_TEST(follow_streams_a_line_logged_after_it_started)
{
	const char *started = "glint_http_requests_total{route=\"logs\","
			      "code=\"200\"}";
	struct follow *f = calloc(1, sizeof(*f));
	pthread_t t;
	long before;
	char *b;

	deploy(&daemon_g, "fol", 201);
	b = get_logs(&daemon_g, "fol", "", 200);
	ck_assert_str_eq(b, ""); /* nothing logged before the stream */
	free(b);
	before = harness_metric(&daemon_g, started);
	snprintf(f->url, sizeof(f->url),
		 "%s/functions/fol/logs?follow=1&level=error",
		 daemon_g.base_url);
	ck_assert_int_eq(pthread_create(&t, NULL, follow_run, f), 0);
	/* The stream is open once glintd counted its 200. */
	ck_assert_int_eq(
		harness_wait_metric(&daemon_g, started, before + 1, 30000), 0);
	invoke(&daemon_g, "fol", "log-levels", 200);
	pthread_join(t, NULL);
	ck_assert_msg(f->rc == CURLE_WRITE_ERROR, "curl: %s; got '%s'",
		      curl_easy_strerror(f->rc), f->buf);
	ck_assert_ptr_nonnull(strstr(f->buf, " error request_id="));
	ck_assert_ptr_null(strstr(f->buf, "lvl-warn-line"));
	free(f);
}
END_TEST

/* Followers per function are bounded: one over max_log_followers gets 429
 * while the others stream on. */
START_TEST(followers_are_bounded)
{
	static const char conf[] = "{\"max_log_followers\": 1}";
	char path[] = "/tmp/glint-fnlogs-XXXXXX";
	const char *extra[] = {"--config", path, NULL};
	const char *started = "glint_http_requests_total{route=\"logs\","
			      "code=\"200\"}";
	struct follow *f = calloc(1, sizeof(*f));
	struct glintd_proc g;
	pthread_t t;
	char *b;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, sizeof(conf) - 1),
			 (ssize_t)sizeof(conf) - 1);
	close(fd);
	ck_assert_int_eq(harness_start(&g, extra), 0);
	unlink(path);
	deploy(&g, "fa", 201);
	snprintf(f->url, sizeof(f->url),
		 "%s/functions/fa/logs?follow=1&level=error", g.base_url);
	ck_assert_int_eq(pthread_create(&t, NULL, follow_run, f), 0);
	ck_assert_int_eq(harness_wait_metric(&g, started, 1, 30000), 0);
	b = get_logs(&g, "fa", "follow=1", 429);
	ck_assert_ptr_nonnull(strstr(b, "\"too_many_followers\""));
	ck_assert_ptr_nonnull(strstr(b, "max_log_followers"));
	free(b);
	/* Reading without following is not bounded. */
	b = get_logs(&g, "fa", "", 200);
	free(b);
	/* The first follower still gets its line. */
	invoke(&g, "fa", "log-levels", 200);
	pthread_join(t, NULL);
	ck_assert_msg(f->rc == CURLE_WRITE_ERROR, "curl: %s; got '%s'",
		      curl_easy_strerror(f->rc), f->buf);
	free(f);
	harness_cleanup(&g);
}
END_TEST

/* ---- dropped lines ---- */

/* 8000 one-character lines: the guest's buffer drops some, glintd's
 * per-call limit (100 lines) the rest; one summary line says how many,
 * and the metric counts every one. */
START_TEST(dropped_lines_are_summarised_and_counted)
{
	const char *series = "glint_guest_log_dropped_total{function=\"tiny\"}";
	char q[64], *b, want[64];
	const char *rid;
	int kept;

	deploy(&daemon_g, "tiny", 201);
	rid = invoke(&daemon_g, "tiny", "log-tiny", 200);
	snprintf(q, sizeof(q), "request_id=%s", rid);
	b = get_logs(&daemon_g, "tiny", q, 200);
	kept = count(b, " x\n");
	ck_assert_int_eq(kept, 100);
	ck_assert_int_eq(count(b, "guest log cut: "), 1);
	snprintf(want, sizeof(want), "guest log cut: %d line(s) dropped",
		 8000 - kept);
	ck_assert_msg(strstr(b, want), "no '%s' in the logs", want);
	ck_assert_ptr_nonnull(strstr(b, " warn request_id="));
	free(b);
	ck_assert_int_eq(harness_metric(&daemon_g, series), 8000 - kept);
}
END_TEST

/* ---- crashes ---- */

START_TEST(crash_report_is_in_the_function_log)
{
	char q[64], *b;
	const char *rid;

	deploy(&daemon_g, "boom", 201);
	rid = invoke(&daemon_g, "boom", "null-read", 502);
	snprintf(q, sizeof(q), "request_id=%s", rid);
	b = get_logs(&daemon_g, "boom", q, 200);
	ck_assert_msg(strstr(b, " error request_id=") &&
			      strstr(b, "call failed (guest_crashed): page "
					"fault (#PF) at rip 0x"),
		      "%s", b);
	free(b);
}
END_TEST

/* A call's response: status, body and request id. */
static void call(struct glintd_proc *g, const char *name, const char *mode,
		 struct http_resp *r, char *rid, size_t rid_cap)
{
	char path[128], *id;

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_int_eq(
		harness_request(g, "POST", path, mode, strlen(mode), r), 0);
	id = http_resp_header(r, "X-Request-Id");
	ck_assert_ptr_nonnull(id);
	snprintf(rid, rid_cap, "%s", id);
	free(id);
}

/* On a loopback address (the default's case) the client sees the fault. */
START_TEST(fault_details_reach_a_loopback_client)
{
	struct http_resp r;
	char rid[32];

	deploy(&daemon_g, "fdl", 201);
	call(&daemon_g, "fdl", "null-read", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(strstr(r.body, "page fault (#PF) at rip 0x"), "%s",
		      r.body);
	/* The mode functions are inlined into glint_handle. */
	ck_assert_msg(strstr(r.body, " in glint_handle+0x"), "%s", r.body);
	http_resp_free(&r);
	call(&daemon_g, "fdl", "stack-overflow", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(strstr(r.body, "stack overflow") &&
			      strstr(r.body, " in recurse+0x"),
		      "%s", r.body);
	http_resp_free(&r);
}
END_TEST

/* fault_details_to_clients false: a generic message naming the request,
 * the details only in the function's log. */
START_TEST(fault_details_kept_to_the_log_when_configured)
{
	static const char conf[] = "{\"fault_details_to_clients\": false}";
	char path[] = "/tmp/glint-fnlogs-XXXXXX", rid[32], q[64], want[160];
	const char *extra[] = {"--config", path, NULL};
	struct glintd_proc g;
	struct http_resp r;
	char *b;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, conf, sizeof(conf) - 1),
			 (ssize_t)sizeof(conf) - 1);
	close(fd);
	ck_assert_int_eq(harness_start(&g, extra), 0);
	unlink(path);
	deploy(&g, "fdk", 201);
	call(&g, "fdk", "null-read", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_ptr_nonnull(strstr(r.body, "\"guest_crashed\""));
	ck_assert_msg(!strstr(r.body, "rip") && !strstr(r.body, "0x"), "%s",
		      r.body);
	snprintf(want, sizeof(want),
		 "the function crashed; the details are in its log: GET "
		 "/functions/fdk/logs?request_id=%s",
		 rid);
	ck_assert_msg(strstr(r.body, want), "%s", r.body);
	http_resp_free(&r);
	snprintf(q, sizeof(q), "request_id=%s", rid);
	b = get_logs(&g, "fdk", q, 200);
	ck_assert_msg(strstr(b, "page fault (#PF) at rip 0x"), "%s", b);
	free(b);
	harness_cleanup(&g);
}
END_TEST

/* A crash after malloc found no room says the heap was exhausted; the
 * next call (restored VM, cleared word) crashing otherwise does not. */
START_TEST(crash_after_failed_malloc_says_heap_exhausted)
{
	static const char heap[] = "the heap was exhausted: malloc returned "
				   "NULL earlier in this call";
	struct http_resp r;
	char rid[32];

	deploy(&daemon_g, "oomc", 201);
	call(&daemon_g, "oomc", "oom-crash", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(strstr(r.body, "page fault") && strstr(r.body, heap),
		      "%s", r.body);
	http_resp_free(&r);
	call(&daemon_g, "oomc", "null-read", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(!strstr(r.body, "heap was exhausted"), "%s", r.body);
	http_resp_free(&r);
	/* A function that checks malloc and fails is its own error. */
	call(&daemon_g, "oomc", "oom", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 500);
	ck_assert_msg(!strstr(r.body, "heap was exhausted"), "%s", r.body);
	http_resp_free(&r);
}
END_TEST

/* ---- file:line from DWARF ---- */

/* "crashline.c:N", N the line of the guest's source with the marker: the
 * test follows edits of the guest. */
static void marker_line(char *dst, size_t cap)
{
	const char *top = getenv("GLINT_SRCDIR");
	char path[1024], line[256];
	int no = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/guests/crashline.c",
		 top ? top : "..");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	while (!found && fgets(line, sizeof(line), f)) {
		no++;
		found = strstr(line, "*target = 1; /* crash-marker") != NULL;
	}
	fclose(f);
	ck_assert(found);
	snprintf(dst, cap, "crashline.c:%d", no);
}

static void deploy_path(struct glintd_proc *g, const char *name,
			const char *path)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(g, name, path, "", &r), 0);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

/* An image with debug information: the client (on loopback) and the
 * function's log both get the source line of the fault. */
START_TEST(crash_report_names_file_and_line)
{
	char want[96], line[64], rid[32], q[64], *b;
	struct http_resp r;

	marker_line(line, sizeof(line));
	snprintf(want, sizeof(want), " in glint_handle+0x");
	deploy_path(&daemon_g, "cl", harness_built(CRASHLINE));
	call(&daemon_g, "cl", "go", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(strstr(r.body, "page fault (#PF) at rip 0x") &&
			      strstr(r.body, want),
		      "%s", r.body);
	snprintf(want, sizeof(want), " (%s)", line);
	ck_assert_msg(strstr(r.body, want), "want %s: %s", want, r.body);
	http_resp_free(&r);
	snprintf(q, sizeof(q), "request_id=%s", rid);
	b = get_logs(&daemon_g, "cl", q, 200);
	ck_assert_msg(strstr(b, "call failed (guest_crashed)") &&
			      strstr(b, want),
		      "want %s: %s", want, b);
	free(b);
}
END_TEST

/* The same image with its .debug_line overwritten: it deploys and runs,
 * and its crash report names the function without a line. */
START_TEST(hostile_debug_line_still_deploys)
{
	char path[] = "/tmp/glint-dwarf-XXXXXX", rid[32];
	size_t len;
	uint8_t *b = harness_read_file(harness_built(CRASHLINE), &len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)b;
	Elf64_Shdr *sh;
	struct http_resp r;
	int fd, hit = 0;

	ck_assert_ptr_nonnull(b);
	sh = (Elf64_Shdr *)(void *)(b + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const char *name = (const char *)b +
				   sh[eh->e_shstrndx].sh_offset + sh[i].sh_name;

		if (strcmp(name, ".debug_line") == 0) {
			memset(b + sh[i].sh_offset, 0xff, sh[i].sh_size);
			hit = 1;
		}
	}
	ck_assert(hit);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	free(b);
	deploy_path(&daemon_g, "clh", path);
	unlink(path);
	call(&daemon_g, "clh", "go", &r, rid, sizeof(rid));
	ck_assert_int_eq(r.status, 502);
	ck_assert_msg(strstr(r.body, " in glint_handle+0x") &&
			      !strstr(r.body, "crashline.c"),
		      "%s", r.body);
	http_resp_free(&r);
}
END_TEST

/* ---- versions in /metrics ---- */

/* /metrics has no series of function name. */
static void assert_no_series(const char *name, const char *why)
{
	char label[96];
	struct http_resp r;

	snprintf(label, sizeof(label), "function=\"%s\"", name);
	ck_assert_int_eq(
		harness_request(&daemon_g, "GET", "/metrics", NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(!strstr(r.body, label), "%s", why);
	http_resp_free(&r);
}

START_TEST(invocations_are_counted_per_version)
{
	const char *v1 = "glint_invocations_total{function=\"vv\","
			 "outcome=\"ok\",version=\"1\"}";
	const char *v2 = "glint_invocations_total{function=\"vv\","
			 "outcome=\"ok\",version=\"2\"}";
	const char *v2_err = "glint_invocations_total{function=\"vv\","
			     "outcome=\"guest_crashed\",version=\"2\"}";
	struct http_resp r;

	deploy(&daemon_g, "vv", 201);
	ck_assert_int_eq(harness_metric(&daemon_g, v1), 0);
	invoke(&daemon_g, "vv", "ok", 200);
	deploy(&daemon_g, "vv", 201);
	ck_assert_int_eq(harness_metric(&daemon_g, v2), 0);
	invoke(&daemon_g, "vv", "ok", 200);
	invoke(&daemon_g, "vv", "ok", 200);
	invoke(&daemon_g, "vv", "ud2", 502);
	ck_assert_int_eq(harness_metric(&daemon_g, v1), 1);
	ck_assert_int_eq(harness_metric(&daemon_g, v2), 2);
	ck_assert_int_eq(harness_metric(&daemon_g, v2_err), 1);
	/* Deleting the function takes its series with it. */
	ck_assert_int_eq(harness_request(&daemon_g, "DELETE", "/functions/vv",
					 NULL, 0, &r),
			 0);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	ck_assert_int_eq(harness_metric(&daemon_g, v1), -1);
	ck_assert_int_eq(harness_metric(&daemon_g, v2), -1);
	ck_assert_int_eq(harness_metric(&daemon_g, v2_err), -1);
}
END_TEST

struct late_call {
	struct http_resp r;
	int rc;
};

static void *late_call_run(void *opaque)
{
	struct late_call *lc = opaque;

	lc->rc = harness_request(&daemon_g, "POST", "/invoke/vd", "loop", 4,
				 &lc->r);
	return NULL;
}

/* A call still running when its function is deleted does not keep the
 * function's series in /metrics, nor count in those of a new function
 * deployed under the name meanwhile. */
START_TEST(deleted_series_leave_while_a_call_runs)
{
	const char *ok1 = "glint_invocations_total{function=\"vd\","
			  "outcome=\"ok\",version=\"1\"}";
	const char *late = "glint_invocations_total{function=\"vd\","
			   "outcome=\"deadline_exceeded\",version=\"1\"}";
	const char *busy = "glint_pool_vms{function=\"vd\",state=\"busy\"}";
	struct late_call lc = {0};
	struct http_resp r;
	pthread_t t;

	/* The looping call must outlive the delete and the new deploy:
	 * its 8 s deadline is far above that on any host. */
	ck_assert_int_eq(harness_deploy(&daemon_g, "vd", harness_built(HOSTILE),
					"timeout_ms=8000&min_warm=1", &r),
			 0);
	ck_assert_int_eq(r.status, 201);
	http_resp_free(&r);
	invoke(&daemon_g, "vd", "ok", 200);
	ck_assert_int_eq(harness_metric(&daemon_g, ok1), 1);
	ck_assert_int_eq(pthread_create(&t, NULL, late_call_run, &lc), 0);
	ck_assert_msg(harness_wait_metric(&daemon_g, busy, 1, 60000) == 0,
		      "the looping call never started");
	ck_assert_int_eq(harness_request(&daemon_g, "DELETE", "/functions/vd",
					 NULL, 0, &r),
			 0);
	ck_assert_int_eq(r.status, 204);
	http_resp_free(&r);
	assert_no_series("vd", "a deleted function's series stayed while its "
			       "call ran");
	deploy(&daemon_g, "vd", 201);
	ck_assert_int_eq(harness_metric(&daemon_g, ok1), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(lc.rc, 0);
	ck_assert_int_eq(lc.r.status, 504);
	http_resp_free(&lc.r);
	ck_assert_int_eq(harness_metric(&daemon_g, late), -1);
	ck_assert_int_eq(harness_metric(&daemon_g, ok1), 0);
	invoke(&daemon_g, "vd", "ok", 200);
	ck_assert_int_eq(harness_metric(&daemon_g, ok1), 1);
}
END_TEST

START_TEST(failed_first_deploy_leaves_no_series)
{
	static const char junk[] = "\177ELF but not really an image";
	struct http_resp r;

	ck_assert_int_eq(harness_request(&daemon_g, "PUT", "/functions/never",
					 junk, sizeof(junk) - 1, &r),
			 0);
	ck_assert_int_eq(r.status, 400);
	http_resp_free(&r);
	assert_no_series("never", "a failed first deploy left a series");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e-fnlogs");
	TCase *tc = tcase_create("logs"), *j = tcase_create("own-daemon");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, logs_keep_level_request_id_and_version);
	tcase_add_test(tc, logs_refuse_bad_queries_and_unknown_functions);
	tcase_add_test(tc, follow_streams_a_line_logged_after_it_started);
	tcase_add_test(tc, dropped_lines_are_summarised_and_counted);
	tcase_add_test(tc, crash_report_is_in_the_function_log);
	tcase_add_test(tc, fault_details_reach_a_loopback_client);
	tcase_add_test(tc, crash_after_failed_malloc_says_heap_exhausted);
	tcase_add_test(tc, crash_report_names_file_and_line);
	tcase_add_test(tc, hostile_debug_line_still_deploys);
	tcase_add_test(tc, invocations_are_counted_per_version);
	tcase_add_test(tc, deleted_series_leave_while_a_call_runs);
	tcase_add_test(tc, failed_first_deploy_leaves_no_series);
	suite_add_tcase(s, tc);
	tcase_set_timeout(j, 120);
	tcase_add_test(j, guest_levels_reach_the_journal);
	tcase_add_test(j, fault_details_kept_to_the_log_when_configured);
	tcase_add_test(j, followers_are_bounded);
	suite_add_tcase(s, j);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
