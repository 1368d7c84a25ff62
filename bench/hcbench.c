/* hcbench.c: host calls that reach the world, measured through a real
 * glintd: KV get/set latency and throughput from inside a function per
 * backend, and many concurrent calls each parked on a slow outbound
 * request.
 *
 *   bench/hcbench kv [-b embedded|redis] [-n ops] [-r rounds]
 *   bench/hcbench fetch [-n calls] [-d delay_ms] [-r rounds]
 *
 * kv: the guest (tests/guests/kvfn.elf) times n KV_GETs, n KV_SETs and,
 * as the same-run floor, n NOOP host calls with the TSC; the TSC rate is
 * measured here against CLOCK_MONOTONIC. Prints medians of per-op
 * p50/p99 over the rounds, ops/s in one call, and ratios to NOOP.
 * redis needs tests/kv/redis_server.sh (Debian's redis-server).
 *
 * fetch: n concurrent calls, each fetching /delay?ms=d from a server this
 * program starts on 127.0.0.1; after one batch on fresh VMs (shown on its
 * own), r rounds of a floor batch (n calls making one NOOP host call) and
 * a fetch batch; prints median wall times, fetch minus floor, per-call
 * p50/p99 over all fetch batches, glintd's worker count and one call
 * alone. Run with GLINT_BUILDDIR set to the build directory.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch_server.h"
#include "harness.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

static double tsc_hz(void)
{
	uint32_t lo, hi;
	uint64_t c0, c1, t0 = now_ns(), t1;
	struct timespec ts = {0, 200000000};

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	c0 = ((uint64_t)hi << 32) | lo;
	nanosleep(&ts, NULL);
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	c1 = ((uint64_t)hi << 32) | lo;
	t1 = now_ns();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

static void die(const char *what, struct glintd_proc *g)
{
	fprintf(stderr, "hcbench: %s\n", what);
	if (g)
		harness_dump_log(g);
	exit(1);
}

static int start_daemon(struct glintd_proc *g, const char *conf_json,
			char *conf_dir, size_t len)
{
	char path[300];
	const char *extra[] = {"--config", path, NULL};
	FILE *f;

	snprintf(conf_dir, len, "/tmp/glint-hcbench-XXXXXX");
	if (mkdtemp(conf_dir) == NULL)
		return -errno;
	snprintf(path, sizeof(path), "%s/glintd.conf", conf_dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fputs(conf_json, f);
	fclose(f);
	return harness_start(g, extra);
}

static void invoke(struct glintd_proc *g, const char *fn, const char *in,
		   struct http_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", fn);
	if (harness_request(g, "POST", path, in, strlen(in), r) != 0 ||
	    r->status != 200)
		die(r->body ? r->body : "invoke failed", g);
}

/* ---- kv ------------------------------------------------------------------ */

struct kv_row {
	uint64_t p50[64], p99[64], total[64];
};

static void kv_round(struct glintd_proc *g, const char *op, unsigned n,
		     struct kv_row *row, int i)
{
	char cmd[64];
	unsigned long long p50, p99, total;
	long rc;
	struct http_resp r;

	snprintf(cmd, sizeof(cmd), "bench %s %u", op, n);
	invoke(g, "kvb", cmd, &r);
	if (sscanf(r.body, "rc=%ld p50=%llu p99=%llu total=%llu", &rc, &p50,
		   &p99, &total) != 4 ||
	    rc < 0)
		die(r.body, g);
	row->p50[i] = p50;
	row->p99[i] = p99;
	row->total[i] = total;
	http_resp_free(&r);
}

static char redis_dir[64];

static void redis(const char *what, char *port, size_t len)
{
	char cmd[300];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "bash tests/kv/redis_server.sh %s '%s'",
		 what, redis_dir);
	p = popen(cmd, "r");
	if (p == NULL)
		die("cannot run tests/kv/redis_server.sh (run from the source "
		    "tree)",
		    NULL);
	if (port && (fgets(port, (int)len, p) == NULL))
		port[0] = '\0';
	if (pclose(p) != 0)
		die("redis_server.sh failed (is redis-server installed?)",
		    NULL);
	if (port)
		port[strcspn(port, "\n")] = '\0';
}

static int bench_kv(const char *backend, unsigned n, int rounds)
{
	static const char *const ops[] = {"noop", "get", "set"};
	static struct kv_row rows[3];
	struct glintd_proc g;
	struct http_resp r;
	char conf[256], dir[64], port[16] = "";
	double hz = tsc_hz(), p50[3], p99[3], ops_s[3];

	if (rounds > 64)
		rounds = 64;
	if (!strcmp(backend, "redis")) {
		snprintf(redis_dir, sizeof(redis_dir), "/tmp/glint-hcb-XXXXXX");
		if (mkdtemp(redis_dir) == NULL)
			die("mkdtemp", NULL);
		redis("start", port, sizeof(port));
	}
	snprintf(conf, sizeof(conf), "{\"hostcalls_per_call\": 100000%s%s%s}",
		 port[0] ? ", \"kv_backend\": \"redis\", \"kv_redis_url\": "
			   "\"redis://127.0.0.1:"
			 : "",
		 port, port[0] ? "\"" : "");
	if (start_daemon(&g, conf, dir, sizeof(dir)) != 0)
		die("glintd did not start", &g);
	if (harness_deploy(&g, "kvb", harness_built("tests/guests/kvfn.elf"),
			   "timeout_ms=600000&max_concurrency=1", &r) != 0 ||
	    r.status != 201)
		die("deploy failed", &g);
	http_resp_free(&r);
	invoke(&g, "kvb", "bench set 1", &r); /* the key gets exist */
	http_resp_free(&r);
	for (int i = 0; i < rounds; i++)
		for (int o = 0; o < 3; o++)
			kv_round(&g, ops[o], n, &rows[o], i);
	for (int o = 0; o < 3; o++) {
		p50[o] = (double)pct(rows[o].p50, (size_t)rounds, 0.5) / hz *
			 1e6;
		p99[o] = (double)pct(rows[o].p99, (size_t)rounds, 0.5) / hz *
			 1e6;
		ops_s[o] =
			(double)n /
			((double)pct(rows[o].total, (size_t)rounds, 0.5) / hz);
	}
	printf("kv backend %s: %u ops per call, %d rounds, TSC %.0f MHz\n",
	       backend, n, rounds, hz / 1e6);
	printf("%-6s %12s %12s %12s %10s\n", "op", "p50 us", "p99 us", "ops/s",
	       "p50/noop");
	for (int o = 0; o < 3; o++)
		printf("%-6s %12.1f %12.1f %12.0f %10.2f\n", ops[o], p50[o],
		       p99[o], ops_s[o], p50[o] / p50[0]);
	harness_cleanup(&g);
	if (port[0]) {
		redis("stop", NULL, 0);
		snprintf(conf, sizeof(conf), "rm -rf '%s'", redis_dir);
		if (system(conf) != 0)
			fprintf(stderr, "could not remove %s\n", redis_dir);
	}
	snprintf(conf, sizeof(conf), "rm -rf '%s'", dir);
	return system(conf) == 0 ? 0 : 1;
}

/* ---- fetch --------------------------------------------------------------- */

struct call {
	CURL *h;
	uint64_t start_ns, end_ns;
	char *body;
	size_t len;
};

static size_t on_body(char *p, size_t sz, size_t n, void *opaque)
{
	struct call *c = opaque;
	char *b = realloc(c->body, c->len + sz * n + 1);

	if (b == NULL)
		return 0;
	memcpy(b + c->len, p, sz * n);
	c->len += sz * n;
	b[c->len] = '\0';
	c->body = b;
	return sz * n;
}

/* n calls at once on one curl multi; returns the batch's wall time. */
static uint64_t fetch_batch(const struct glintd_proc *g, const char *cmd,
			    struct call *calls, int n, int *failed)
{
	CURLM *m = curl_multi_init();
	char url[128];
	int running = 0;
	uint64_t t0 = now_ns();
	CURLMsg *msg;
	int left;

	snprintf(url, sizeof(url), "%s/invoke/fb", g->base_url);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	for (int i = 0; i < n; i++) {
		struct call *c = &calls[i];

		memset(c, 0, sizeof(*c));
		c->h = curl_easy_init();
		curl_easy_setopt(c->h, CURLOPT_URL, url);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, cmd);
		curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
		curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 600L);
		c->start_ns = now_ns();
		curl_multi_add_handle(m, c->h);
	}
	*failed = 0;
	do {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct call *c;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&c);
			c->end_ns = now_ns();
			curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE,
					  &status);
			if (msg->data.result != CURLE_OK || status != 200 ||
			    c->body == NULL ||
			    strncmp(c->body, "rc=0 ", 5) != 0) {
				if (!(*failed)++)
					fprintf(stderr,
						"first failure: %ld %s\n",
						status, c->body ? c->body : "");
			}
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running);
	t0 = now_ns() - t0;
	for (int i = 0; i < n; i++) {
		curl_multi_remove_handle(m, calls[i].h);
		curl_easy_cleanup(calls[i].h);
		free(calls[i].body);
	}
	curl_multi_cleanup(m);
	return t0;
}

static unsigned workers_of(const struct glintd_proc *g)
{
	size_t len = 0;
	char *log = harness_read_file(g->log_path, &len), *p;
	unsigned w = 0;

	p = log ? strstr(log, "workers: ") : NULL;
	if (p)
		w = (unsigned)strtoul(p + 9, NULL, 10);
	free(log);
	return w;
}

#define FETCH_ROUNDS_MAX 64

struct fetch_run {
	int n, rounds, failed;
	uint64_t one, first, floor[FETCH_ROUNDS_MAX], wall[FETCH_ROUNDS_MAX];
	uint64_t minus[FETCH_ROUNDS_MAX];
	/* CPU time of glintd and of this process (client and server) */
	uint64_t floor_cpu[FETCH_ROUNDS_MAX], fetch_cpu[FETCH_ROUNDS_MAX];
	uint64_t floor_self[FETCH_ROUNDS_MAX], fetch_self[FETCH_ROUNDS_MAX];
	uint64_t *lat; /* n x rounds per-call latencies of the fetch batches */
};

/*
 * The first fetch batch is each warm VM's first fetch call: its first
 * writes to pages the NOOP floor never touched (the fetch record, the
 * response copied in) break copy-on-write sharing with the snapshot,
 * which costs more the more VMs the process holds. It is shown on its
 * own; the rounds then alternate floor and fetch batches on VMs that
 * have served both kinds of call, so the difference is parking itself.
 */
/* CPU time (user + system) of process pid, 0 = this one, in ns. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat",
		 pid ? (int)pid : getpid());
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* Fields 14 and 15 (utime, stime) follow the ")" of the name. */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %llu %llu",
				&ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* One batch; *cpu and *self get glintd's and this process's CPU time. */
static uint64_t timed_batch(const struct glintd_proc *g, const char *cmd,
			    struct call *calls, struct fetch_run *fr,
			    uint64_t *cpu, uint64_t *self)
{
	uint64_t c0 = cpu_ns(g->pid), s0 = cpu_ns(0), wall;
	int failed;

	wall = fetch_batch(g, cmd, calls, fr->n, &failed);
	fr->failed += failed;
	*cpu = cpu_ns(g->pid) - c0;
	*self = cpu_ns(0) - s0;
	return wall;
}

static void fetch_measure(const struct glintd_proc *g, const char *cmd,
			  struct call *calls, struct fetch_run *fr)
{
	int failed;

	fr->one = fetch_batch(g, cmd, calls, 1, &failed);
	fr->failed += failed;
	fr->first = fetch_batch(g, cmd, calls, fr->n, &failed);
	fr->failed += failed;
	for (int r = 0; r < fr->rounds; r++) {
		/* The floor of the same run: n calls that make one NOOP host
		 * call instead, so HTTP, scheduling and VM costs are in both. */
		fr->floor[r] =
			timed_batch(g, "bench noop 1", calls, fr,
				    &fr->floor_cpu[r], &fr->floor_self[r]);
		fr->wall[r] = timed_batch(g, cmd, calls, fr, &fr->fetch_cpu[r],
					  &fr->fetch_self[r]);
		fr->minus[r] = fr->wall[r] > fr->floor[r]
				       ? fr->wall[r] - fr->floor[r]
				       : 0;
		for (int i = 0; i < fr->n; i++)
			fr->lat[(size_t)r * (size_t)fr->n + (size_t)i] =
				calls[i].end_ns - calls[i].start_ns;
	}
}

static void fetch_print(struct fetch_run *fr, int delay_ms, unsigned workers)
{
	size_t nr = (size_t)fr->rounds;
	double one = (double)fr->one / 1e6;
	double wall = (double)pct(fr->wall, nr, 0.5) / 1e6;

	printf("fetch: %d concurrent calls, each parked on a %d ms outbound "
	       "request; glintd workers %u; %d rounds (medians)\n",
	       fr->n, delay_ms, workers, fr->rounds);
	printf("  one call alone        %8.1f ms\n", one);
	printf("  first batch, fresh VMs %7.1f ms wall (each VM's first "
	       "fetch call)\n",
	       (double)fr->first / 1e6);
	printf("  all %d at once      %8.1f ms wall (%.1fx one call; %d "
	       "failed)\n",
	       fr->n, wall, wall / one, fr->failed);
	printf("  %d no-fetch calls    %8.1f ms wall (same-run floor); fetch "
	       "batch minus floor %.1f ms\n",
	       fr->n, (double)pct(fr->floor, nr, 0.5) / 1e6,
	       (double)pct(fr->minus, nr, 0.5) / 1e6);
	printf("  CPU per batch         glintd %.1f ms fetch, %.1f ms floor; "
	       "this process (client, server) %.1f ms fetch, %.1f ms floor\n",
	       (double)pct(fr->fetch_cpu, nr, 0.5) / 1e6,
	       (double)pct(fr->floor_cpu, nr, 0.5) / 1e6,
	       (double)pct(fr->fetch_self, nr, 0.5) / 1e6,
	       (double)pct(fr->floor_self, nr, 0.5) / 1e6);
	printf("  per call              p50 %.1f ms, p99 %.1f ms\n",
	       (double)pct(fr->lat, nr * (size_t)fr->n, 0.5) / 1e6,
	       (double)pct(fr->lat, nr * (size_t)fr->n, 0.99) / 1e6);
	printf("  serial estimate       %8.1f ms (n x one call / workers)\n",
	       one * fr->n / (workers ? workers : 1));
}

static int bench_fetch(int n, int delay_ms, int rounds)
{
	struct fetch_server *srv;
	struct glintd_proc g;
	struct http_resp r;
	struct call *calls = calloc((size_t)n, sizeof(*calls));
	struct fetch_run fr = {.n = n, .rounds = rounds};
	char conf[256], q[256], cmd[128], dir[64], series[128];

	if (fr.rounds > FETCH_ROUNDS_MAX)
		fr.rounds = FETCH_ROUNDS_MAX;
	fr.lat = calloc((size_t)n * (size_t)fr.rounds, sizeof(*fr.lat));
	if (calls == NULL || fr.lat == NULL || fetch_server_start(&srv) != 0)
		die("cannot start the local server", NULL);
	snprintf(conf, sizeof(conf),
		 "{\"max_connections\": %d, \"max_connections_per_ip\": 0}",
		 n + 64);
	if (start_daemon(&g, conf, dir, sizeof(dir)) != 0)
		die("glintd did not start", &g);
	snprintf(
		q, sizeof(q),
		"allow_fetch=http%%3A%%2F%%2F127.0.0.1%%3A%u%%2F&memory_mb=8&"
		"max_concurrency=%d&min_warm=%d&queue_max=%d&timeout_ms=600000",
		fetch_server_port(srv), n, n, n);
	if (harness_deploy(&g, "fb", harness_built("tests/guests/kvfn.elf"), q,
			   &r) != 0 ||
	    r.status != 201)
		die(r.body ? r.body : "deploy failed", &g);
	http_resp_free(&r);
	snprintf(series, sizeof(series),
		 "glint_pool_vms{function=\"fb\",state=\"ready\"}");
	if (harness_wait_metric(&g, series, n, 600000) != 0)
		die("the pool did not reach its warm size", &g);
	snprintf(cmd, sizeof(cmd), "fetch http://127.0.0.1:%u/delay?ms=%d",
		 fetch_server_port(srv), delay_ms);
	fetch_measure(&g, cmd, calls, &fr);
	fetch_print(&fr, delay_ms, workers_of(&g));
	harness_cleanup(&g);
	fetch_server_stop(srv);
	free(calls);
	free(fr.lat);
	snprintf(conf, sizeof(conf), "rm -rf '%s'", dir);
	return fr.failed || system(conf) != 0;
}

/* The harness reports through Check, so the benchmark runs as one Check
 * test in this process (no fork); it prints numbers, it asserts nothing
 * about speed. */
static const char *mode_g, *backend_g = "embedded";
static int n_g, rounds_g, delay_g = 50, result_g = 2;

START_TEST(run_bench)
{
	if (!strcmp(mode_g, "kv"))
		result_g = bench_kv(backend_g, n_g > 0 ? (unsigned)n_g : 2000,
				    rounds_g > 0 ? rounds_g : 11);
	else if (!strcmp(mode_g, "fetch"))
		result_g = bench_fetch(n_g > 0 ? n_g : 1000, delay_g,
				       rounds_g > 0 ? rounds_g : 3);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("hcbench");
	TCase *t = tcase_create("bench");
	SRunner *sr;
	int opt;

	mode_g = argc > 1 ? argv[1] : "";
	optind = 2;
	while ((opt = getopt(argc, argv, "b:n:r:d:")) != -1) {
		if (opt == 'b')
			backend_g = optarg;
		else if (opt == 'n')
			n_g = atoi(optarg);
		else if (opt == 'r')
			rounds_g = atoi(optarg);
		else if (opt == 'd')
			delay_g = atoi(optarg);
		else
			return 2;
	}
	if (strcmp(mode_g, "kv") && strcmp(mode_g, "fetch")) {
		fprintf(stderr,
			"usage: hcbench kv [-b embedded|redis] [-n ops] "
			"[-r rounds] | fetch [-n calls] [-d delay_ms] [-r "
			"rounds]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_test(t, run_bench);
	tcase_set_timeout(t, 3600);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	if (srunner_ntests_failed(sr))
		result_g = 1;
	srunner_free(sr);
	return result_g;
}
