/* test_hcops.c: functions reaching the world through the running glintd:
 * KV host calls (embedded store, or Redis when built with HC_TEST_REDIS)
 * and outbound HTTP to a server this test starts on 127.0.0.1. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch_server.h"
#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"
#include "../redis_server.h"

#ifndef HC_TEST_REDIS
#define HC_TEST_REDIS 0
#endif

#define KV_CALL_LIMIT 200 /* hostcalls_per_call of this daemon */
#define FETCH_LIMIT 5	  /* fetches_per_call */

static struct glintd_proc daemon_g;
static struct fetch_server *srv;
static char conf_dir[64], conf_path[128];
static struct test_redis redis; /* HC_TEST_REDIS */

static void write_config(void)
{
	FILE *f;

	snprintf(conf_dir, sizeof(conf_dir), "/tmp/glint-hcops-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(conf_dir));
	snprintf(conf_path, sizeof(conf_path), "%s/glintd.conf", conf_dir);
	f = fopen(conf_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"hostcalls_per_call\": %d, \"fetches_per_call\": %d, "
		"\"shutdown_grace_ms\": 200, \"hostcall_in_bytes_per_call\": "
		"1000000, \"hostcall_out_bytes_per_call\": 1000000",
		KV_CALL_LIMIT, FETCH_LIMIT);
	if (HC_TEST_REDIS)
		fprintf(f,
			", \"kv_backend\": \"redis\", \"kv_redis_url\": "
			"\"%s\"",
			redis.url);
	fprintf(f, "}\n");
	fclose(f);
}

/* "http://127.0.0.1:PORT/" as a query value. */
static void allow_query(char *q, size_t len, const char *host,
			const char *extra)
{
	snprintf(q, len, "allow_fetch=http%%3A%%2F%%2F%s%%3A%u%%2F&%s", host,
		 fetch_server_port(srv), extra);
}

static void daemon_up(void)
{
	const char *extra[] = {"--config", conf_path, NULL};
	char q[256];
	int rc;

	ck_assert_int_eq(fetch_server_start(&srv), 0);
	write_config();
	rc = harness_start(&daemon_g, extra);
	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	robust_deploy(&daemon_g, "kv", "tests/guests/kvfn.elf",
		      "timeout_ms=60000&max_concurrency=1", 201);
	robust_deploy(&daemon_g, "kv2", "tests/guests/kvfn.elf",
		      "timeout_ms=60000&max_concurrency=1", 201);
	allow_query(q, sizeof(q), "127.0.0.1",
		    "timeout_ms=60000&max_concurrency=16&min_warm=1");
	robust_deploy(&daemon_g, "net", "tests/guests/kvfn.elf", q, 201);
	/* netslow's deadline must expire while its call is parked, so it is
	 * far longer than reaching the park takes on a loaded host. */
	allow_query(q, sizeof(q), "127.0.0.1",
		    "timeout_ms=5000&max_concurrency=1");
	robust_deploy(&daemon_g, "netslow", "tests/guests/kvfn.elf", q, 201);
	allow_query(q, sizeof(q), "localhost", "timeout_ms=60000");
	robust_deploy(&daemon_g, "netname", "tests/guests/kvfn.elf", q, 201);
	robust_deploy(&daemon_g, "nonet", "tests/guests/kvfn.elf",
		      "timeout_ms=60000", 201);
}

static void daemon_down(void)
{
	char cmd[128];

	harness_cleanup(&daemon_g);
	fetch_server_stop(srv);
	srv = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", conf_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", conf_dir);
}

static void expect_body(const char *fn, const char *in, const char *want)
{
	struct http_resp r;

	robust_invoke(&daemon_g, fn, in, strlen(in), &r);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", fn, in, r.status,
		      r.body);
	ck_assert_msg(r.len == strlen(want) && memcmp(r.body, want, r.len) == 0,
		      "%s %s: got \"%s\", want \"%s\"", fn, in, r.body, want);
	http_resp_free(&r);
}

static long hc_metric(const char *fn, const char *op, const char *outcome)
{
	char series[160];

	snprintf(series, sizeof(series),
		 "glint_hostcalls_total{function=\"%s\",op=\"%s\","
		 "outcome=\"%s\"}",
		 fn, op, outcome);
	return harness_metric(&daemon_g, series);
}

START_TEST(kv_ops_round_trip)
{
	expect_body("kv", "get nokey", "rc=-6");
	expect_body("kv", "set a hello", "rc=0");
	expect_body("kv", "get a", "val=hello");
	expect_body("kv", "set a again", "rc=0");
	expect_body("kv", "get a", "val=again");
	expect_body("kv", "del a", "rc=0");
	expect_body("kv", "del a", "rc=-6");
	expect_body("kv", "get a", "rc=-6");
	/* Every byte value, NULs included, 100000 of them. */
	expect_body("kv", "setbin b 100000", "rc=0");
	expect_body("kv", "getbin b 100000", "rc=100000 match=1");
	expect_body("kv", "getsmall b", "rc=-3");
	expect_body("kv", "incr n 5", "rc=0 v=5");
	expect_body("kv", "incr n -7", "rc=0 v=-2");
	expect_body("kv", "get n", "val=-2");
	expect_body("kv", "set word abc", "rc=0");
	expect_body("kv", "incr word 1", "rc=-9 v=0");
	expect_body("kv", "cas c - one", "rc=0");
	expect_body("kv", "cas c - two", "rc=-7");
	expect_body("kv", "cas c wrong two", "rc=-7");
	expect_body("kv", "get c", "val=one");
	expect_body("kv", "cas c one two", "rc=0");
	expect_body("kv", "get c", "val=two");
	/* Another function cannot see these keys. */
	expect_body("kv2", "get c", "rc=-6");
	expect_body("kv2", "list c 10", "rc=0 pages=1 keys=");
	ck_assert_int_ge(harness_metric(&daemon_g,
					"glint_kv_op_duration_seconds_count"
					"{function=\"kv\"}"),
			 22);
	ck_assert_int_eq(hc_metric("kv", "kv_get", "error"), 3);
}
END_TEST

START_TEST(kv_list_pages)
{
	char cmd[32];
	struct http_resp r;

	for (int i = 1; i <= 7; i++) {
		snprintf(cmd, sizeof(cmd), "set p%d v", i);
		expect_body("kv", cmd, "rc=0");
	}
	expect_body("kv", "set q1 v", "rc=0");
	robust_invoke(&daemon_g, "kv", "list p 3", 8, &r);
	ck_assert_int_eq(r.status, 200);
	if (!HC_TEST_REDIS) {
		/* Key order, three a page: 3 + 3 + 1. */
		ck_assert_str_eq(r.body, "rc=0 pages=3 keys=p1,p2,p3,p4,p5,p6,"
					 "p7,");
	} else {
		/* SCAN pages at will and may repeat: every key is there
		 * and no other. */
		ck_assert_ptr_nonnull(strstr(r.body, "rc=0 "));
		for (int i = 1; i <= 7; i++) {
			snprintf(cmd, sizeof(cmd), "p%d,", i);
			ck_assert_ptr_nonnull(strstr(r.body, cmd));
		}
		ck_assert_ptr_null(strstr(r.body, "q1"));
	}
	http_resp_free(&r);
}
END_TEST

/* Expiry is observed by polling (cap: a minute), never by a sleep. */
START_TEST(kv_ttl_expires)
{
	struct http_resp r;
	int gone = 0;

	expect_body("kv", "set long v 600000", "rc=0");
	expect_body("kv", "set short v 200", "rc=0");
	for (int i = 0; i < 600 && !gone; i++) {
		robust_invoke(&daemon_g, "kv", "get short", 9, &r);
		ck_assert_int_eq(r.status, 200);
		gone = strcmp(r.body, "rc=-6") == 0;
		if (!gone)
			ck_assert_str_eq(r.body, "val=v");
		http_resp_free(&r);
		if (!gone)
			usleep(100000); /* pacing the poll, not a condition */
	}
	ck_assert_msg(gone, "a key with a 200 ms ttl still there after 60 s");
	expect_body("kv", "get long", "val=v");
}
END_TEST

START_TEST(kv_refusals_and_hostile_records)
{
	static const struct {
		const char *mode, *text;
	} rows[] = {
		{"raw-short", "shorter than its 24-byte record"},
		{"raw-lie",
		 "announces 100000 bytes after it, the request has 3"},
		{"raw-flags", "kv_get: flags must be 0"},
		{"raw-hdr", "does not end with a NUL"},
		{"raw-lie-fetch", "announces 4294967303 bytes"},
	};
	struct http_resp r;

	expect_body("kv", "bigkey", "rc=-10");
	expect_body("kv", "emptykey", "rc=-2");
	expect_body("kv", "badttl", "rc=-2");
	expect_body("kv", "badlimit", "rc=-2");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		robust_invoke(&daemon_g, "kv", rows[i].mode,
			      strlen(rows[i].mode), &r);
		robust_assert_error(&r, 502, "guest_crashed", rows[i].text);
		http_resp_free(&r);
		expect_body("kv", "get nokey", "rc=-6");
	}
	ck_assert_int_eq(hc_metric("kv", "kv_get", "protocol"), 3);
	ck_assert_int_eq(hc_metric("kv", "fetch", "protocol"), 2);
}
END_TEST

START_TEST(limits_are_errors_the_function_handles)
{
	char want[64];

	snprintf(want, sizeof(want), "n=%d rc=-1", KV_CALL_LIMIT);
	expect_body("kv", "kvloop", want);
	ck_assert_int_eq(hc_metric("kv", "kv_get", "limit"), 1);
	snprintf(want, sizeof(want), "n=%d rc=-1", FETCH_LIMIT);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "fetchloop http://127.0.0.1:%u/echo",
			 fetch_server_port(srv));
		expect_body("net", cmd, want);
	}
	ck_assert_int_eq(hc_metric("net", "fetch", "limit"), 1);
	/* 1,000,000 request bytes: nine sets of 100,026 fit, the tenth
	 * does not. 1,000,000 response bytes: ten gets of 100,000. */
	expect_body("kv", "setloop big 100000", "n=9 rc=-1");
	expect_body("kv", "getloop big 0", "n=10 rc=-1");
	ck_assert_int_eq(hc_metric("kv", "kv_set", "limit"), 1);
	ck_assert_int_eq(hc_metric("kv", "kv_get", "limit"), 2);
	expect_body("kv", "get nokey", "rc=-6");
}
END_TEST

START_TEST(fetch_exact_answer)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo POST hello",
		 fetch_server_port(srv));
	expect_body("net", cmd,
		    "rc=0 status=200 method=POST got=[kvfn] len=5 body=hello");
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/nothing",
		 fetch_server_port(srv));
	expect_body("net", cmd,
		    "rc=0 status=404 method=- got=- len=13 "
		    "body=no such route");
	ck_assert_int_eq(harness_metric(&daemon_g,
					"glint_fetch_duration_seconds_count"
					"{function=\"net\"}"),
			 2);
}
END_TEST

START_TEST(fetch_forbidden)
{
	unsigned port = fetch_server_port(srv);
	char cmd[256], want[128];

	snprintf(want, sizeof(want),
		 "rc=-5 status=0 method=- got=- len=0 body=");
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo", port);
	expect_body("nonet", cmd, want); /* no allow-list at all */
	expect_body("net", "fetch http://169.254.169.254/latest/meta-data/",
		    want);
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo",
		 port == 65535 ? 1 : port + 1);
	expect_body("net", cmd, want); /* loopback, not allow-listed */
	snprintf(cmd, sizeof(cmd),
		 "fetchr http://127.0.0.1:%u/redirect?to=http://"
		 "169.254.169.254/",
		 port);
	expect_body("net", cmd, want); /* a redirect out of the list */
	/* Allowed by name, but the name resolves to loopback. */
	snprintf(cmd, sizeof(cmd), "fetch http://localhost:%u/echo", port);
	expect_body("netname", cmd, want);
	ck_assert_int_eq(hc_metric("net", "fetch", "denied"), 3);
	ck_assert_int_eq(hc_metric("nonet", "fetch", "denied"), 1);
}
END_TEST

/* A loopback port nothing listens on (the kernel just gave it out and
 * it is closed again; nothing in this test binds ports). */
static unsigned closed_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Invokes fn with in, expects want as the body; the request id. */
static void invoke_id(const char *fn, const char *in, const char *want,
		      char *rid, size_t rid_len)
{
	struct http_resp r;
	char *id;

	robust_invoke(&daemon_g, fn, in, strlen(in), &r);
	ck_assert_msg(r.status == 200 && !strcmp(r.body, want),
		      "%s %s: %ld \"%s\", want \"%s\"", fn, in, r.status,
		      r.body, want);
	id = http_resp_header(&r, "X-Request-Id");
	ck_assert_ptr_nonnull(id);
	snprintf(rid, rid_len, "%s", id);
	free(id);
	http_resp_free(&r);
}

/* fn's log lines of request rid hold line (after the timestamp) and
 * nothing of the URL's query. */
static void expect_log_line(const char *fn, const char *rid, const char *line)
{
	struct http_resp r;
	char path[160], want[512];

	snprintf(path, sizeof(path), "/functions/%s/logs?request_id=%s", fn,
		 rid);
	ck_assert_int_eq(harness_request(&daemon_g, "GET", path, NULL, 0, &r),
			 0);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status,
		      r.body);
	/* A line ending in ": " is a prefix (words of libcurl follow). */
	snprintf(want, sizeof(want), " warn request_id=%s version=1 %s%s", rid,
		 line, line[strlen(line) - 1] == ' ' ? "" : "\n");
	ck_assert_msg(strstr(r.body, want), "GET %s: want \"%s\" in:\n%s", path,
		      want, r.body);
	ck_assert_msg(!strstr(r.body, "hunter"), "a secret in the log: %s",
		      r.body);
	http_resp_free(&r);
}

/* A failed fetch gives the guest an error code; the function's log says
 * why, with the request id, and never the URL's query or userinfo. */
START_TEST(fetch_failure_reason_in_function_log)
{
	static const char denied[] =
		"rc=-5 status=0 method=- got=- len=0 body=";
	unsigned port = fetch_server_port(srv),
		 other = port == 65535 ? 1 : port + 1;
	char cmd[256], line[256], rid[32];

	snprintf(cmd, sizeof(cmd),
		 "fetch http://127.0.0.1:%u/secret/path?token=hunter2", other);
	invoke_id("net", cmd, denied, rid, sizeof(rid));
	snprintf(line, sizeof(line),
		 "fetch failed: http://127.0.0.1:%u/secret/path is not on "
		 "the allow-list",
		 other);
	expect_log_line("net", rid, line);

	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo", port);
	invoke_id("nonet", cmd, denied, rid, sizeof(rid));
	expect_log_line("nonet", rid,
			"fetch refused: outbound access is not enabled for "
			"this function (its allow_fetch list is empty)");

	snprintf(cmd, sizeof(cmd),
		 "fetchr http://127.0.0.1:%u/redirect?to=http%%3A%%2F%%2F"
		 "169.254.169.254%%2Fx%%3Ftoken%%3Dhunter2",
		 port);
	invoke_id("net", cmd, denied, rid, sizeof(rid));
	expect_log_line("net", rid,
			"fetch failed: redirect to http://169.254.169.254/x "
			"refused: http://169.254.169.254:80/x is not on the "
			"allow-list");

	/* Allowed, and nothing listens there: the log names the
	 * connection that failed (libcurl's own words follow). */
	other = closed_port();
	snprintf(cmd, sizeof(cmd),
		 "allow_fetch=http%%3A%%2F%%2F127.0.0.1%%3A%u%%2F&"
		 "timeout_ms=60000",
		 other);
	robust_deploy(&daemon_g, "netdead", "tests/guests/kvfn.elf", cmd, 201);
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/x?token=hunter2",
		 other);
	invoke_id("netdead", cmd,
		  "rc=-12 status=0 method=- got=- len=0 body=", rid,
		  sizeof(rid));
	snprintf(line, sizeof(line),
		 "fetch failed: could not connect to 127.0.0.1 port %u: ",
		 other);
	expect_log_line("netdead", rid, line);
}
END_TEST

START_TEST(deadline_while_fetch_parked)
{
	char cmd[128];
	struct http_resp r;

	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/stall",
		 fetch_server_port(srv));
	robust_invoke(&daemon_g, "netslow", cmd, strlen(cmd), &r);
	robust_assert_error(&r, 504, "deadline_exceeded",
			    "deadline of 5000 ms exceeded");
	http_resp_free(&r);
	/* The one VM serves the next call. */
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo POST x",
		 fetch_server_port(srv));
	expect_body("netslow", cmd,
		    "rc=0 status=200 method=POST got=[kvfn] len=1 body=x");
	ck_assert_int_eq(hc_metric("netslow", "fetch", "deadline"), 1);
}
END_TEST

#define NPARALLEL 12 /* more than glintd's workers (CPUs + 1) here */

struct par {
	pthread_t t;
	char cmd[128];
	int rc; /* harness_request's: -EIO when the request itself failed */
	struct http_resp r;
};

static void *par_run(void *arg)
{
	struct par *p = arg;

	p->rc = harness_request(&daemon_g, "POST", "/invoke/net", p->cmd,
				strlen(p->cmd), &p->r);
	return NULL;
}

/* A call's answer, or why there was none. */
static const char *answer_of(const struct http_resp *r)
{
	if (r->body)
		return r->body;
	return r->error ? r->error : "(no response)";
}

/* What a failed parallel test needs to be understood: every call's
 * outcome, the function's pool and glintd's log. */
static void report_calls(const struct par *p, int n)
{
	struct http_resp r;

	for (int i = 0; i < n; i++)
		fprintf(stderr, "call %d: rc %d, HTTP %ld after %.3f s: %s\n",
			i, p[i].rc, p[i].r.status, p[i].r.total_s,
			answer_of(&p[i].r));
	if (harness_request(&daemon_g, "GET", "/functions/net", NULL, 0, &r) ==
	    0) {
		fprintf(stderr, "GET /functions/net: %s\n", r.body);
		http_resp_free(&r);
	}
	harness_dump_log(&daemon_g);
}

/* /barrier answers only once all NPARALLEL wait on it at the same time:
 * the calls can only complete if parked VMs hold no worker. */
START_TEST(parked_calls_hold_no_worker)
{
	static struct par p[NPARALLEL];

	for (int i = 0; i < NPARALLEL; i++) {
		snprintf(p[i].cmd, sizeof(p[i].cmd),
			 "fetch http://127.0.0.1:%u/barrier?n=%d",
			 fetch_server_port(srv), NPARALLEL);
		ck_assert_int_eq(pthread_create(&p[i].t, NULL, par_run, &p[i]),
				 0);
	}
	for (int i = 0; i < NPARALLEL; i++)
		pthread_join(p[i].t, NULL);
	for (int i = 0; i < NPARALLEL; i++) {
		if (p[i].r.status != 200)
			report_calls(p, NPARALLEL);
		ck_assert_msg(p[i].r.status == 200, "call %d: HTTP %ld %s", i,
			      p[i].r.status, answer_of(&p[i].r));
		ck_assert_str_eq(p[i].r.body, "rc=0 status=200 method=- got=- "
					      "len=2 body=ok");
		http_resp_free(&p[i].r);
	}
}
END_TEST

/* GET /functions/net until its pool has want calls parked (cap 60 s). */
static void wait_parked(long want)
{
	struct http_resp r;

	for (int i = 0; i < 6000; i++) {
		char needle[32];
		int found;

		ck_assert_int_eq(harness_request(&daemon_g, "GET",
						 "/functions/net", NULL, 0, &r),
				 0);
		snprintf(needle, sizeof(needle), "\"parked\":%ld", want);
		found = r.body && strstr(r.body, needle) != NULL;
		http_resp_free(&r);
		if (found)
			return;
		usleep(10000); /* pacing the poll */
	}
	ck_abort_msg("no call of net parked after 60 s");
}

/* A call parked on a fetch survives a redeploy of its function (it ends
 * on the old version), and glintd shuts down cleanly with it still
 * parked: the fetch is cancelled, the client gets its answer, the daemon
 * exits 0 (under ASan: no use after free, no leak). */
START_TEST(redeploy_and_shutdown_while_parked)
{
	struct par stalled;
	char q[256], cmd[128];
	int st;

	snprintf(stalled.cmd, sizeof(stalled.cmd),
		 "fetch http://127.0.0.1:%u/stall", fetch_server_port(srv));
	ck_assert_int_eq(pthread_create(&stalled.t, NULL, par_run, &stalled),
			 0);
	wait_parked(1);
	allow_query(q, sizeof(q), "127.0.0.1",
		    "timeout_ms=60000&max_concurrency=16&min_warm=1");
	robust_deploy(&daemon_g, "net", "tests/guests/kvfn.elf", q, 201);
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/echo POST y",
		 fetch_server_port(srv));
	expect_body("net", cmd,
		    "rc=0 status=200 method=POST got=[kvfn] len=1 body=y");
	st = harness_stop(&daemon_g, 60000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "glintd exit status 0x%x", st);
	pthread_join(stalled.t, NULL);
	robust_assert_error(&stalled.r, 503, "unavailable", NULL);
	http_resp_free(&stalled.r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create(HC_TEST_REDIS ? "hcops-redis" : "hcops");
	TCase *t = tcase_create("hcops");

	tcase_add_checked_fixture(t, daemon_up, daemon_down);
	tcase_set_timeout(t, 300);
	tcase_add_test(t, kv_ops_round_trip);
	tcase_add_test(t, kv_list_pages);
	tcase_add_test(t, kv_ttl_expires);
	if (!HC_TEST_REDIS) {
		tcase_add_test(t, kv_refusals_and_hostile_records);
		tcase_add_test(t, limits_are_errors_the_function_handles);
		tcase_add_test(t, fetch_exact_answer);
		tcase_add_test(t, fetch_forbidden);
		tcase_add_test(t, fetch_failure_reason_in_function_log);
		tcase_add_test(t, deadline_while_fetch_parked);
		tcase_add_test(t, parked_calls_hold_no_worker);
		tcase_add_test(t, redeploy_and_shutdown_while_parked);
	}
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	int rc;

	kvm_required();
	if (HC_TEST_REDIS)
		test_redis_start(&redis, "hcops");
	rc = check_run(suite());
	if (HC_TEST_REDIS)
		test_redis_stop(&redis);
	return rc;
}
