/* vmbench.c: VMM benchmark: warm call, restore, clone, boot and the floor. */
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "tinyguest.h"
#include "vm.h"
#include "vm_internal.h"

/*
 * Usage: vmbench [-c cpu] [-n samples]
 *        [-m all|warm|restore|request|hostcall|thread] [builddir]
 * Images come from builddir (default $GLINT_BUILDDIR or "."): echo and
 * hello examples, tests/guests/dirty.elf, tests/guests/hostcall.elf. Every
 * series prints median and p99 in microseconds over n samples (default
 * 1000). -m warm runs only the floor and the warm call; -m request the
 * floor and the warm call with and without request metadata (10 headers, a
 * query); -m restore only the restore-strategy table (a 1 GiB VM, several
 * seconds per row); -m hostcall the floor and one no-op host call, with
 * their ratio; -m thread a warm call after one on the same thread and
 * after one on another thread (bench_thread).
 */

#define MiB (1024ull * 1024ull)

/* Calls run before a series' samples are kept. */
#define WARMUP 100

static int samples = 1000;
static const char *builddir = ".";
static struct vmm *vmm;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints and returns the median in microseconds. */
static double report(const char *name, uint64_t *ns, int n)
{
	double med, p99;

	qsort(ns, (size_t)n, sizeof(*ns), cmp_u64);
	med = (double)ns[n / 2] / 1000.0;
	p99 = (double)ns[(n * 99) / 100] / 1000.0;
	printf("%-44s median %9.1f us   p99 %9.1f us   (n=%d)\n", name, med,
	       p99, n);
	return med;
}

static void die(const char *what, const struct vm_error *err)
{
	fprintf(stderr, "vmbench: %s: %s\n", what, err ? err->message : "");
	exit(1);
}

static void load(const char *rel, struct image *img)
{
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s", builddir, rel);
	if (image_load_file(path, 64 * MiB, img, err, sizeof(err))) {
		fprintf(stderr, "vmbench: %s: %s\n", path, err);
		exit(1);
	}
}

static struct vm_snapshot *boot(const struct image *img, uint64_t mem,
				struct vm **vm)
{
	struct vm_config cfg;
	struct vm_snapshot *snap;
	struct vm_error err;

	vm_config_default(&cfg, mem);
	if (vm_boot(vmm, img, &cfg, NULL, NULL, &snap, vm, NULL, &err))
		die("vm_boot", &err);
	return snap;
}

/* The floor: a warm vCPU whose guest is `1: outb $0x11; jmp 1b` at CPL 3:
 * every KVM_RUN is one exit, nothing else. */
struct floor {
	struct vm *vm;
	struct vm_snapshot *snap;
};

static void floor_open(struct floor *f)
{
	static const unsigned char code[] = {0xe6, 0x10, 0xe6,
					     0x11, 0xeb, 0xfc};
	struct image img;

	memset(&img, 0, sizeof(img));
	img.data = code;
	img.len_bytes = sizeof(code);
	img.entry_gpa = img.segments[0].gpa = GLINT_IMAGE_BASE;
	img.end_gpa = GLINT_IMAGE_BASE + GLINT_PAGE_SIZE;
	img.abi_version = GLINT_ABI_VERSION;
	img.nsegments = 1;
	img.segments[0].mem_bytes = img.segments[0].file_bytes = sizeof(code);
	img.segments[0].perm = IMAGE_PERM_R | IMAGE_PERM_X;
	f->snap = boot(&img, 16 * MiB, &f->vm);
}

/* One bare exit, in nanoseconds. */
static uint64_t floor_exit(struct floor *f)
{
	uint64_t t0 = now_ns();

	if (ioctl(f->vm->vcpu_fd, KVM_RUN, 0) ||
	    f->vm->run->exit_reason != KVM_EXIT_IO)
		die("floor KVM_RUN", NULL);
	return now_ns() - t0;
}

/* Bare exits for samples [from, from + FLOOR_BLOCK) of a series of
 * `samples` (negative indexes warm up). Series interleave with the floor
 * in blocks: close enough in time to see the same machine (hosts drift by
 * tens of percent within seconds), far enough apart that switching vCPUs
 * between VMs is paid once a block, not by every sample of one series. */
#define FLOOR_BLOCK 50

static void floor_block(struct floor *f, uint64_t *fl, int from)
{
	for (int j = from; j < from + FLOOR_BLOCK; j++) {
		uint64_t t = floor_exit(f);

		if (j >= 0 && j < samples)
			fl[j] = t;
	}
}

static void floor_close(struct floor *f)
{
	vm_destroy(f->vm);
	vm_snapshot_unref(f->snap);
}

#define FLOOR_NAME "floor: bare CPL3 exit (KVM_RUN->out->host)"

/* The floor alone, for the modes that cannot interleave with it. */
static double bench_floor(uint64_t *ns)
{
	struct floor f;
	double med;

	floor_open(&f);
	for (int i = -WARMUP; i < samples; i++) {
		uint64_t t = floor_exit(&f);

		if (i >= 0)
			ns[i] = t;
	}
	med = report(FLOOR_NAME, ns, samples);
	floor_close(&f);
	return med;
}

/* The warm call against the floor, interleaved in blocks (floor_block).
 * Returns warm call / floor, both medians. */
static double bench_warm(uint64_t *fl, uint64_t *ns, uint64_t *ns_call)
{
	struct image img;
	struct vm *vm;
	struct vm_snapshot *snap;
	struct vm_call_result res;
	struct vm_error err;
	struct vm_restore_stats rs;
	struct floor f;
	char input[200];
	struct vm_call_args a = {.input = input, .input_len = sizeof(input)};
	double med, floor_us;
	uint64_t cpu = 0;

	memset(input, 'x', sizeof(input));
	memcpy(input, "\"warm call\"", 11);
	load("guest/examples/echo.elf", &img);
	snap = boot(&img, 16 * MiB, &vm);
	floor_open(&f);
	for (int i = -WARMUP; i < samples; i++) {
		uint64_t c0, t0, t1, t2;

		if ((i + WARMUP) % FLOOR_BLOCK == 0)
			floor_block(&f, fl, i);
		c0 = thread_cpu_ns();
		t0 = now_ns();
		a.call_id = (uint64_t)i;
		if (vm_call(vm, &a, &res, &err) ||
		    res.output_len != sizeof(input) ||
		    memcmp(res.output, input, sizeof(input)))
			die("warm call", &err);
		t1 = now_ns();
		if (vm_restore(vm, &rs))
			die("restore", NULL);
		t2 = now_ns();
		if (i >= 0) {
			ns[i] = t2 - t0;
			ns_call[i] = t1 - t0;
			cpu += thread_cpu_ns() - c0;
		}
	}
	floor_us = report(FLOOR_NAME, fl, samples);
	/* CPU rather than wall time: what a call costs a loaded machine,
	 * the figure the HTTP benchmark's ceiling is computed from. */
	printf("%-44s mean %9.1f us\n",
	       "warm call CPU (thread CPU time / call)",
	       (double)cpu / 1000.0 / samples);
	printf("%-44s %u\n", "pages restored per call", rs.dirty_pages);
	med = report("warm call: echo 200 B (call + restore)", ns, samples);
	report("  of which the call (reply can go out here)", ns_call, samples);
	floor_close(&f);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	image_release(&img);
	return med / floor_us;
}

/* The cost of request metadata: the same warm echo call with a bare POST
 * request (method and body only) and with a request of 10 headers and a
 * query string, interleaved in pairs so that both see the same machine, and
 * with the floor in blocks (floor_block). Returns the call with metadata /
 * floor. */
static double bench_request(uint64_t *fl, uint64_t *bare, uint64_t *full)
{
	static const char *const hv[10][2] = {
		{"Host", "api.example.com"},
		{"User-Agent", "curl/8.5.0"},
		{"Accept", "application/json"},
		{"Accept-Encoding", "gzip, deflate, br"},
		{"Content-Type", "application/json"},
		{"Content-Length", "200"},
		{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"},
		{"X-Request-Source", "bench"},
		{"X-Forwarded-For", "203.0.113.7"},
		{"Cookie", "session=abcdef0123456789; theme=dark"}};
	static const char *const qv[3][2] = {
		{"page", "2"}, {"sort", "name asc"}, {"filter", "a&b"}};
	struct vm_kv headers[10], query[3];
	struct vm_request min = {.method = {"POST", 4}, .scheme = {"http", 4}};
	struct vm_request req;
	struct image img;
	struct vm *vm;
	struct vm_snapshot *snap;
	struct vm_call_result res;
	struct vm_error err;
	char input[200];
	struct vm_call_args a = {.input = input, .input_len = sizeof(input)};
	int64_t *delta;
	double b, f, floor_us;
	struct floor fv;

	for (int i = 0; i < 10; i++)
		headers[i] = (struct vm_kv){{hv[i][0], strlen(hv[i][0])},
					    {hv[i][1], strlen(hv[i][1])}};
	for (int i = 0; i < 3; i++)
		query[i] = (struct vm_kv){{qv[i][0], strlen(qv[i][0])},
					  {qv[i][1], strlen(qv[i][1])}};
	req = min;
	req.path_raw = req.path = (struct vm_str){"/items/42", 9};
	req.query_raw =
		(struct vm_str){"page=2&sort=name+asc&filter=a%26b", 33};
	req.client_addr = (struct vm_str){"203.0.113.7", 11};
	req.client_port = 54321;
	req.request_id = (struct vm_str){"5f0c2a9e00000012", 16};
	req.headers = headers;
	req.nheaders = 10;
	req.query = query;
	req.nquery = 3;
	memset(input, 'x', sizeof(input));
	load("guest/examples/echo.elf", &img);
	snap = boot(&img, 16 * MiB, &vm);
	floor_open(&fv);
	for (int i = -WARMUP; i < samples; i++) {
		if ((i + WARMUP) % FLOOR_BLOCK == 0)
			floor_block(&fv, fl, i);
		for (int k = 0; k < 2; k++) {
			uint64_t t0 = now_ns();

			a.request = k ? &req : &min;
			if (vm_call(vm, &a, &res, &err) ||
			    res.output_len != sizeof(input) ||
			    vm_restore(vm, NULL))
				die("request call", &err);
			if (i >= 0)
				(k ? full : bare)[i] = now_ns() - t0;
		}
	}
	/* The two calls of a pair ran back to back: their difference is the
	 * metadata's cost with the machine's state in common. */
	delta = calloc((unsigned)samples, sizeof(*delta));
	if (!delta)
		die("calloc", NULL);
	for (int i = 0; i < samples; i++)
		delta[i] = (int64_t)full[i] - (int64_t)bare[i];
	qsort(delta, (size_t)samples, sizeof(*delta), cmp_i64);
	floor_us = report(FLOOR_NAME, fl, samples);
	b = report("warm call: bare POST request, 200 B body", bare, samples);
	f = report("warm call: + 10 headers, query, path", full, samples);
	printf("%-44s %+.1f us per call\n", "request metadata cost (median)",
	       f - b);
	printf("%-44s median %+.1f us   p99 %+.1f us\n",
	       "metadata cost, paired calls",
	       (double)delta[samples / 2] / 1000.0,
	       (double)delta[(samples * 99) / 100] / 1000.0);
	free(delta);
	floor_close(&fv);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	image_release(&img);
	return f / floor_us;
}

/* One warm call and its restore, timed, on whatever thread runs it. */
struct hop {
	struct vm *vm;
	struct vm_call_args *args;
	uint64_t ns;
	sem_t go, done;
	int stop;
};

static void hop_call(struct hop *h)
{
	struct vm_call_result res;
	struct vm_error err;
	uint64_t t0 = now_ns();

	if (vm_call(h->vm, h->args, &res, &err) || vm_restore(h->vm, NULL))
		die("warm call", &err);
	h->ns = now_ns() - t0;
}

static void *hop_thread(void *arg)
{
	struct hop *h = arg;

	for (;;) {
		while (sem_wait(&h->go))
			;
		if (h->stop)
			return NULL;
		hop_call(h);
		sem_post(&h->done);
	}
}

/* A warm call on the thread that ran the VM last against one on a thread
 * that did not: the main thread and a second long-lived thread take
 * turns, and each pair is one call after a call on the same thread, one
 * after a call on the other. KVM_RUN notes a new thread: kernels before
 * late 2024 (Debian 12's 6.1 among them) wait there for an RCU grace
 * period (synchronize_rcu, milliseconds), later ones take a lock; and the
 * vCPU's state may be cold on the new CPU. glintd moves VMs between its
 * loop and its workers: this is what a host charges for each move. The
 * hand-over is outside the timed part. */
static void bench_thread(uint64_t *same, uint64_t *other)
{
	struct image img;
	struct vm_snapshot *snap;
	char input[200];
	struct vm_call_args a = {.input = input, .input_len = sizeof(input)};
	struct hop h = {.args = &a};
	pthread_t t;

	memset(input, 'x', sizeof(input));
	load("guest/examples/echo.elf", &img);
	snap = boot(&img, 16 * MiB, &h.vm);
	if (sem_init(&h.go, 0, 0) || sem_init(&h.done, 0, 0) ||
	    pthread_create(&t, NULL, hop_thread, &h))
		die("thread", NULL);
	for (int i = -20; i < samples; i++) {
		hop_call(&h);
		hop_call(&h);
		if (i >= 0)
			same[i] = h.ns;
		sem_post(&h.go);
		while (sem_wait(&h.done))
			;
		if (i >= 0)
			other[i] = h.ns;
	}
	h.stop = 1;
	sem_post(&h.go);
	pthread_join(t, NULL);
	report("warm call after one on the same thread", same, samples);
	report("warm call after one on another thread", other, samples);
	sem_destroy(&h.go);
	sem_destroy(&h.done);
	vm_destroy(h.vm);
	vm_snapshot_unref(snap);
	image_release(&img);
}

static void bench_restore(uint64_t *ns)
{
	static const int pages[] = {1, 16, 256};
	struct image img;
	struct vm *vm;
	struct vm_snapshot *snap;
	struct vm_call_result res;
	struct vm_error err;
	struct vm_restore_stats st;
	char in[16], name[64];

	load("tests/guests/dirty.elf", &img);
	snap = boot(&img, 64 * MiB, &vm);
	for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		struct vm_call_args a = {.input = in};

		a.input_len = (size_t)snprintf(in, sizeof(in), "%d", pages[k]);
		for (int i = -50; i < samples; i++) {
			if (vm_call(vm, &a, &res, &err))
				die("dirty call", &err);
			if (vm_restore(vm, &st))
				die("restore", NULL);
			if (i >= 0)
				ns[i] = st.restore_ns;
		}
		snprintf(name, sizeof(name),
			 "restore after %d dirty pages (%u copied)", pages[k],
			 st.dirty_pages);
		report(name, ns, samples);
	}
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	image_release(&img);
}

static void bench_clone(uint64_t *ns, uint64_t *ns_fresh)
{
	struct image img;
	struct vm *vm, *c;
	struct vm_snapshot *snap;
	struct vm_call_result res;
	struct vm_error err;
	struct vm_call_args a = {.input = "x", .input_len = 1};

	load("guest/examples/echo.elf", &img);
	snap = boot(&img, 16 * MiB, &vm);
	for (int i = -20; i < samples; i++) {
		uint64_t t0 = now_ns(), t1, t2;

		if (vm_clone(snap, &c, &err))
			die("clone", &err);
		t1 = now_ns();
		if (vm_call(c, &a, &res, &err))
			die("first call", &err);
		t2 = now_ns();
		vm_destroy(c);
		if (i >= 0) {
			ns[i] = t1 - t0;
			ns_fresh[i] = now_ns() - t0;
		}
		(void)t2;
	}
	report("clone from snapshot", ns, samples);
	report("fresh VM per call (clone+call+destroy)", ns_fresh, samples);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	image_release(&img);
}

static void bench_boot(uint64_t *ns)
{
	struct image img;
	struct vm *vm;
	struct vm_snapshot *snap;
	int n = samples;

	load("guest/examples/hello.elf", &img);
	for (int i = -5; i < n; i++) {
		uint64_t t0 = now_ns();

		snap = boot(&img, 16 * MiB, &vm);
		if (i >= 0)
			ns[i] = now_ns() - t0;
		vm_destroy(vm);
		vm_snapshot_unref(snap);
	}
	report("boot to snapshot: hello, 16 MiB", ns, n);
	image_release(&img);
}

/* ---- restore strategies: copy vs MADV_DONTNEED vs remap vs whole copy --- */

#define STRAT_MEM (1024 * MiB)
#define STRAT_REGION (STRAT_MEM - 16 * MiB) /* leaves room for I/O, stack */

struct strat_row {
	const char *name;
	enum vm_restore_mode mode;
	struct vm *vm;
	uint64_t *restore, *run, *cycle;
	uint64_t private_bytes;
	uint32_t copied, dropped;
};

/* One call that dirties `pages` pages on row r's VM and its restore;
 * records restore time, the call's run time (where pages dropped by the
 * last restore fault back in) and their sum at sample i (< 0: warm-up). */
static void strat_cycle(struct strat_row *r, uint64_t pages, int i)
{
	uint64_t in[3] = {0, pages, 0}; /* mode 0: write from page 0 */
	struct vm_call_args a = {.input = in, .input_len = sizeof(in)};
	struct vm_call_result res;
	struct vm_restore_stats st;
	struct vm_error err;

	if (vm_call(r->vm, &a, &res, &err))
		die("pages call", &err);
	if (vm_restore(r->vm, &st))
		die("restore", NULL);
	if (i >= 0) {
		r->restore[i] = st.restore_ns;
		r->run[i] = res.run_ns;
		r->cycle[i] = st.restore_ns + res.run_ns;
	}
	r->private_bytes = st.private_bytes;
	r->copied = st.dirty_pages;
	r->dropped = st.dropped_pages;
}

static void strat_print(const struct strat_row *r, uint64_t pages, int n)
{
	char name[96];

	snprintf(name, sizeof(name), "%-9s %6llu pages: restore", r->name,
		 (unsigned long long)pages);
	report(name, r->restore, n);
	snprintf(name, sizeof(name), "%-9s %6llu pages: next call run", r->name,
		 (unsigned long long)pages);
	report(name, r->run, n);
	snprintf(name, sizeof(name), "%-9s %6llu pages: restore + run", r->name,
		 (unsigned long long)pages);
	report(name, r->cycle, n);
	printf("%-9s %6llu pages: copied %u dropped %u, private after "
	       "restore %.1f MiB\n",
	       r->name, (unsigned long long)pages, r->copied, r->dropped,
	       (double)r->private_bytes / (double)MiB);
}

static struct vm_snapshot *strat_boot(uint64_t region)
{
	static unsigned char code[sizeof(tiny_pages_code)];
	static struct image img;
	struct vm_snapshot *snap;
	struct vm_config cfg;
	struct vm_error err;
	struct vm *vm;

	tiny_pages_image(&img, code, (uint32_t)region);
	vm_config_default(&cfg, STRAT_MEM);
	cfg.init_timeout_ms = 600000; /* init writes every page of 1 GiB */
	if (vm_boot(vmm, &img, &cfg, NULL, NULL, &snap, &vm, NULL, &err))
		die("vm_boot", &err);
	vm_destroy(vm);
	return snap;
}

/* vm_trim of a VM that holds what a `pages` call left private, and the
 * run time of the call after it (which faults its pages in again). */
static void strat_trim(struct strat_row *r, uint64_t pages, int n)
{
	char name[96];

	for (int i = -1; i < n; i++) {
		uint64_t t0, t1;

		strat_cycle(r, pages, -1);
		t0 = now_ns();
		if (vm_trim(r->vm, NULL))
			die("vm_trim", NULL);
		t1 = now_ns();
		strat_cycle(r, pages, i);
		if (i >= 0)
			r->cycle[i] = t1 - t0;
	}
	snprintf(name, sizeof(name), "%-9s %6llu pages: vm_trim", r->name,
		 (unsigned long long)pages);
	report(name, r->cycle, n);
	snprintf(name, sizeof(name), "%-9s %6llu pages: call after trim",
		 r->name, (unsigned long long)pages);
	report(name, r->run, n);
}

/* For each size, one fresh clone per strategy; the strategies take turns
 * call by call, so that a change in the host's load hits them alike. */
static void bench_strategies(void)
{
	static const uint64_t pages[] = {1, 16, 256, 4096, 65536, 262144};
	struct strat_row rows[] = {
		{.name = "copy", .mode = VM_RESTORE_COPY},
		{.name = "dontneed", .mode = VM_RESTORE_DROP},
		{.name = "remap", .mode = VM_RESTORE_REMAP},
		{.name = "wholecopy", .mode = VM_RESTORE_WHOLE_COPY},
		{.name = "auto", .mode = VM_RESTORE_AUTO}};
	const size_t nrows = sizeof(rows) / sizeof(rows[0]);
	uint64_t region = STRAT_REGION / GLINT_PAGE_SIZE;
	struct vm_snapshot *snap = strat_boot(region);
	struct vm_error err;

	for (size_t m = 0; m < nrows; m++) {
		rows[m].restore = calloc((size_t)samples, sizeof(uint64_t));
		rows[m].run = calloc((size_t)samples, sizeof(uint64_t));
		rows[m].cycle = calloc((size_t)samples, sizeof(uint64_t));
	}
	printf("restore strategies, %llu MiB VM (region of %llu pages)\n",
	       (unsigned long long)(STRAT_MEM / MiB),
	       (unsigned long long)region);
	for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		uint64_t p = pages[k] < region ? pages[k] : region;
		/* Fewer samples for big series: a 1 GiB one takes seconds. */
		int n = (int)(samples * 64 / (int64_t)p);

		n = n < 11 ? 11 : n > samples ? samples : n;
		for (size_t m = 0; m < nrows; m++) {
			if (vm_clone(snap, &rows[m].vm, &err))
				die("clone", &err);
			rows[m].vm->mode = rows[m].mode;
		}
		for (int i = -3; i < n; i++)
			for (size_t m = 0; m < nrows; m++)
				strat_cycle(&rows[m], p, i);
		for (size_t m = 0; m < nrows; m++)
			strat_print(&rows[m], p, n);
		strat_trim(&rows[nrows - 1], p, n);
		for (size_t m = 0; m < nrows; m++)
			vm_destroy(rows[m].vm);
		fflush(stdout);
	}
	for (size_t m = 0; m < nrows; m++) {
		free(rows[m].restore);
		free(rows[m].run);
		free(rows[m].cycle);
	}
	vm_snapshot_unref(snap);
}

/* One no-op host call, end to end: the guest's `out`, the exit, the
 * decode and range checks, the synchronous handler, rax set and the guest
 * entered again, up to its next host call. The handler stamps the time of
 * each host call; the gaps between stamps are the samples. */
struct stamps {
	uint64_t *ns;
	int n, cap;
};

static int stamp_noop(void *opaque, const struct vm_hostcall *hc,
		      int64_t *result)
{
	struct stamps *st = opaque;

	if (st->n < st->cap)
		st->ns[st->n++] = now_ns();
	*result = 0;
	return hc->op == GLINT_HOSTCALL_NOOP;
}

static double bench_hostcall(uint64_t *ns)
{
	struct stamps st = {.cap = samples + 101};
	struct vm_call_args args = {
		.input = "loop",
		.input_len = 4,
		.timeout_ms = 600000,
		.hostcall_sync = stamp_noop,
		.hostcall_opaque = &st,
		.hostcall_limits = {.calls_max = (uint32_t)samples + 101},
	};
	struct vm_call_result res;
	struct vm_error err;
	struct image img;
	struct vm *vm;
	struct vm_snapshot *snap;
	double med;

	load("tests/guests/hostcall.elf", &img);
	snap = boot(&img, 16 * MiB, &vm);
	st.ns = calloc((size_t)st.cap, sizeof(*st.ns));
	if (!st.ns || vm_call(vm, &args, &res, &err))
		die("host-call loop", &err);
	/* The first 100 warm up. */
	for (int i = 0; i < samples; i++)
		ns[i] = st.ns[101 + i] - st.ns[100 + i];
	med = report("no-op host call (exit to exit)", ns, samples);
	free(st.ns);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	image_release(&img);
	return med;
}

int main(int argc, char **argv)
{
	char err[256];
	uint64_t *a, *b, *c;
	double floor_us;
	const char *mode = "all";
	int opt, cpu = -1;

	if (getenv("GLINT_BUILDDIR"))
		builddir = getenv("GLINT_BUILDDIR");
	while ((opt = getopt(argc, argv, "c:n:m:")) != -1) {
		if (opt == 'c')
			cpu = atoi(optarg);
		else if (opt == 'n')
			samples = atoi(optarg);
		else if (opt == 'm' &&
			 (!strcmp(optarg, "all") || !strcmp(optarg, "warm") ||
			  !strcmp(optarg, "restore") ||
			  !strcmp(optarg, "request") ||
			  !strcmp(optarg, "hostcall") ||
			  !strcmp(optarg, "thread")))
			mode = optarg;
		else {
			fprintf(stderr,
				"usage: %s [-c cpu] [-n samples] "
				"[-m all|warm|restore|request|hostcall|thread] "
				"[builddir]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		builddir = argv[optind];
	if (samples < 100)
		samples = 100;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("sched_setaffinity");
	}
	if (vmm_open(&vmm, err, sizeof(err))) {
		fprintf(stderr, "vmbench: %s\n", err);
		return 1;
	}
	a = calloc((size_t)samples, sizeof(*a));
	b = calloc((size_t)samples, sizeof(*b));
	c = calloc((size_t)samples, sizeof(*c));
	if (!a || !b || !c) {
		fprintf(stderr, "vmbench: out of memory\n");
		return 1;
	}
	if (!strcmp(mode, "hostcall") || !strcmp(mode, "all")) {
		floor_us = bench_floor(a);
		printf("%-44s %.2fx\n", "no-op host call / floor",
		       bench_hostcall(a) / floor_us);
	}
	if (!strcmp(mode, "request"))
		printf("%-44s %.2fx\n",
		       "warm call with request metadata / floor",
		       bench_request(a, b, c));
	else if (!strcmp(mode, "thread"))
		bench_thread(a, b);
	else if (strcmp(mode, "restore") && strcmp(mode, "hostcall"))
		printf("%-44s %.2fx\n", "warm call / floor",
		       bench_warm(a, b, c));
	if (!strcmp(mode, "all")) {
		bench_request(a, b, c);
		bench_thread(a, b);
		bench_restore(a);
		bench_clone(a, b);
		bench_boot(a);
	}
	if (!strcmp(mode, "restore"))
		bench_strategies();
	free(a);
	free(b);
	free(c);
	vmm_close(vmm);
	return 0;
}
