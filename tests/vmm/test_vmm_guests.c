/* test_vmm_guests.c: the VMM with SDK-built example and test guest images. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm_required.h"
#include "vm.h"
#include "../check_run.h"

#define MiB (1024ull * 1024ull)

static struct vmm *vmm;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void load(const char *rel, struct image *img)
{
	const char *dir = getenv("GLINT_BUILDDIR");
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", rel);
	ck_assert_msg(image_load_file(path, 64 * MiB, img, err, sizeof(err)) ==
			      0,
		      "%s: %s", path, err);
}

struct logged {
	int n;
	char first[128];
};

static void log_cb(void *opaque, uint64_t call_id, int level, const char *line,
		   size_t len)
{
	struct logged *l = opaque;

	(void)call_id;
	(void)level;
	if (l->n++ == 0)
		snprintf(l->first, sizeof(l->first), "%.*s", (int)len, line);
}

struct fn {
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm;
	struct logged init_log;
};

static int boot(struct fn *f, const char *rel, uint64_t mem,
		uint32_t init_timeout_ms, struct vm_error *err)
{
	struct vm_config cfg;

	memset(f, 0, sizeof(*f));
	load(rel, &f->img);
	vm_config_default(&cfg, mem);
	if (init_timeout_ms)
		cfg.init_timeout_ms = init_timeout_ms;
	return vm_boot(vmm, &f->img, &cfg, log_cb, &f->init_log, &f->snap,
		       &f->vm, NULL, err);
}

static void fn_free(struct fn *f)
{
	vm_destroy(f->vm);
	vm_snapshot_unref(f->snap);
	image_release(&f->img);
}

/* The deadline of calls that must succeed: far above their work on any
 * host, so only a hang reaches it. */
#define CALL_TIMEOUT_MS 30000

static int call(struct vm *vm, const char *in, uint32_t timeout_ms,
		struct vm_call_result *res, struct vm_error *err)
{
	struct vm_call_args a = {
		.input = in,
		.input_len = strlen(in),
		.call_id = 7,
		.timeout_ms = timeout_ms,
	};

	return vm_call(vm, &a, res, err);
}

/* Calls and compares the output text exactly. */
static void expect_output(struct vm *vm, const char *in, const char *out)
{
	struct vm_call_result res;
	struct vm_error err;
	int rc = call(vm, in, CALL_TIMEOUT_MS, &res, &err);

	ck_assert_msg(rc == 0, "input %s: rc %d, %s", in, rc, err.message);
	ck_assert_int_eq(res.status, GLINT_STATUS_OK);
	ck_assert_msg(res.output_len == strlen(out) &&
			      memcmp(res.output, out, res.output_len) == 0,
		      "input %s: output %.*s, want %s", in, (int)res.output_len,
		      (const char *)res.output, out);
	ck_assert_int_eq(vm_restore(vm, NULL), 0);
}

static void setup(void)
{
	char err[256];

	ck_assert_msg(vmm_open(&vmm, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	vmm_close(vmm);
	vmm = NULL;
}

START_TEST(examples_work)
{
	struct fn f;
	struct vm_error err;
	struct vm_call_result res;

	ck_assert_int_eq(boot(&f, "guest/examples/echo.elf", 16 * MiB, 0, &err),
			 0);
	for (int i = 0; i < 20; i++)
		expect_output(f.vm, i % 2 ? "hello, echo" : "{\"a\":1}",
			      i % 2 ? "hello, echo" : "{\"a\":1}");
	fn_free(&f);

	ck_assert_int_eq(
		boot(&f, "guest/examples/hello.elf", 16 * MiB, 0, &err), 0);
	expect_output(f.vm, "{\"name\":\"glint\"}",
		      "{\"greeting\":\"Hello, glint!\"}");
	expect_output(f.vm, "", "{\"greeting\":\"Hello, world!\"}");
	ck_assert_int_eq(call(f.vm, "not json", CALL_TIMEOUT_MS, &res, &err),
			 0);
	ck_assert_int_eq(res.status, GLINT_STATUS_ERROR);
	ck_assert_ptr_nonnull(memmem(res.output, res.output_len,
				     "not valid "
				     "JSON",
				     13));
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	fn_free(&f);

	ck_assert_int_eq(
		boot(&f, "guest/examples/primes.elf", 16 * MiB, 0, &err), 0);
	ck_assert_int_eq(call(f.vm, "", CALL_TIMEOUT_MS, &res, &err), 0);
	ck_assert_int_eq(res.status, GLINT_STATUS_OK);
	ck_assert_uint_gt(res.output_len, 0);
	fn_free(&f);
	ck_assert_int_eq(
		boot(&f, "guest/examples/table.elf", 16 * MiB, 0, &err), 0);
	ck_assert_int_eq(call(f.vm, "42", CALL_TIMEOUT_MS, &res, &err), 0);
	ck_assert_int_eq(res.status, GLINT_STATUS_OK);
	ck_assert_uint_gt(res.output_len, 0);
	fn_free(&f);
}
END_TEST

/* ABI 2 part 3: the environment and secrets blocks reach getenv and
 * glint_secret, init included; getenv does not see secrets; a malformed
 * block is refused before anything boots. */
START_TEST(env_and_secrets)
{
	static const char env[] = "GREETING=hi there\0PATH=/x\0EMPTY=\0";
	static const char secrets[] = "TOKEN=s3cr3t=x\0";
	struct vm_config cfg;
	struct vm_error err;
	struct fn f;
	int rc;

	memset(&f, 0, sizeof(f));
	load("tests/guests/envread.elf", &f.img);
	vm_config_default(&cfg, 16 * MiB);
	cfg.env = env;
	cfg.env_bytes = sizeof(env);
	cfg.secrets = secrets;
	cfg.secrets_bytes = sizeof(secrets);
	rc = vm_boot(vmm, &f.img, &cfg, log_cb, &f.init_log, &f.snap, &f.vm,
		     NULL, &err);
	ck_assert_msg(rc == 0, "%s", err.message);
	/* the snapshot keeps no pointer to the caller's blocks */
	ck_assert_ptr_null(vm_snapshot_config(f.snap)->env);
	expect_output(f.vm, "PATH", "init=hi there env=/x secret=(null)");
	expect_output(f.vm, "EMPTY", "init=hi there env= secret=(null)");
	expect_output(f.vm, "TOKEN",
		      "init=hi there env=(null) secret=s3cr3t=x");
	expect_output(f.vm, "PAT", "init=hi there env=(null) secret=(null)");
	fn_free(&f);

	/* without blocks: nothing set, no pages */
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(
		boot(&f, "tests/guests/envread.elf", 16 * MiB, 0, &err), 0);
	ck_assert_uint_eq(vm_snapshot_layout(f.snap)->env_gpa, 0);
	expect_output(f.vm, "PATH", "init=(null) env=(null) secret=(null)");
	fn_free(&f);

	/* a block must end with the empty entry */
	memset(&f, 0, sizeof(f));
	load("tests/guests/envread.elf", &f.img);
	cfg.env = "A=1";
	cfg.env_bytes = 4; /* "A=1\0" without the final "\0" */
	cfg.secrets = NULL;
	cfg.secrets_bytes = 0;
	ck_assert_int_eq(vm_boot(vmm, &f.img, &cfg, NULL, NULL, &f.snap, &f.vm,
				 NULL, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.message, "environment block of 4 bytes"), "%s",
		      err.message);
	image_release(&f.img);
}
END_TEST

START_TEST(counter_never_leaks)
{
	struct fn f;
	struct vm_error err;
	struct vm *c;

	ck_assert_int_eq(boot(&f, "tests/guests/counter.elf", 4 * MiB, 0, &err),
			 0);
	for (int i = 0; i < 50; i++)
		expect_output(f.vm, "", "1");
	ck_assert_int_eq(vm_clone(f.snap, &c, &err), 0);
	for (int i = 0; i < 5; i++)
		expect_output(c, "", "1");
	vm_destroy(c);
	fn_free(&f);
}
END_TEST

START_TEST(secret_not_visible_next_call)
{
	struct fn f;
	struct vm_error err;
	struct vm *c;

	ck_assert_int_eq(boot(&f, "tests/guests/secret.elf", 4 * MiB, 0, &err),
			 0);
	expect_output(f.vm, "write:swordfish", "stored");
	expect_output(f.vm, "read", "not found");
	/* nor in a clone of the same function */
	ck_assert_int_eq(vm_clone(f.snap, &c, &err), 0);
	expect_output(c, "write:hunter2", "stored");
	expect_output(f.vm, "read", "not found");
	expect_output(c, "read", "not found");
	vm_destroy(c);
	fn_free(&f);
}
END_TEST

START_TEST(init_once_per_boot)
{
	struct fn f, g;
	struct vm_error err;
	struct vm_call_result res;
	struct vm *c;
	char first[128];

	ck_assert_int_eq(
		boot(&f, "tests/guests/initstamp.elf", 4 * MiB, 0, &err), 0);
	ck_assert_int_eq(f.init_log.n, 1);
	ck_assert_str_eq(f.init_log.first, "init ran");
	ck_assert_int_eq(call(f.vm, "", CALL_TIMEOUT_MS, &res, &err), 0);
	ck_assert_ptr_nonnull(memmem(res.output, res.output_len, "runs=1", 6));
	snprintf(first, sizeof(first), "%.*s", (int)res.output_len,
		 (const char *)res.output);
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	for (int i = 0; i < 5; i++)
		expect_output(f.vm, "", first);
	/* clones share the init: same stamp, and init does not log again */
	ck_assert_int_eq(vm_clone(f.snap, &c, &err), 0);
	expect_output(c, "", first);
	vm_destroy(c);
	ck_assert_int_eq(f.init_log.n, 1);
	/* a second boot runs init again: a different stamp */
	ck_assert_int_eq(
		boot(&g, "tests/guests/initstamp.elf", 4 * MiB, 0, &err), 0);
	ck_assert_int_eq(call(g.vm, "", CALL_TIMEOUT_MS, &res, &err), 0);
	ck_assert(res.output_len != strlen(first) ||
		  memcmp(res.output, first, strlen(first)) != 0);
	fn_free(&g);
	fn_free(&f);
}
END_TEST

START_TEST(boot_failures)
{
	struct fn f;
	struct vm_error err;
	uint64_t t0 = now_ms();

	ck_assert_int_eq(
		boot(&f, "tests/guests/noready.elf", 4 * MiB, 150, &err), -EIO);
	ck_assert_int_eq(err.kind, VM_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err.message, "within 150 ms"));
	/* The init deadline ended the boot: never early, and not merely the
	 * test's own timeout (a cap far above it). */
	ck_assert_uint_ge(now_ms() - t0, 149);
	ck_assert_uint_lt(now_ms() - t0, 30000);
	image_release(&f.img);

	ck_assert_int_eq(
		boot(&f, "tests/guests/initfail.elf", 4 * MiB, 0, &err), -EIO);
	ck_assert_int_eq(err.kind, VM_ERR_ABORT);
	ck_assert_ptr_nonnull(strstr(err.message, "init failed on purpose"));
	image_release(&f.img);

	ck_assert_int_eq(boot(&f, "tests/guests/hugebss.elf", 4 * MiB, 0, &err),
			 -EINVAL);
	ck_assert_int_eq(err.kind, VM_ERR_IMAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "but the VM has 4096 KiB"));
	image_release(&f.img);
}
END_TEST

struct mode {
	const char *name;
	enum vm_error_kind kind; /* VM_ERR_NONE: the call succeeds */
	int vector;		 /* -1: any */
	const char *text;	 /* in the message or output */
	int status;
};

static const struct mode modes[] = {
	{"ok", VM_ERR_NONE, -1, "ok", GLINT_STATUS_OK},
	{"null-read", VM_ERR_EXCEPTION, 14, "accessing 0x0 (read", 0},
	{"null-write", VM_ERR_EXCEPTION, 14, "accessing 0x0 (write", 0},
	{"div0", VM_ERR_EXCEPTION, 0, "divide error (#DE)", 0},
	{"ud2", VM_ERR_EXCEPTION, 6, "invalid opcode (#UD)", 0},
	{"int3", VM_ERR_EXCEPTION, -1, "at rip 0x", 0},
	{"int80", VM_ERR_EXCEPTION, -1, "at rip 0x", 0},
	{"syscall", VM_ERR_EXCEPTION, -1, "at rip 0x", 0},
	{"loop", VM_ERR_TIMEOUT, -1, "deadline of 100 ms exceeded", 0},
	{"stack-overflow", VM_ERR_EXCEPTION, 14, "page fault (#PF)", 0},
	{"write-text", VM_ERR_EXCEPTION, 14, "(write, protection violation)",
	 0},
	{"exec-data", VM_ERR_EXCEPTION, 14, "(instruction fetch", 0},
	{"write-pt", VM_ERR_EXCEPTION, 14, "accessing 0x4000", 0},
	{"read-sys", VM_ERR_EXCEPTION, 14, "accessing 0x4000", 0},
	{"jump-sys", VM_ERR_EXCEPTION, 14, "(instruction fetch", 0},
	{"cli", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"hlt", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"wrmsr", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"rdmsr", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"mov-cr3", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"bad-port", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)", 0},
	{"fault-port", VM_ERR_EXCEPTION, 13, "general protection fault (#GP)",
	 0},
	{"ready-in-call", VM_ERR_PROTOCOL, -1, "READY during a call", 0},
	{"big-output", VM_ERR_OUTPUT_TOO_LARGE, -1, "exceeds the output area",
	 0},
	{"huge-output", VM_ERR_OUTPUT_TOO_LARGE, -1,
	 "output of 9223372036854775808 bytes", 0},
	{"abort", VM_ERR_ABORT, -1, "boom", 0},
	{"abort-lie", VM_ERR_PROTOCOL, -1, "outside guest memory", 0},
	{"log-flood", VM_ERR_NONE, -1, "", GLINT_STATUS_OK},
	{"log-lie", VM_ERR_NONE, -1, "", GLINT_STATUS_OK},
	{"fail", VM_ERR_NONE, -1, "nope", GLINT_STATUS_ERROR},
	{"oom", VM_ERR_NONE, -1, "out of memory after", GLINT_STATUS_ERROR},
	{"cpuid", VM_ERR_NONE, -1, "ok", GLINT_STATUS_OK},
	{"rdtsc", VM_ERR_NONE, -1, "ok", GLINT_STATUS_OK},
};

static struct fn hostile;
static int hostile_booted;

static void hostile_setup(void)
{
	struct vm_error err;

	setup();
	ck_assert_int_eq(
		boot(&hostile, "tests/guests/hostile.elf", 8 * MiB, 0, &err),
		0);
	hostile_booted = 1;
}

static void hostile_teardown(void)
{
	if (hostile_booted)
		fn_free(&hostile);
	hostile_booted = 0;
	teardown();
}

START_TEST(hostile_mode)
{
	const struct mode *m = &modes[_i];
	struct vm_call_result res;
	struct vm_error err;
	struct logged lg = {0};
	struct vm_call_args a = {
		.input = m->name,
		.input_len = strlen(m->name),
		/* far above any mode's work; the
				  * endless loop's deadline is a lower
				  * bound on its call */
		.timeout_ms = strcmp(m->name, "loop") ? CALL_TIMEOUT_MS : 100,
		.log = log_cb,
		.log_opaque = &lg};
	int rc = vm_call(hostile.vm, &a, &res, &err);

	if (m->kind == VM_ERR_NONE) {
		ck_assert_msg(rc == 0, "%s: rc %d %s: %s", m->name, rc,
			      vm_error_kind_name(err.kind), err.message);
		ck_assert_int_eq(res.status, m->status);
		ck_assert_msg(memmem(res.output, res.output_len, m->text,
				     strlen(m->text)),
			      "%s: output %.*s", m->name, (int)res.output_len,
			      (const char *)res.output);
	} else {
		ck_assert_int_eq(rc, -EIO);
		ck_assert_msg(err.kind == m->kind &&
				      strstr(err.message, m->text),
			      "%s: got %s: %s", m->name,
			      vm_error_kind_name(err.kind), err.message);
		if (m->vector >= 0)
			ck_assert_int_eq(err.vector, m->vector);
	}
	if (strcmp(m->name, "log-flood") == 0)
		ck_assert(res.log_dropped > 0 && lg.n > 0);
	if (strcmp(m->name, "log-lie") == 0)
		ck_assert_uint_le(res.log_lines, GLINT_LOG_BYTES / 2);
	/* the same VM, restored, works */
	ck_assert_int_eq(vm_restore(hostile.vm, NULL), 0);
	expect_output(hostile.vm, "ok", "ok");
}
END_TEST

/* ---- host calls --------------------------------------------------------- */

static int sync_noop(void *opaque, const struct vm_hostcall *hc,
		     int64_t *result)
{
	(void)opaque;
	*result = 0;
	return hc->op == GLINT_HOSTCALL_NOOP;
}

static int hc_call(struct vm *vm, const char *in, uint32_t timeout_ms,
		   vm_hostcall_fn sync, uint32_t calls_max,
		   struct vm_call_result *res, struct vm_error *err)
{
	struct vm_call_args a = {
		.input = in,
		.input_len = strlen(in),
		.call_id = 9,
		.timeout_ms = timeout_ms,
		.hostcall_sync = sync,
		.hostcall_limits = {.calls_max = calls_max},
	};

	return vm_call(vm, &a, res, err);
}

static void expect_done(int rc, const struct vm_call_result *res,
			const struct vm_error *err, const char *out)
{
	ck_assert_msg(rc == 0, "rc %d, %s", rc, err->message);
	ck_assert_int_eq(res->status, GLINT_STATUS_OK);
	ck_assert_msg(res->output_len == strlen(out) &&
			      memcmp(res->output, out, res->output_len) == 0,
		      "output %.*s, want %s", (int)res->output_len,
		      (const char *)res->output, out);
}

START_TEST(hostcall_park_and_resume)
{
	const struct glint_hostcall_sleep *sl;
	struct vm_call_result res;
	struct vm_error err;
	struct fn f;
	int rc;

	ck_assert_int_eq(
		boot(&f, "tests/guests/hostcall.elf", 16 * MiB, 0, &err), 0);
	/* Without a sync handler every host call parks. */
	rc = hc_call(f.vm, "sleep 7", CALL_TIMEOUT_MS, NULL, 0, &res, &err);
	ck_assert_int_eq(rc, -EINPROGRESS);
	ck_assert_int_eq(res.hostcall.op, GLINT_HOSTCALL_SLEEP);
	ck_assert_uint_eq(res.hostcall.req_len, sizeof(*sl));
	sl = res.hostcall.req;
	ck_assert_uint_eq(sl->ms, 7);
	/* A second call or a restore-less call cannot start meanwhile. */
	ck_assert_int_eq(hc_call(f.vm, "noop", 0, NULL, 0, &res, &err), -EBUSY);
	rc = vm_resume(f.vm, 0, NULL, 0, &res, &err);
	expect_done(rc, &res, &err, "slept=0");
	ck_assert_uint_eq(res.hostcalls, 1);
	ck_assert_uint_eq(res.exits, 2);
	ck_assert_int_eq(vm_resume(f.vm, 0, NULL, 0, &res, &err), -EINVAL);
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);

	/* The result reaches the guest's rax, negative ones too. */
	ck_assert_int_eq(
		hc_call(f.vm, "noop", CALL_TIMEOUT_MS, NULL, 0, &res, &err),
		-EINPROGRESS);
	rc = vm_resume(f.vm, GLINT_E_UNAVAIL, NULL, 0, &res, &err);
	expect_done(rc, &res, &err, "noop=-4");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);

	/* A response larger than the guest's capacity is refused. */
	ck_assert_int_eq(
		hc_call(f.vm, "noop", CALL_TIMEOUT_MS, NULL, 0, &res, &err),
		-EINPROGRESS);
	rc = vm_resume(f.vm, 5, "hello", 5, &res, &err);
	expect_done(rc, &res, &err, "noop=-3");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);

	/* With a sync handler NOOP costs one exit and never parks. */
	rc = hc_call(f.vm, "noop", CALL_TIMEOUT_MS, sync_noop, 0, &res, &err);
	expect_done(rc, &res, &err, "noop=0");
	ck_assert_uint_eq(res.exits, 2);
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	fn_free(&f);
}
END_TEST

START_TEST(hostcall_deadline_abandon_limits)
{
	struct vm_call_result res;
	struct vm_error err;
	struct fn f;
	uint64_t t0;
	int rc;

	ck_assert_int_eq(
		boot(&f, "tests/guests/hostcall.elf", 16 * MiB, 0, &err), 0);
	/* The deadline runs while parked: resuming after it ends the call. */
	t0 = now_ms();
	ck_assert_int_eq(hc_call(f.vm, "sleep 1", 50, NULL, 0, &res, &err),
			 -EINPROGRESS);
	while (now_ms() - t0 < 60) {
		struct timespec ts = {0, 5000000};

		nanosleep(&ts, NULL);
	}
	rc = vm_resume(f.vm, 0, NULL, 0, &res, &err);
	ck_assert_int_eq(rc, -EIO);
	ck_assert_int_eq(err.kind, VM_ERR_TIMEOUT);
	ck_assert_str_eq(err.message, "deadline of 50 ms exceeded");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	rc = hc_call(f.vm, "noop", CALL_TIMEOUT_MS, sync_noop, 0, &res, &err);
	expect_done(rc, &res, &err, "noop=0");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);

	/* Abandoning ends the call with the caller's kind and message. */
	ck_assert_int_eq(
		hc_call(f.vm, "sleep 1", CALL_TIMEOUT_MS, NULL, 0, &res, &err),
		-EINPROGRESS);
	rc = vm_abandon(f.vm, VM_ERR_TIMEOUT, "host gone", &res, &err);
	ck_assert_int_eq(rc, -EIO);
	ck_assert_int_eq(err.kind, VM_ERR_TIMEOUT);
	ck_assert_str_eq(err.message, "host gone");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);

	/* The fourth host call of a call limited to three gets
	 * GLINT_E_LIMIT, which the function handles. */
	rc = hc_call(f.vm, "loop", CALL_TIMEOUT_MS, sync_noop, 3, &res, &err);
	expect_done(rc, &res, &err, "calls=3 rc=-1");
	ck_assert_uint_eq(res.hostcalls, 4);
	ck_assert_uint_eq(res.hostcalls_limited, 1);
	ck_assert_uint_eq(res.limited_by_op[GLINT_HOSTCALL_NOOP], 1);
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	rc = hc_call(f.vm, "regs", CALL_TIMEOUT_MS, sync_noop, 0, &res, &err);
	expect_done(rc, &res, &err, "regs=ok");
	ck_assert_int_eq(vm_restore(f.vm, NULL), 0);
	fn_free(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-guests");
	TCase *t = tcase_create("guests");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, examples_work);
	tcase_add_test(t, counter_never_leaks);
	tcase_add_test(t, env_and_secrets);
	tcase_add_test(t, secret_not_visible_next_call);
	tcase_add_test(t, init_once_per_boot);
	tcase_add_test(t, boot_failures);
	tcase_add_test(t, hostcall_park_and_resume);
	tcase_add_test(t, hostcall_deadline_abandon_limits);
	suite_add_tcase(s, t);
	t = tcase_create("hostile");
	tcase_add_checked_fixture(t, hostile_setup, hostile_teardown);
	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, hostile_mode, 0,
			    (int)(sizeof(modes) / sizeof(modes[0])));
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
