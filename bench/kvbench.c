/* kvbench: latency and throughput of the KV store's get and set, per
 * backend, through the same asynchronous interface the host calls use.
 *
 *   bench/kvbench [-b embedded|redis|both] [-n sets] [-c in-flight]
 *                 [-d dir] [-r redis://host:port]
 *
 * For each backend it prints p50 and p99 latency of one operation at a time
 * and with c in flight, and the ops/s of the latter. Durable sets are
 * bounded by the disk's fsync, so the same run measures that floor (a
 * 100-byte write + fdatasync in the same directory) and prints the set
 * figures as ratios against it. Without -r the redis backend uses a
 * redis-server started by tests/kv/redis_server.sh (appendfsync always). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "kv.h"

#ifndef KV_SRCDIR
#define KV_SRCDIR "."
#endif

enum { KEYS = 1000, VALUE_LEN = 100, MAX_INFLIGHT = 256 };

struct bench {
	uv_loop_t loop;
	struct kv *kv;
	int is_set;
	long total, issued, done;
	double *lat;
	char value[VALUE_LEN];
};

struct slot {
	struct bench *b;
	double t0;
	long idx;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[(long)((double)(n - 1) * p)];
}

static void issue(struct slot *s);

static void on_done(const struct kv_result *r, void *opaque)
{
	struct slot *s = opaque;

	if (r->status != 0) {
		fprintf(stderr, "kvbench: %s failed: %s\n",
			s->b->is_set ? "set" : "get", kv_strerror(r->status));
		exit(1);
	}
	s->b->lat[s->b->done++] = now_us() - s->t0;
	if (s->b->issued < s->b->total)
		issue(s);
}

static void issue(struct slot *s)
{
	struct bench *b = s->b;
	char key[32];
	int rc;

	s->idx = b->issued++;
	snprintf(key, sizeof(key), "key-%ld", s->idx % KEYS);
	s->t0 = now_us();
	rc = b->is_set ? kv_set(b->kv, "bench", key, strlen(key), b->value,
				VALUE_LEN, 0, on_done, s)
		       : kv_get(b->kv, "bench", key, strlen(key), on_done, s);
	if (rc < 0) {
		fprintf(stderr, "kvbench: submit: %s\n", kv_strerror(rc));
		exit(1);
	}
}

/* Runs total operations, inflight at a time; prints one line. Returns the
 * p50 latency in µs; *ops_s gets the throughput. */
static double run(struct bench *b, const char *name, int is_set, long total,
		  int inflight, double *ops_s)
{
	struct slot slots[MAX_INFLIGHT];
	double t0, secs, p50, p99;

	b->is_set = is_set;
	b->total = total;
	b->issued = b->done = 0;
	b->lat = malloc((size_t)total * sizeof(double));
	t0 = now_us();
	for (int i = 0; i < inflight && b->issued < total; i++) {
		slots[i].b = b;
		issue(&slots[i]);
	}
	while (b->done < total)
		uv_run(&b->loop, UV_RUN_ONCE);
	secs = (now_us() - t0) / 1e6;
	p50 = pct(b->lat, total, 0.50);
	p99 = pct(b->lat, total, 0.99);
	*ops_s = (double)total / secs;
	printf("  %-4s %3d in flight  p50 %9.1f us  p99 %9.1f us  %9.0f "
	       "ops/s\n",
	       name, inflight, p50, p99, *ops_s);
	free(b->lat);
	return p50;
}

/* The disk's floor: one small write + fdatasync, serially. */
static double fsync_floor(const char *dir, int n)
{
	char path[600];
	double *lat = malloc((size_t)n * sizeof(double)), p50, p99;
	int fd;

	snprintf(path, sizeof(path), "%s/kvbench-fsync.%d", dir, getpid());
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	/* Overwrites in place after a warm-up, so the floor is the data
	 * flush alone, not the file's growth. */
	for (int i = -20; i < n; i++) {
		char buf[VALUE_LEN] = {(char)i};
		double t0 = now_us();

		if (pwrite(fd, buf, sizeof(buf), 0) < 0 || fdatasync(fd) < 0) {
			perror("fsync floor");
			exit(1);
		}
		if (i >= 0)
			lat[i] = now_us() - t0;
	}
	close(fd);
	unlink(path);
	p50 = pct(lat, n, 0.50);
	p99 = pct(lat, n, 0.99);
	printf("floor: write+fdatasync in %s  p50 %.1f us  p99 %.1f us\n", dir,
	       p50, p99);
	free(lat);
	return p50;
}

static void bench_backend(const struct kv_config *cfg, const char *label,
			  long nsets, int inflight, double floor_us)
{
	struct bench b;
	char err[256];
	double ops, ops_grouped, p50;

	memset(&b, 0, sizeof(b));
	memset(b.value, 'v', sizeof(b.value));
	uv_loop_init(&b.loop);
	if (kv_open(&b.loop, cfg, &b.kv, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvbench: %s\n", err);
		exit(1);
	}
	printf("%s:\n", label);
	p50 = run(&b, "set", 1, nsets / 4 > 50 ? nsets / 4 : 50, 1, &ops);
	run(&b, "set", 1, nsets, inflight, &ops_grouped);
	run(&b, "get", 0, nsets * 10, 1, &ops);
	run(&b, "get", 0, nsets * 10, inflight, &ops);
	printf("  set p50 / fsync p50 = %.2f; grouped set ops/s x fsync p50 = "
	       "%.1f sets per fsync-time\n",
	       p50 / floor_us, ops_grouped * floor_us / 1e6);
	kv_close(b.kv);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	uv_loop_close(&b.loop);
}

static int start_redis(const char *dir, char *url, size_t len)
{
	char cmd[800], port[16] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "bash '%s/tests/kv/redis_server.sh' start '%s'", KV_SRCDIR,
		 dir);
	p = popen(cmd, "r");
	if (p == NULL || fgets(port, sizeof(port), p) == NULL) {
		if (p)
			pclose(p);
		return -1;
	}
	if (pclose(p) != 0)
		return -1;
	port[strcspn(port, "\n")] = '\0';
	snprintf(url, len, "redis://127.0.0.1:%s", port);
	return 0;
}

int main(int argc, char **argv)
{
	const char *which = "both", *dir = "/var/tmp", *url = NULL;
	char kvdir[600], rdir[600], rurl[64], cmd[1400];
	long nsets = 2000;
	int inflight = 64, c;
	double floor_us;

	while ((c = getopt(argc, argv, "b:n:c:d:r:")) != -1) {
		if (c == 'b')
			which = optarg;
		else if (c == 'n')
			nsets = atol(optarg);
		else if (c == 'c')
			inflight = atoi(optarg);
		else if (c == 'd')
			dir = optarg;
		else if (c == 'r')
			url = optarg;
		else
			return 2;
	}
	if (nsets < 10 || inflight < 1 || inflight > MAX_INFLIGHT)
		return 2;
	printf("kvbench: %d keys, %d-byte values, %ld sets and %ld gets per "
	       "run\n",
	       KEYS, VALUE_LEN, nsets, nsets * 10);
	floor_us = fsync_floor(dir, 200);
	snprintf(kvdir, sizeof(kvdir), "%s/kvbench-lmdb.%d", dir, getpid());
	snprintf(rdir, sizeof(rdir), "%s/kvbench-redis.%d", dir, getpid());
	if (strcmp(which, "redis") != 0) {
		struct kv_config cfg = {.backend = KV_EMBEDDED, .dir = kvdir};

		bench_backend(&cfg, "embedded (LMDB, group commit)", nsets,
			      inflight, floor_us);
	}
	if (strcmp(which, "embedded") != 0) {
		struct kv_config cfg = {.backend = KV_REDIS};

		if (url == NULL && start_redis(rdir, rurl, sizeof(rurl)) < 0) {
			fprintf(stderr, "kvbench: cannot start redis-server\n");
			return 1;
		}
		cfg.redis_url = url ? url : rurl;
		bench_backend(&cfg, url ? url : "redis (appendfsync always)",
			      nsets, inflight, floor_us);
		if (url == NULL) {
			snprintf(cmd, sizeof(cmd),
				 "bash '%s/tests/kv/redis_server.sh' stop '%s'",
				 KV_SRCDIR, rdir);
			if (system(cmd) != 0)
				fprintf(stderr, "kvbench: redis stop failed\n");
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", kvdir, rdir);
	return system(cmd) == 0 ? 0 : 1;
}
