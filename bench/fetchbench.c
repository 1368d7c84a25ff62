/* fetchbench.c: N concurrent outbound fetches on one loop thread against a
 * local server that answers each after D ms; prints the wall time of the
 * whole batch against a same-run single-fetch floor.
 *
 *   bench/fetchbench [-n requests] [-d delay_ms] [-r rounds]
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "fetch_server.h"

struct batch {
	int done, failed;
	uint64_t loop_cpu_ns; /* the loop thread's CPU time in the batch */
	uint64_t *lat_ns, *connect_ns;
	char first_error[512];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_done(struct fetch_op *op, int err, const struct fetch_result *r,
		    void *opaque)
{
	struct batch *b = opaque;

	(void)op;
	if (err || r->status != 200) {
		if (!b->failed++)
			snprintf(b->first_error, sizeof(b->first_error),
				 "%d %d %s", err, r->status, r->error);
	}
	b->connect_ns[b->done] = r->timings.connect_us * 1000u;
	b->lat_ns[b->done++] = r->timings.total_ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(uint64_t *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return v[i] / 1e6;
}

/* Runs n fetches at once; returns the batch's wall time in ns. */
static uint64_t run_batch(uv_loop_t *loop, struct fetch *f,
			  const struct fetch_policy *p, const char *url, int n,
			  struct batch *b)
{
	struct fetch_request req = {.url = url, .timeout_ms = 600000};
	uint64_t t0 = now_ns(), c0 = thread_cpu_ns();

	b->done = b->failed = 0;
	b->first_error[0] = '\0';
	for (int i = 0; i < n; i++) {
		int rc = fetch_start(f, &req, p, on_done, b, NULL);

		if (rc < 0) {
			fprintf(stderr, "fetchbench: fetch_start: %s\n",
				strerror(-rc));
			exit(1);
		}
	}
	while (b->done < n)
		uv_run(loop, UV_RUN_ONCE);
	b->loop_cpu_ns = thread_cpu_ns() - c0;
	return now_ns() - t0;
}

/* The floor: median of 21 fetches one at a time, same server, same run. */
static uint64_t single_fetch_ns(uv_loop_t *loop, struct fetch *f,
				const struct fetch_policy *p, const char *url,
				struct batch *b)
{
	uint64_t single[21];

	for (int i = 0; i < 21; i++) {
		run_batch(loop, f, p, url, 1, b);
		single[i] = b->lat_ns[0];
	}
	qsort(single, 21, sizeof(single[0]), cmp_u64);
	return single[10];
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The server runs in a child process, as a remote one would, so its
 * threads are not this process's. Returns its port (0: failed); the child
 * stops when *keep is closed. */
static unsigned start_server_child(pid_t *pid, int *keep)
{
	int up[2], down[2];
	unsigned port = 0;
	char c;

	if (pipe(up) < 0 || pipe(down) < 0 || (*pid = fork()) < 0)
		return 0;
	if (*pid == 0) {
		struct fetch_server *s;

		close(up[0]);
		close(down[1]);
		if (fetch_server_start(&s) < 0)
			_exit(1);
		port = fetch_server_port(s);
		if (write(up[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		while (read(down[0], &c, 1) > 0)
			;
		fetch_server_stop(s);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &port, sizeof(port)) != sizeof(port))
		port = 0;
	close(up[0]);
	*keep = down[1];
	return port;
}

static void report(int round, uint64_t wall_ns, struct batch *b, int n)
{
	qsort(b->lat_ns, (size_t)n, sizeof(uint64_t), cmp_u64);
	qsort(b->connect_ns, (size_t)n, sizeof(uint64_t), cmp_u64);
	printf("round %d: wall %.2f ms  latency p50 %.2f ms  p99 %.2f ms  max "
	       "%.2f ms  connected p50 %.2f ms  p99 %.2f ms  loop CPU %.2f ms "
	       " failed %d%s%s\n",
	       round, wall_ns / 1e6, pct_ms(b->lat_ns, n, 0.5),
	       pct_ms(b->lat_ns, n, 0.99), b->lat_ns[n - 1] / 1e6,
	       pct_ms(b->connect_ns, n, 0.5), pct_ms(b->connect_ns, n, 0.99),
	       b->loop_cpu_ns / 1e6, b->failed, b->failed ? "  first: " : "",
	       b->first_error);
}

int main(int argc, char **argv)
{
	int n = 1000, delay_ms = 50, rounds = 5, opt, keep = -1;
	struct fetch_policy *p;
	struct fetch *f;
	uv_loop_t loop;
	struct batch b;
	char entry[64], url[128], err[256];
	const char *entries[] = {entry};
	uint64_t *walls, floor_ns;
	unsigned port;
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:d:r:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'd')
			delay_ms = atoi(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (n < 1 || rounds < 1 || delay_ms < 0)
		return 2;
	raise_fd_limit();
	port = start_server_child(&pid, &keep);
	snprintf(entry, sizeof(entry), "http://127.0.0.1:%u/", port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/delay?ms=%d", port,
		 delay_ms);
	b.lat_ns = calloc((size_t)n, sizeof(uint64_t));
	b.connect_ns = calloc((size_t)n, sizeof(uint64_t));
	walls = calloc((size_t)rounds, sizeof(uint64_t));
	if (!port || uv_loop_init(&loop) < 0 ||
	    fetch_create(&loop, NULL, &f) < 0 ||
	    fetch_policy_create(entries, 1, err, sizeof(err), &p) < 0 ||
	    !b.lat_ns || !b.connect_ns || !walls) {
		fprintf(stderr, "fetchbench: cannot start\n");
		return 1;
	}
	floor_ns = single_fetch_ns(&loop, f, p, url, &b);
	printf("fetchbench: %d concurrent fetches, server delay %d ms, one "
	       "loop thread (server in another process)\n",
	       n, delay_ms);
	printf("single fetch (median of 21): %.2f ms\n", floor_ns / 1e6);
	for (int r = 0; r < rounds; r++) {
		walls[r] = run_batch(&loop, f, p, url, n, &b);
		report(r + 1, walls[r], &b, n);
	}
	qsort(walls, (size_t)rounds, sizeof(uint64_t), cmp_u64);
	printf("median wall %.2f ms = %.2f x single fetch; one at a time "
	       "would take %.0f ms (%.0f x the batch)\n",
	       walls[rounds / 2] / 1e6, (double)walls[rounds / 2] / floor_ns,
	       n * floor_ns / 1e6, (double)n * floor_ns / walls[rounds / 2]);
	fetch_policy_destroy(p);
	fetch_destroy(f);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	close(keep);
	waitpid(pid, NULL, 0);
	free(b.lat_ns);
	free(b.connect_ns);
	free(walls);
	return 0;
}
