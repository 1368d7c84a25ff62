/* test_engine_kvm.c: the engine on a real libuv loop and real KVM micro-VMs. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "kvm_required.h"
#include "metrics.h"
#include "sha256.h"
#include "../check_run.h"

static uv_loop_t loop;
static struct engine *eng;
static struct metrics *mets;
static char state[256];

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *load(const char *rel, size_t *len)
{
	const char *b = getenv("GLINT_BUILDDIR");
	char path[1024];
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b ? b : ".", rel);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "cannot open %s", path);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void run_until(const int *flag)
{
	while (!*flag)
		uv_run(&loop, UV_RUN_ONCE);
}

/* An engine on workers threads, of which a function may hold
 * fn_workers_max (0: the default, all but one). */
static void engine_up_on(unsigned workers, unsigned fn_workers_max)
{
	struct engine_config cfg;
	char err[256];

	engine_config_default(&cfg);
	cfg.state_dir = state;
	cfg.workers = workers;
	cfg.function_workers_max = fn_workers_max;
	ck_assert_int_eq(
		engine_create(&loop, &cfg, mets, &eng, err, sizeof(err)), 0);
	while (!engine_ready(eng))
		uv_run(&loop, UV_RUN_ONCE);
}

static void engine_up(void)
{
	engine_up_on(2, 0);
}

static void shutdown_done(void *opaque)
{
	*(int *)opaque = 1;
}

static void engine_down(uint32_t grace_ms)
{
	int done = 0;

	engine_shutdown(eng, grace_ms, shutdown_done, &done);
	run_until(&done);
	engine_destroy(eng);
	eng = NULL;
	ck_assert_int_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
}

static void setup(void)
{
	snprintf(state, sizeof(state), "/tmp/glint-engine-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(metrics_create(&mets), 0);
	engine_up();
}

static void teardown(void)
{
	char cmd[300];

	if (eng)
		engine_down(1000);
	metrics_destroy(mets);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	ck_assert_int_eq(system(cmd), 0);
}

struct dep {
	struct engine_deploy d;
	int done;
};

static void deploy_done(struct engine_deploy *d)
{
	((struct dep *)d->opaque)->done = 1;
}

/* Deploys image (relative to the build dir) as name with settings given
 * as "key=value" strings; returns the outcome. */
static enum engine_outcome deploy_kv(struct dep *dp, const char *name,
				     const char *image, const char *const *kv)
{
	struct engine_config cfg;
	char err[256], key[64];
	size_t len;
	uint8_t *img = load(image, &len);

	memset(dp, 0, sizeof(*dp));
	engine_config_default(&cfg);
	dp->d.settings = cfg.defaults;
	for (; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
		ck_assert_int_eq(function_settings_set(&dp->d.settings, key,
						       eq + 1, err,
						       sizeof(err)),
				 0);
	}
	snprintf(dp->d.function, sizeof(dp->d.function), "%s", name);
	dp->d.image = img;
	dp->d.image_len = len;
	dp->d.done = deploy_done;
	dp->d.opaque = dp;
	engine_deploy(eng, &dp->d);
	ck_assert_int_eq(dp->done, 0); /* never before engine_deploy returns */
	run_until(&dp->done);
	free(img);
	return dp->d.outcome;
}

static enum engine_outcome deploy(const char *name, const char *image,
				  const char *const *kv)
{
	struct dep dp;
	enum engine_outcome o = deploy_kv(&dp, name, image, kv);

	if (o != ENGINE_OK)
		fprintf(stderr, "deploy %s: %s %s\n", name,
			engine_outcome_code(o), dp.d.message);
	json_decref(dp.d.description);
	return o;
}

struct call {
	struct engine_invocation inv;
	int done;
	int order;
	char input[64];
};

static int finished;

static void call_done(struct engine_invocation *inv)
{
	struct call *c = inv->opaque;

	c->done = 1;
	c->order = ++finished;
}

static void start(struct call *c, const char *name, const char *input)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->input, sizeof(c->input), "%s", input);
	snprintf(c->inv.function, sizeof(c->inv.function), "%s", name);
	c->inv.input = c->input;
	c->inv.input_len = strlen(c->input);
	c->inv.done = call_done;
	c->inv.opaque = c;
	engine_invoke(eng, &c->inv);
	ck_assert_int_eq(c->done, 0);
}

static void wait_call(struct call *c)
{
	run_until(&c->done);
}

static void expect_output(struct call *c, const char *want)
{
	ck_assert_msg(c->inv.outcome == ENGINE_OK, "outcome %s: %s",
		      engine_outcome_code(c->inv.outcome), c->inv.message);
	ck_assert_uint_eq(c->inv.output_len, strlen(want));
	ck_assert_mem_eq(c->inv.output, want, strlen(want));
}

static void invoke(struct call *c, const char *name, const char *input)
{
	start(c, name, input);
	wait_call(c);
}

static void release(struct call *c)
{
	free(c->inv.output);
	c->inv.output = NULL;
}

static json_int_t desc_int(json_t *d, const char *key)
{
	json_t *v = json_object_get(d, key);

	ck_assert_msg(json_is_integer(v), "no integer %s", key);
	return json_integer_value(v);
}

/* VMs go back to the pool after their restore, which runs after the
 * reply: wait (bounded by the test timeout) until name has n ready. */
static json_int_t pool_ready(const char *name)
{
	json_t *d = engine_describe(eng, name);
	json_int_t n;

	ck_assert_ptr_nonnull(d);
	n = desc_int(json_object_get(d, "pool"), "ready");
	json_decref(d);
	return n;
}

static void wait_pool_ready(const char *name, json_int_t n)
{
	while (pool_ready(name) < n)
		uv_run(&loop, UV_RUN_ONCE);
}

static void timer_fired(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/* Runs the loop for ms milliseconds. */
static void run_for(unsigned ms)
{
	uv_timer_t t;
	int fired = 0;

	uv_timer_init(&loop, &t);
	t.data = &fired;
	uv_timer_start(&t, timer_fired, ms, 0);
	run_until(&fired);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
}

static json_int_t pool_int(const char *name, const char *key)
{
	json_t *d = engine_describe(eng, name);
	json_int_t v;

	ck_assert_ptr_nonnull(d);
	v = desc_int(json_object_get(d, "pool"), key);
	json_decref(d);
	return v;
}

/* Warms name with short calls (input, answered with output), so that its
 * next waiters are chained (chain.c), and waits for n ready VMs. */
static void warm_for_chains(const char *name, const char *input,
			    const char *output, json_int_t n)
{
	struct call warm;

	for (int i = 0; i < 32; i++) {
		invoke(&warm, name, input);
		expect_output(&warm, output);
		release(&warm);
	}
	wait_pool_ready(name, n);
}

/* b waits for spin's only VM, which a holds: it ends at its 100 ms queue
 * deadline, a still running. */
static void expect_vm_wait_timeout(struct call *b, const struct call *a)
{
	wait_call(b);
	ck_assert_int_eq(b->inv.outcome, ENGINE_QUEUE_TIMEOUT);
	ck_assert_str_eq(b->inv.message,
			 "no VM of spin became free within 100 ms");
	ck_assert_uint_ge(b->inv.queue_ns, 90000000);
	ck_assert_int_eq(a->done, 0);
}

/* a spins to its deadline; its VM, restored, serves the next call. */
static void expect_deadline_then_serves(struct call *a)
{
	struct call c;

	wait_call(a);
	ck_assert_int_eq(a->inv.outcome, ENGINE_DEADLINE);
	invoke(&c, "spin", "10");
	expect_output(&c, "10");
	release(&c);
}

/* A new engine on workers threads that runs every call on a worker (none
 * on the loop), where a VM at work takes waiters (chain.c). */
static void engine_restart_on(unsigned workers)
{
	engine_down(1000);
	ck_assert_int_eq(setenv("GLINT_LOOP_RUNS", "0", 1), 0);
	engine_up_on(workers, 0);
	unsetenv("GLINT_LOOP_RUNS");
}

static void engine_restart_on_workers(void)
{
	engine_restart_on(2);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(deploy_and_invoke_echo)
{
	struct dep dp;
	struct call c;
	char hex[SHA256_HEX_BYTES];
	uint8_t sum[SHA256_DIGEST_BYTES];
	size_t len;
	uint8_t *img = load("guest/examples/echo.elf", &len);
	json_t *d;

	ck_assert_int_eq(deploy_kv(&dp, "echo", "guest/examples/echo.elf",
				   (const char *const[]){"memory_mb=8", NULL}),
			 ENGINE_OK);
	d = dp.d.description;
	ck_assert_str_eq(json_string_value(json_object_get(d, "name")), "echo");
	ck_assert_int_eq(desc_int(d, "version"), 1);
	ck_assert_int_eq(desc_int(d, "memory_mb"), 8);
	ck_assert_int_eq(desc_int(d, "image_bytes"), (json_int_t)len);
	sha256(img, len, sum);
	sha256_hex(sum, hex);
	ck_assert_str_eq(json_string_value(json_object_get(d, "sha256")), hex);
	ck_assert_ptr_nonnull(json_object_get(d, "deployed_at"));
	ck_assert_ptr_nonnull(json_object_get(d, "boot_ms"));
	json_decref(d);
	free(img);

	invoke(&c, "echo", "hello, glint");
	expect_output(&c, "hello, glint");
	ck_assert_str_eq(c.inv.content_type, "application/octet-stream");
	ck_assert_uint_gt(c.inv.total_ns, 0);
	release(&c);

	invoke(&c, "nope", "x");
	ck_assert_int_eq(c.inv.outcome, ENGINE_NOT_FOUND);
	ck_assert_str_eq(c.inv.message, "function \"nope\" is not deployed");
	ck_assert_ptr_null(c.inv.output);

	wait_pool_ready("echo", 1);
	d = engine_describe(eng, "echo");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(desc_int(json_object_get(d, "invocations"), "ok"), 1);
	json_decref(d);
	d = engine_list(eng);
	ck_assert_uint_eq(json_array_size(d), 1);
	json_decref(d);
}
END_TEST

START_TEST(input_too_large)
{
	struct engine_invocation inv;
	struct call c;
	json_t *d;
	json_int_t cap;
	char *big, want[160];

	ck_assert_int_eq(deploy("echo", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	d = engine_describe(eng, "echo");
	cap = desc_int(d, "input_max_bytes");
	json_decref(d);
	big = calloc(1, (size_t)cap + 1);
	memset(&c, 0, sizeof(c));
	inv = (struct engine_invocation){.input = big,
					 .input_len = (size_t)cap + 1,
					 .done = call_done,
					 .opaque = &c};
	snprintf(inv.function, sizeof(inv.function), "echo");
	engine_invoke(eng, &inv);
	run_until(&c.done);
	ck_assert_int_eq(inv.outcome, ENGINE_INPUT_TOO_LARGE);
	snprintf(want, sizeof(want),
		 "input of %lld bytes exceeds the function's %lld-byte input "
		 "area",
		 (long long)cap + 1, (long long)cap);
	ck_assert_str_eq(inv.message, want);
	free(big);
}
END_TEST

#define NCONC 256

START_TEST(concurrent_256)
{
	static struct call c[NCONC];
	char in[32], out[32];
	json_t *d;

	ck_assert_int_eq(deploy("echo", "guest/examples/echo.elf",
				(const char *const[]){"max_concurrency=4",
						      "min_warm=1", NULL}),
			 ENGINE_OK);
	for (int i = 0; i < NCONC; i++) {
		snprintf(in, sizeof(in), "call %d", i);
		start(&c[i], "echo", in);
	}
	d = engine_describe(eng, "echo");
	ck_assert_int_le(desc_int(json_object_get(d, "pool"), "total"), 4);
	ck_assert_int_gt(desc_int(json_object_get(d, "pool"), "queued"), 200);
	json_decref(d);
	for (int i = 0; i < NCONC; i++) {
		wait_call(&c[i]);
		snprintf(out, sizeof(out), "call %d", i);
		expect_output(&c[i], out);
		release(&c[i]);
	}
	d = engine_describe(eng, "echo");
	ck_assert_int_le(desc_int(json_object_get(d, "pool"), "total"), 4);
	ck_assert_int_eq(desc_int(json_object_get(d, "invocations"), "ok"),
			 NCONC);
	json_decref(d);
}
END_TEST

START_TEST(queue_full_and_timeout)
{
	struct call a, b, full, late;

	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       /* a must outlast b's queue timeout: 10 s against
			* 100 ms is far apart on any host. */
		       (const char *const[]){"max_concurrency=1", "queue_max=1",
					     "timeout_ms=10000",
					     "queue_timeout_ms=100", NULL}),
		ENGINE_OK);
	finished = 0;
	start(&a, "spin", "100000000000");
	start(&b, "spin", "10");
	start(&full, "spin", "10");
	wait_call(&full);
	ck_assert_int_eq(full.inv.outcome, ENGINE_QUEUE_FULL);
	ck_assert_uint_ge(full.inv.retry_after_s, 1);
	ck_assert_ptr_nonnull(strstr(full.inv.message, "limit of 1"));
	expect_vm_wait_timeout(&b, &a);
	wait_call(&a);
	ck_assert_int_eq(a.inv.outcome, ENGINE_DEADLINE);
	ck_assert_str_eq(a.inv.message, "deadline of 10000 ms exceeded");
	/* The VM was restored and serves again. */
	invoke(&late, "spin", "1000");
	expect_output(&late, "1000");
	release(&late);
}
END_TEST

START_TEST(deadline_then_ok)
{
	struct call c;

	ck_assert_int_eq(deploy("spin", "tests/guests/spin.elf",
				/* 1 s: far above the work of the call that
				 * must succeed */
				(const char *const[]){"timeout_ms=1000", NULL}),
			 ENGINE_OK);
	invoke(&c, "spin", "100000000000000");
	ck_assert_int_eq(c.inv.outcome, ENGINE_DEADLINE);
	ck_assert_str_eq(c.inv.message, "deadline of 1000 ms exceeded");
	ck_assert_str_eq(engine_outcome_code(c.inv.outcome),
			 "deadline_exceeded");
	invoke(&c, "spin", "12345");
	expect_output(&c, "12345");
	release(&c);
}
END_TEST

/* The first call of a function runs on the loop thread (nothing known
 * about it, nothing else at work); no host runs 2e8 iterations within the
 * loop's 1 ms slice, so this one is stopped there and finishes on a
 * worker, from where it stopped: the count proves the state came along. */
START_TEST(long_call_leaves_the_loop_intact)
{
	struct call c, e;

	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"timeout_ms=120000", NULL}),
		ENGINE_OK);
	ck_assert_int_eq(deploy("echo", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	invoke(&c, "spin", "200000000");
	expect_output(&c, "200000000");
	release(&c);
	/* Its VM is restored and reused; short calls still work, on the
	 * loop or not. */
	for (int i = 0; i < 20; i++) {
		invoke(&c, "spin", "12345");
		expect_output(&c, "12345");
		release(&c);
		invoke(&e, "echo", "short");
		expect_output(&e, "short");
		release(&e);
	}
}
END_TEST

START_TEST(hostile_guest)
{
	static const struct {
		const char *mode;
		enum engine_outcome want;
		const char *text;
	} rows[] = {
		{"null-read", ENGINE_GUEST_CRASHED, "#PF"},
		{"div0", ENGINE_GUEST_CRASHED, NULL},
		{"write-pt", ENGINE_GUEST_CRASHED, NULL},
		{"big-output", ENGINE_OUTPUT_TOO_LARGE,
		 "exceeds the output area"},
		{"abort", ENGINE_GUEST_ABORTED, "function aborted: boom"},
		{"fail", ENGINE_FUNCTION_ERROR, "nope"},
	};
	struct call c;

	ck_assert_int_eq(deploy("hostile", "tests/guests/hostile.elf", NULL),
			 ENGINE_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		invoke(&c, "hostile", rows[i].mode);
		ck_assert_msg(c.inv.outcome == rows[i].want,
			      "%s: outcome %s: %s", rows[i].mode,
			      engine_outcome_code(c.inv.outcome),
			      c.inv.message);
		ck_assert_str_ne(c.inv.message, "");
		if (rows[i].text)
			ck_assert_msg(strstr(c.inv.message, rows[i].text),
				      "%s: message %s", rows[i].mode,
				      c.inv.message);
		ck_assert_ptr_null(c.inv.output);
		invoke(&c, "hostile", "ok");
		expect_output(&c, "ok");
		release(&c);
	}
}
END_TEST

START_TEST(failed_deploy_keeps_previous)
{
	struct dep dp;
	struct call c;
	json_t *d;

	ck_assert_int_eq(deploy("f", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	ck_assert_int_eq(deploy_kv(&dp, "f", "tests/guests/initfail.elf", NULL),
			 ENGINE_INIT_FAILED);
	ck_assert_str_eq(engine_outcome_code(dp.d.outcome), "init_failed");
	ck_assert_ptr_nonnull(strstr(dp.d.message, "init failed on purpose"));
	ck_assert_ptr_null(dp.d.description);
	ck_assert_int_eq(deploy_kv(&dp, "f", "tests/guests/badabi.elf", NULL),
			 ENGINE_INVALID_IMAGE);
	ck_assert_str_eq(engine_outcome_code(dp.d.outcome), "invalid_image");
	ck_assert_int_eq(
		deploy_kv(&dp, "f", "tests/daemon/test_engine_unit", NULL),
		ENGINE_INVALID_IMAGE);
	ck_assert_str_eq(engine_outcome_code(dp.d.outcome), "invalid_image");
	invoke(&c, "f", "still echo");
	expect_output(&c, "still echo");
	release(&c);
	d = engine_describe(eng, "f");
	ck_assert_int_eq(desc_int(d, "version"), 1);
	json_decref(d);
	/* The stored file is the previous version too. */
	engine_down(1000);
	engine_up();
	invoke(&c, "f", "after restart");
	expect_output(&c, "after restart");
	release(&c);
}
END_TEST

#define NSTREAM 300

START_TEST(redeploy_during_stream)
{
	static struct call c[NSTREAM];
	struct dep dp = {0};
	char in[32];
	int next = 0, deployed = 0, redeploys = 0;
	size_t len;
	uint8_t *img = load("guest/examples/echo.elf", &len);
	json_t *d;

	ck_assert_int_eq(deploy("r", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	/* Keep 4 calls in flight; redeploy three times along the way. */
	while (next < NSTREAM) {
		int inflight = 0;

		for (int i = 0; i < next; i++)
			inflight += !c[i].done;
		if (inflight < 4) {
			snprintf(in, sizeof(in), "s%d", next);
			start(&c[next], "r", in);
			next++;
			continue;
		}
		if (redeploys < 3 && next > 50 * (redeploys + 1) && !deployed) {
			memset(&dp, 0, sizeof(dp));
			struct engine_config cfg;
			engine_config_default(&cfg);
			dp.d.settings = cfg.defaults;
			snprintf(dp.d.function, sizeof(dp.d.function), "r");
			dp.d.image = img;
			dp.d.image_len = len;
			dp.d.done = deploy_done;
			dp.d.opaque = &dp;
			engine_deploy(eng, &dp.d);
			deployed = 1;
		}
		uv_run(&loop, UV_RUN_ONCE);
		if (deployed && dp.done) {
			ck_assert_int_eq(dp.d.outcome, ENGINE_OK);
			json_decref(dp.d.description);
			deployed = 0;
			redeploys++;
		}
	}
	if (deployed) {
		run_until(&dp.done);
		json_decref(dp.d.description);
		redeploys++;
	}
	for (int i = 0; i < NSTREAM; i++) {
		wait_call(&c[i]);
		snprintf(in, sizeof(in), "s%d", i);
		expect_output(&c[i], in);
		release(&c[i]);
	}
	ck_assert_int_ge(redeploys, 1);
	d = engine_describe(eng, "r");
	ck_assert_int_eq(desc_int(d, "version"), 1 + redeploys);
	json_decref(d);
	free(img);
}
END_TEST

START_TEST(delete_function)
{
	struct call c, inflight;
	char path[300];
	json_t *l;

	ck_assert_int_eq(deploy("gone", "tests/guests/spin.elf", NULL),
			 ENGINE_OK);
	snprintf(path, sizeof(path), "%s/gone.fn", state);
	ck_assert_int_eq(access(path, F_OK), 0);
	start(&inflight, "gone", "20000000");
	ck_assert_int_eq(engine_delete(eng, "gone"), 0);
	invoke(&c, "gone", "1");
	ck_assert_int_eq(c.inv.outcome, ENGINE_NOT_FOUND);
	ck_assert_int_eq(engine_delete(eng, "gone"), -ENOENT);
	ck_assert_ptr_null(engine_describe(eng, "gone"));
	l = engine_list(eng);
	ck_assert_uint_eq(json_array_size(l), 0);
	json_decref(l);
	wait_call(&inflight); /* the in-flight call finishes normally */
	expect_output(&inflight, "20000000");
	release(&inflight);
	engine_down(1000);
	ck_assert_int_eq(access(path, F_OK), -1);
	engine_up();
	invoke(&c, "gone", "1");
	ck_assert_int_eq(c.inv.outcome, ENGINE_NOT_FOUND);
	/* Deployable again under the same name. */
	ck_assert_int_eq(deploy("gone", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	invoke(&c, "gone", "back");
	expect_output(&c, "back");
	release(&c);
}
END_TEST

START_TEST(persistence_and_corrupt_entries)
{
	struct call c;
	char path[300];
	json_t *l, *d;
	int fd;

	ck_assert_int_eq(deploy("p", "guest/examples/echo.elf",
				(const char *const[]){"timeout_ms=777", NULL}),
			 ENGINE_OK);
	ck_assert_int_eq(deploy("p", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	ck_assert_int_eq(deploy("q", "tests/guests/counter.elf", NULL),
			 ENGINE_OK);
	engine_down(1000);
	snprintf(path, sizeof(path), "%s/junk.fn", state);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "GLINTFN", 7), 7);
	close(fd);
	snprintf(path, sizeof(path), "%s/.tmp.p.1.2", state);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	engine_up();
	ck_assert_int_eq(access(path, F_OK), -1);
	l = engine_list(eng);
	ck_assert_uint_eq(json_array_size(l), 2);
	json_decref(l);
	d = engine_describe(eng, "p");
	ck_assert_int_eq(desc_int(d, "version"), 2);
	ck_assert_int_eq(desc_int(d, "timeout_ms"), 1000);
	json_decref(d);
	invoke(&c, "p", "persisted");
	expect_output(&c, "persisted");
	release(&c);
	invoke(&c, "q", "");
	expect_output(&c, "1");
	release(&c);
	invoke(&c, "q", "");
	expect_output(&c, "1");
	release(&c);
}
END_TEST

START_TEST(shutdown_interrupts_inflight)
{
	struct call c, late;
	int done = 0;

	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"timeout_ms=60000", NULL}),
		ENGINE_OK);
	start(&c, "spin", "100000000000000");
	/* In flight: its VM is busy (cap 60 s, however slow the host). */
	for (int ms = 0; pool_int("spin", "busy") < 1; ms++) {
		ck_assert_msg(ms < 60000, "the call never started");
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	engine_shutdown(eng, 50, shutdown_done, &done);
	start(&late, "spin", "1");
	run_until(&done);
	ck_assert_int_eq(c.done, 1);
	ck_assert_int_eq(c.inv.outcome, ENGINE_UNAVAILABLE);
	ck_assert_str_eq(c.inv.message,
			 "call interrupted: glintd is shutting down");
	ck_assert_int_eq(late.done, 1);
	ck_assert_int_eq(late.inv.outcome, ENGINE_UNAVAILABLE);
	engine_destroy(eng);
	eng = NULL;
	ck_assert_int_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
}
END_TEST

#define IDLE_MS 2000
#define IDLE_MS_TEXT "2000"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

START_TEST(prewarm_grow_and_reclaim)
{
	struct call c[6];
	char in[16];
	uint64_t t0;
	int i;

	ck_assert_int_eq(
		deploy("w", "guest/examples/echo.elf",
		       (const char *const[]){"min_warm=2", "max_concurrency=6",
					     "idle_ms=" IDLE_MS_TEXT, NULL}),
		ENGINE_OK);
	/* Waits poll their condition with a cap of a minute. */
	for (i = 0; i < 12000 && pool_int("w", "ready") < 2; i++)
		run_for(5);
	ck_assert_int_eq(pool_int("w", "ready"), 2);
	ck_assert_int_eq(pool_int("w", "total"), 2);
	t0 = now_ms();
	for (i = 0; i < 6; i++) {
		snprintf(in, sizeof(in), "w%d", i);
		start(&c[i], "w", in);
	}
	ck_assert_int_eq(pool_int("w", "total"), 6);
	for (i = 0; i < 6; i++) {
		wait_call(&c[i]);
		snprintf(in, sizeof(in), "w%d", i);
		expect_output(&c[i], in);
		release(&c[i]);
	}
	/* Kept warm for idle_ms: checkable only while no VM has been idle
	 * that long (every one went idle after t0). */
	if (now_ms() - t0 < IDLE_MS)
		ck_assert_int_gt(pool_int("w", "total"), 2);
	else
		fprintf(stderr,
			"prewarm_grow_and_reclaim: the calls took over "
			"%d ms; not checking that VMs stay warm\n",
			IDLE_MS);
	for (i = 0; i < 3000 && pool_int("w", "total") > 2; i++)
		run_for(20);
	ck_assert_int_eq(pool_int("w", "total"), 2);
	ck_assert_int_eq(pool_int("w", "ready"), 2);
}
END_TEST

START_TEST(second_engine_on_same_state_refused)
{
	struct engine_config cfg;
	struct engine *other = NULL;
	char err[256] = "";

	engine_config_default(&cfg);
	cfg.state_dir = state;
	ck_assert_int_lt(
		engine_create(&loop, &cfg, NULL, &other, err, sizeof(err)), 0);
	ck_assert_ptr_null(other);
	ck_assert_ptr_nonnull(strstr(err, "in use by another glintd"));
}
END_TEST

/* Two workers: a function may hold one, so a spinner on all its VMs
 * leaves the other to everyone else. Order, not time, is the proof: the
 * echo answers while every spinner call is still running or queued. */
START_TEST(spinner_holds_one_worker_of_two)
{
	struct call spin[3], echo;

	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"max_concurrency=3", "min_warm=3",
					     "timeout_ms=1500",
					     "queue_timeout_ms=60000", NULL}),
		ENGINE_OK);
	ck_assert_int_eq(deploy("echo", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	wait_pool_ready("spin", 3);
	finished = 0;
	for (int i = 0; i < 3; i++)
		start(&spin[i], "spin", "100000000000000");
	/* Admission decides at once: one runs, two wait for a worker. */
	ck_assert_int_eq(pool_int("spin", "busy"), 1);
	ck_assert_int_eq(pool_int("spin", "queued"), 2);
	invoke(&echo, "echo", "fair");
	expect_output(&echo, "fair");
	release(&echo);
	ck_assert_int_eq(echo.order, 1);
	for (int i = 0; i < 3; i++) {
		wait_call(&spin[i]);
		ck_assert_int_eq(spin[i].inv.outcome, ENGINE_DEADLINE);
	}
}
END_TEST

/* Waiting for a worker is bounded by the queue deadline like waiting for
 * a VM, and a call that never started leaves its VM untouched. */
START_TEST(wait_for_worker_times_out)
{
	struct call a, b;

	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"max_concurrency=2", "min_warm=2",
					     "timeout_ms=1500",
					     "queue_timeout_ms=100", NULL}),
		ENGINE_OK);
	wait_pool_ready("spin", 2);
	finished = 0;
	start(&a, "spin", "100000000000000");
	start(&b, "spin", "10");
	wait_call(&b);
	ck_assert_int_eq(b.inv.outcome, ENGINE_QUEUE_TIMEOUT);
	ck_assert_str_eq(b.inv.message, "no worker became free for spin "
					"within 100 ms (it may hold 1 of 2)");
	ck_assert_int_eq(a.done, 0);
	ck_assert_int_eq(pool_int("spin", "ready"), 1);
	expect_deadline_then_serves(&a);
}
END_TEST

/* A call that waits on a busy VM to run right after its call (chain.c)
 * still waits at most its queue deadline: that call turning long does not
 * hold it. */
START_TEST(chained_call_keeps_its_queue_deadline)
{
	struct call a, b;

	engine_restart_on_workers();
	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"max_concurrency=1", "min_warm=1",
					     "timeout_ms=1500",
					     "queue_timeout_ms=100", NULL}),
		ENGINE_OK);
	/* Short calls so far (the estimate is a moving average, and a new
	 * VM's first call is slow): the next waiter is chained. */
	warm_for_chains("spin", "10", "10", 1);
	start(&a, "spin", "100000000000000");
	start(&b, "spin", "10");
	ck_assert_int_eq(pool_int("spin", "queued"), 1);
	expect_vm_wait_timeout(&b, &a);
	expect_deadline_then_serves(&a);
}
END_TEST

/* Calls chained on a function's VM (chain.c) go back to its queue once
 * another function waits for a worker: the slot comes back in turn, not
 * after the whole chain. The chain is built behind a call that holds its
 * VM until its deadline, so no chained call can run (and none can finish)
 * before the other function's call arrives, however fast the worker. */
START_TEST(chained_calls_yield_to_another_function)
{
	static struct call chained[39];
	struct call spin, held, other;
	const char *forever = "100000000000000";

	engine_restart_on_workers();
	/* Outlasts everything below: it holds one of the two workers. The
	 * held call's 4 s leave a slow host time to queue the 40 calls. */
	ck_assert_int_eq(
		deploy("spin", "tests/guests/spin.elf",
		       (const char *const[]){"timeout_ms=12000", NULL}),
		ENGINE_OK);
	ck_assert_int_eq(
		deploy("chain", "tests/guests/spin.elf",
		       (const char *const[]){"max_concurrency=1",
					     "queue_max=64", "timeout_ms=4000",
					     "queue_timeout_ms=60000", NULL}),
		ENGINE_OK);
	ck_assert_int_eq(deploy("other", "guest/examples/echo.elf", NULL),
			 ENGINE_OK);
	warm_for_chains("chain", "10", "10", 1);
	start(&spin, "spin", forever);
	start(&held, "chain", forever);
	for (size_t i = 0; i < sizeof(chained) / sizeof(chained[0]); i++)
		start(&chained[i], "chain", "10");
	ck_assert_int_eq(pool_int("chain", "queued"), 39);
	finished = 0;
	start(&other, "other", "first");
	wait_call(&other);
	expect_output(&other, "first");
	release(&other);
	/* Before it: the held call at its deadline, and at most one chained
	 * call that took the slot back in turn. Without the yield, all 39. */
	ck_assert_int_le(other.order, 3);
	wait_call(&held);
	ck_assert_int_eq(held.inv.outcome, ENGINE_DEADLINE);
	release(&held);
	for (size_t i = 0; i < sizeof(chained) / sizeof(chained[0]); i++) {
		wait_call(&chained[i]);
		expect_output(&chained[i], "10");
		release(&chained[i]);
	}
	wait_call(&spin);
	ck_assert_int_eq(spin.inv.outcome, ENGINE_DEADLINE);
}
END_TEST

/* A call chained behind a running call is served as soon as its function
 * has a ready VM and may take a worker: here when another function's
 * calls end. It must not wait for the running call, which may take until
 * its deadline, nor lose its VM to a call that comes after it. */
START_TEST(chained_call_takes_a_worker_another_function_frees)
{
	struct call other[2], held, chained, later;
	const char *forever = "100000000000000";

	engine_restart_on(3); /* a function may hold 2 of them */
	ck_assert_int_eq(
		deploy("f", "tests/guests/spin.elf",
		       (const char *const[]){"min_warm=2", "max_concurrency=2",
					     "timeout_ms=6000",
					     "queue_timeout_ms=60000", NULL}),
		ENGINE_OK);
	ck_assert_int_eq(
		deploy("g", "tests/guests/spin.elf",
		       (const char *const[]){"min_warm=2", "max_concurrency=2",
					     "timeout_ms=1000", NULL}),
		ENGINE_OK);
	warm_for_chains("f", "10", "10", 2);
	wait_pool_ready("g", 2);
	/* g holds two workers until its deadline, f's held call the third:
	 * f has a ready VM but no worker, so the next call is chained. */
	start(&other[0], "g", forever);
	start(&other[1], "g", forever);
	start(&held, "f", forever);
	start(&chained, "f", "10");
	ck_assert_int_eq(pool_int("f", "queued"), 1);
	wait_call(&other[0]);
	wait_call(&other[1]);
	ck_assert_int_eq(other[0].inv.outcome, ENGINE_DEADLINE);
	ck_assert_int_eq(other[1].inv.outcome, ENGINE_DEADLINE);
	release(&other[0]);
	release(&other[1]);
	start(&later, "f", "10");
	wait_call(&chained);
	expect_output(&chained, "10");
	ck_assert_msg(!held.done, "the chained call waited for the held one");
	wait_call(&later);
	expect_output(&later, "10");
	ck_assert_int_lt(chained.order, later.order);
	release(&chained);
	release(&later);
	wait_call(&held);
	ck_assert_int_eq(held.inv.outcome, ENGINE_DEADLINE);
	release(&held);
}
END_TEST

/* The same when the worker frees because a call of the function parks on
 * a host call: the call chained on its other running VM takes the ready
 * VM at once, not when the parked call comes back. */
START_TEST(chained_call_takes_the_worker_a_parked_call_frees)
{
	struct call held, parked, chained;

	engine_restart_on(3); /* a function may hold 2 of them */
	/* No VM beyond the three: the chained call can only have the
	 * ready one. */
	ck_assert_int_eq(
		deploy("hc", "tests/guests/hostcall.elf",
		       (const char *const[]){"min_warm=3", "max_concurrency=3",
					     "timeout_ms=6000",
					     "queue_timeout_ms=60000", NULL}),
		ENGINE_OK);
	warm_for_chains("hc", "noop", "noop=0", 3);
	start(&held, "hc", "spin");
	start(&parked, "hc", "sleep 5000");
	start(&chained, "hc", "noop");
	ck_assert_int_eq(pool_int("hc", "queued"), 1);
	wait_call(&chained);
	expect_output(&chained, "noop=0");
	ck_assert_msg(!parked.done, "the chained call waited for the parked "
				    "one to come back");
	ck_assert_msg(!held.done, "the chained call waited for the held one");
	release(&chained);
	wait_call(&parked);
	expect_output(&parked, "slept=0");
	release(&parked);
	wait_call(&held);
	ck_assert_int_eq(held.inv.outcome, ENGINE_DEADLINE);
	release(&held);
}
END_TEST

/* Deploys of one function wait behind the running one, at most
 * deploy_queue_max (4) of them; one more is refused at once. */
START_TEST(deploy_queue_bounded)
{
	struct engine_config cfg;
	struct dep dp[6];
	size_t nlen, elen;
	uint8_t *noready = load("tests/guests/noready.elf", &nlen);
	uint8_t *echo = load("guest/examples/echo.elf", &elen);

	engine_config_default(&cfg);
	memset(dp, 0, sizeof(dp));
	for (int i = 0; i < 6; i++) {
		dp[i].d.settings = cfg.defaults;
		snprintf(dp[i].d.function, sizeof(dp[i].d.function), "q");
		dp[i].d.image = i == 0 ? noready : echo;
		dp[i].d.image_len = i == 0 ? nlen : elen;
		dp[i].d.done = deploy_done;
		dp[i].d.opaque = &dp[i];
		engine_deploy(eng, &dp[i].d);
	}
	run_until(&dp[5].done);
	ck_assert_int_eq(dp[5].d.outcome, ENGINE_DEPLOY_QUEUE_FULL);
	ck_assert_str_eq(engine_outcome_code(dp[5].d.outcome),
			 "deploy_queue_full");
	ck_assert_str_eq(dp[5].d.message, "4 deploys of q are already waiting "
					  "(deploy_queue_max)");
	ck_assert_int_eq(dp[0].done, 0); /* still in its never-ending init */
	for (int i = 0; i < 5; i++) {
		run_until(&dp[i].done);
		ck_assert_int_eq(dp[i].d.outcome,
				 i == 0 ? ENGINE_INIT_FAILED : ENGINE_OK);
		json_decref(dp[i].d.description);
	}
	free(noready);
	free(echo);
}
END_TEST

/* What is charged to the budgets follows the VMs and snapshots alive, and
 * is all given back once the functions are gone. */
START_TEST(budget_charges_follow_vms)
{
	struct engine_budget b;
	struct call c;

	ck_assert_int_eq(deploy("echo", "guest/examples/echo.elf",
				(const char *const[]){"min_warm=2", NULL}),
			 ENGINE_OK);
	ck_assert_int_eq(deploy("spin", "tests/guests/spin.elf", NULL),
			 ENGINE_OK);
	wait_pool_ready("echo", 2);
	wait_pool_ready("spin", 1);
	engine_budget_get(eng, &b);
	ck_assert_uint_eq(b.functions, 2);
	ck_assert_uint_eq(b.warm_vms, 3);
	ck_assert_uint_eq(b.vms, 3);
	ck_assert_uint_eq(b.memory_mb, 5 * 16); /* 2 snapshots, 3 VMs */
	ck_assert_uint_le(b.vms, b.max_vms);
	invoke(&c, "echo", "x");
	expect_output(&c, "x");
	release(&c);
	ck_assert_int_eq(engine_delete(eng, "echo"), 0);
	ck_assert_int_eq(engine_delete(eng, "spin"), 0);
	for (;;) {
		engine_budget_get(eng, &b);
		if (b.vms == 0 && b.memory_mb == 0)
			break;
		uv_run(&loop, UV_RUN_ONCE);
	}
	ck_assert_uint_eq(b.functions, 0);
	ck_assert_uint_eq(b.warm_vms, 0);
}
END_TEST

/* ---- host calls --------------------------------------------------------- */

static json_int_t pool_parked(const char *name)
{
	json_t *d = engine_describe(eng, name);
	json_int_t n;

	ck_assert_ptr_nonnull(d);
	n = desc_int(json_object_get(d, "pool"), "parked");
	json_decref(d);
	return n;
}

static int metrics_has(const char *line)
{
	size_t len;
	char *text = metrics_render(mets, &len);
	int found;

	ck_assert_ptr_nonnull(text);
	found = strstr(text, line) != NULL;
	free(text);
	return found;
}

START_TEST(hostcall_bad_buffers)
{
	static const struct {
		const char *mode, *text;
	} rows[] = {
		{"unknown-op", "unknown host call operation 999"},
		{"req-null", "request at 0x0 (8 bytes) is not memory"},
		{"req-sys", "request at 0x40000000 (64 bytes)"},
		{"req-huge", "(4611686018427387904 bytes)"},
		{"req-wrap", "request at 0xfffffffffffffff8 (16 bytes)"},
		{"resp-text", "may write"},
		{"resp-input", "may write"},
		{"resp-sys", "response at 0x3ffffff0 (64 bytes)"},
		{"sleep-short", "request of 4 bytes, expected 8"},
		{"sleep-long", "60001 ms"},
	};
	struct call c;

	ck_assert_int_eq(
		deploy("hc", "tests/guests/hostcall.elf",
		       (const char *const[]){"max_concurrency=1", NULL}),
		ENGINE_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		invoke(&c, "hc", rows[i].mode);
		ck_assert_msg(c.inv.outcome == ENGINE_GUEST_CRASHED,
			      "%s: outcome %s: %s", rows[i].mode,
			      engine_outcome_code(c.inv.outcome),
			      c.inv.message);
		ck_assert_msg(strstr(c.inv.message, rows[i].text),
			      "%s: message %s", rows[i].mode, c.inv.message);
		ck_assert_ptr_null(c.inv.output);
		invoke(&c, "hc", "noop");
		expect_output(&c, "noop=0");
		release(&c);
	}
	invoke(&c, "hc", "regs");
	expect_output(&c, "regs=ok");
	release(&c);
}
END_TEST

START_TEST(hostcall_limits)
{
	struct call c;

	/* A generous deadline: 10000 exits must fit on any host. */
	ck_assert_int_eq(
		deploy("hc", "tests/guests/hostcall.elf",
		       (const char *const[]){"timeout_ms=60000", NULL}),
		ENGINE_OK);
	invoke(&c, "hc", "loop");
	expect_output(&c, "calls=10000 rc=-1"); /* GLINT_E_LIMIT */
	release(&c);
	/* 64 MiB of requests, 1 MiB each. */
	invoke(&c, "hc", "bytes");
	expect_output(&c, "calls=64 rc=-1");
	release(&c);
	ck_assert(metrics_has("glint_hostcalls_total{function=\"hc\","
			      "op=\"noop\",outcome=\"limit\"} 2\n"));
	ck_assert(metrics_has("glint_hostcalls_total{function=\"hc\","
			      "op=\"noop\",outcome=\"ok\"} 10064\n"));
}
END_TEST

/* More calls waiting on host calls than workers: they all wait at once. */
START_TEST(parked_calls_hold_no_worker)
{
	enum { N = 20, SLEEP_MS = 200 };
	struct call c[N];
	uint64_t t0;

	ck_assert_int_eq(deploy("hc", "tests/guests/hostcall.elf",
				(const char *const[]){
					"max_concurrency=20", "min_warm=20",
					"timeout_ms=60000", NULL}),
			 ENGINE_OK);
	wait_pool_ready("hc", N);
	t0 = now_ms();
	for (int i = 0; i < N; i++)
		start(&c[i], "hc", "sleep 200");
	for (int i = 0; i < N; i++)
		wait_call(&c[i]);
	/* Two workers one after the other would need N / 2 sleeps. */
	ck_assert_uint_lt(now_ms() - t0, 10 * SLEEP_MS);
	for (int i = 0; i < N; i++) {
		expect_output(&c[i], "slept=0");
		release(&c[i]);
	}
	ck_assert(metrics_has("glint_hostcalls_total{function=\"hc\","
			      "op=\"sleep\",outcome=\"ok\"} 20\n"));
	ck_assert(metrics_has(
		"glint_hostcall_parked_seconds_count{function=\"hc\"} 20\n"));
}
END_TEST

START_TEST(deadline_while_parked)
{
	struct call c;
	uint64_t t0;

	ck_assert_int_eq(deploy("hc", "tests/guests/hostcall.elf",
				(const char *const[]){"max_concurrency=1",
						      "timeout_ms=300", NULL}),
			 ENGINE_OK);
	t0 = now_ms();
	invoke(&c, "hc", "sleep 20000");
	ck_assert_int_eq(c.inv.outcome, ENGINE_DEADLINE);
	ck_assert_str_eq(c.inv.message, "deadline of 300 ms exceeded");
	/* The sleep was cancelled, not waited out. */
	ck_assert_uint_lt(now_ms() - t0, 20000);
	ck_assert(metrics_has("glint_hostcalls_total{function=\"hc\","
			      "op=\"sleep\",outcome=\"deadline\"} 1\n"));
	/* The one VM was restored and serves the next call. */
	invoke(&c, "hc", "noop");
	expect_output(&c, "noop=0");
	release(&c);
	ck_assert_int_eq(pool_parked("hc"), 0);
}
END_TEST

START_TEST(shutdown_with_parked_calls)
{
	enum { N = 4 };
	struct call c[N];
	uint64_t t0;

	ck_assert_int_eq(
		deploy("hc", "tests/guests/hostcall.elf",
		       (const char *const[]){"max_concurrency=4",
					     "timeout_ms=60000", NULL}),
		ENGINE_OK);
	for (int i = 0; i < N; i++)
		start(&c[i], "hc", "sleep 30000");
	while (pool_parked("hc") < N)
		uv_run(&loop, UV_RUN_ONCE);
	t0 = now_ms();
	engine_down(100);
	ck_assert_uint_lt(now_ms() - t0, 30000);
	for (int i = 0; i < N; i++) {
		ck_assert(c[i].done);
		ck_assert_int_eq(c[i].inv.outcome, ENGINE_UNAVAILABLE);
		ck_assert_str_eq(c[i].inv.message,
				 "call interrupted: glintd is shutting down");
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_kvm");
	TCase *t = tcase_create("engine");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, deploy_and_invoke_echo);
	tcase_add_test(t, input_too_large);
	tcase_add_test(t, concurrent_256);
	tcase_add_test(t, queue_full_and_timeout);
	tcase_add_test(t, deadline_then_ok);
	tcase_add_test(t, long_call_leaves_the_loop_intact);
	tcase_add_test(t, hostile_guest);
	tcase_add_test(t, failed_deploy_keeps_previous);
	tcase_add_test(t, redeploy_during_stream);
	tcase_add_test(t, delete_function);
	tcase_add_test(t, persistence_and_corrupt_entries);
	tcase_add_test(t, shutdown_interrupts_inflight);
	tcase_add_test(t, prewarm_grow_and_reclaim);
	tcase_add_test(t, second_engine_on_same_state_refused);
	tcase_add_test(t, spinner_holds_one_worker_of_two);
	tcase_add_test(t, wait_for_worker_times_out);
	tcase_add_test(t, chained_call_keeps_its_queue_deadline);
	tcase_add_test(t, chained_calls_yield_to_another_function);
	tcase_add_test(t, chained_call_takes_a_worker_another_function_frees);
	tcase_add_test(t, chained_call_takes_the_worker_a_parked_call_frees);
	tcase_add_test(t, deploy_queue_bounded);
	tcase_add_test(t, budget_charges_follow_vms);
	tcase_add_test(t, hostcall_bad_buffers);
	tcase_add_test(t, hostcall_limits);
	tcase_add_test(t, parked_calls_hold_no_worker);
	tcase_add_test(t, deadline_while_parked);
	tcase_add_test(t, shutdown_with_parked_calls);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
