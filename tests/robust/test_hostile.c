/* test_hostile.c: hostile guests against the running glintd while well-behaved functions are served next to them. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* One misbehaviour and what the client must see. */
struct expect {
	const char *mode;
	long status;
	const char *code;     /* error code; NULL: success */
	const char *message;  /* part of the error message, or the exact body
				on success */
	const char *function; /* NULL: the table's function */
};

/* Deadlines. The misbehaving functions run with a deadline far above the
 * work of any mode (the storms take a second or two where every cpuid or
 * rdtsc exits at 75 us); only the endless loop is meant to reach one, so it
 * runs as a second function with a short deadline: a lower bound on how
 * long the call lasts, never a claim about this host's speed. */
#define HOSTILE_SETTINGS "timeout_ms=30000"
#define LOOP_SETTINGS "timeout_ms=300"

/* tests/guests/hostile.c: the messages name what happened. #GP and #UD
 * differ between hosts for a few instructions, so those only check "(#". */
static const struct expect hostile_modes[] = {
	{"null-read", 502, "guest_crashed", "read, not present; null pointer"},
	{"null-write", 502, "guest_crashed",
	 "write, not present; null pointer"},
	{"div0", 502, "guest_crashed", "divide error (#DE)"},
	{"ud2", 502, "guest_crashed", "invalid opcode (#UD)"},
	{"int3", 502, "guest_crashed", "breakpoint (#BP)"},
	{"int80", 502, "guest_crashed", "(#"},
	{"syscall", 502, "guest_crashed", "(#"},
	{"loop", 504, "deadline_exceeded", "deadline of 300 ms exceeded",
	 "hostile-loop"},
	{"stack-overflow", 502, "guest_crashed",
	 "stack overflow into the guard page"},
	{"write-text", 502, "guest_crashed", "write, protection violation"},
	{"exec-data", 502, "guest_crashed",
	 "instruction fetch, protection violation"},
	{"write-pt", 502, "guest_crashed",
	 "accessing 0x40000000 (write, protection violation)"},
	{"read-sys", 502, "guest_crashed",
	 "accessing 0x40000000 (read, protection violation)"},
	{"jump-sys", 502, "guest_crashed",
	 "at rip 0x40000000 accessing 0x40000000 (instruction fetch"},
	{"cli", 502, "guest_crashed", "general protection fault (#GP)"},
	{"hlt", 502, "guest_crashed", "general protection fault (#GP)"},
	{"wrmsr", 502, "guest_crashed", "general protection fault (#GP)"},
	{"rdmsr", 502, "guest_crashed", "general protection fault (#GP)"},
	{"mov-cr3", 502, "guest_crashed", "general protection fault (#GP)"},
	{"bad-port", 502, "guest_crashed", "general protection fault (#GP)"},
	{"fault-port", 502, "guest_crashed", "general protection fault (#GP)"},
	{"ready-in-call", 502, "guest_crashed",
	 "guest signalled READY during a call"},
	{"big-output", 502, "output_too_large",
	 "output of 2097153 bytes exceeds the output area of 2097152 bytes"},
	{"huge-output", 502, "output_too_large",
	 "output of 9223372036854775808 bytes exceeds"},
	{"abort", 502, "guest_aborted", "function aborted: boom"},
	{"abort-lie", 502, "guest_crashed",
	 "abort message at 0xdead00000000 (18446744073709551615 bytes) lies "
	 "outside guest memory"},
	{"log-flood", 200, NULL, "ok"},
	{"log-lie", 200, NULL, "ok"},
	{"fail", 500, "function_error", "nope"},
	{"oom", 500, "function_error", "out of memory after "},
	{"cpuid", 200, NULL, "ok"},
	{"rdtsc", 200, NULL, "ok"},
	{"fpu", 200, NULL, "1f80/037f"},
	{"fpu", 200, NULL, "1f80/037f"}, /* the odd values did not persist */
	{"no-such-mode", 500, "function_error",
	 "unknown mode \"no-such-mode\""},
};

/* tests/robust/guests/liar.c: lies in the signals, privileged tricks. */
static const struct expect liar_modes[] = {
	{"done-neg", 502, "output_too_large",
	 "output of 18446744073709551615 bytes exceeds"},
	{"done-status", 502, "guest_crashed", "DONE with unknown status 7"},
	{"abort-huge", 502, "guest_crashed",
	 "(1099511627776 bytes) lies outside guest memory"},
	{"abort-neg", 502, "guest_crashed",
	 "(18446744073709551615 bytes) lies outside guest memory"},
	{"in-port", 502, "guest_crashed", "guest read I/O port 0x11 at rip"},
	{"outw", 502, "guest_crashed", "2-byte out to port 0x11 at rip"},
	/* KVM may report rep outs item by item: the garbage in rdi then
	 * fails the DONE status check instead of the string-I/O check. */
	{"outsb", 502, "guest_crashed", NULL},
	{"jump-r0", 502, "guest_crashed", "(#"},
	{"sysenter", 502, "guest_crashed", "(#"},
	{"int-pf", 502, "guest_crashed", "(#"},
	{"int-32", 502, "guest_crashed", "(#"},
	{"int-255", 502, "guest_crashed", "(#"},
	{"lret-r0", 502, "guest_crashed", "general protection fault (#GP)"},
	{"lidt", 502, "guest_crashed", "general protection fault (#GP)"},
	{"swapgs", 502, "guest_crashed", "(#"},
	{"read-r0-stack", 502, "guest_crashed",
	 "accessing 0x1000 (read, protection violation)"},
	{"write-input", 502, "guest_crashed", "(write, protection violation)"},
	{"rdtscp-storm", 200, NULL, "ok"},
};

static struct glintd_proc daemon_g;

static void daemon_up(void)
{
	int rc = harness_start(&daemon_g, NULL);

	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	robust_deploy(&daemon_g, "echo", "guest/examples/echo.elf", "", 201);
	robust_deploy(&daemon_g, "hello", "guest/examples/hello.elf", "", 201);
	robust_deploy(&daemon_g, "hostile", "tests/guests/hostile.elf",
		      HOSTILE_SETTINGS, 201);
	robust_deploy(&daemon_g, "hostile-loop", "tests/guests/hostile.elf",
		      LOOP_SETTINGS, 201);
	robust_deploy(&daemon_g, "liar", "tests/robust/guests/liar.elf",
		      HOSTILE_SETTINGS, 201);
	robust_deploy(&daemon_g, "counter", "tests/guests/counter.elf", "",
		      201);
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

static void check_expect(const struct http_resp *r, const struct expect *e,
			 const char *function)
{
	if (e->code) {
		robust_assert_error(r, e->status, e->code, e->message);
		return;
	}
	ck_assert_msg(r->status == e->status &&
			      strcmp(r->body, e->message) == 0,
		      "%s %s: %ld '%s', want %ld '%s'", function, e->mode,
		      r->status, r->body, e->status, e->message);
}

/* Every mode, each followed by an "ok" call that must see a clean VM. */
static void run_modes(const char *function, const struct expect *modes,
		      size_t n)
{
	struct http_resp r;

	for (size_t i = 0; i < n; i++) {
		const char *f =
			modes[i].function ? modes[i].function : function;

		robust_invoke(&daemon_g, f, modes[i].mode,
			      strlen(modes[i].mode), &r);
		check_expect(&r, &modes[i], f);
		http_resp_free(&r);
		robust_invoke(&daemon_g, f, "ok", 2, &r);
		ck_assert_msg(r.status == 200 && strcmp(r.body, "ok") == 0,
			      "after %s: %ld %s", modes[i].mode, r.status,
			      r.body);
		http_resp_free(&r);
		robust_invoke(&daemon_g, "counter", "", 0, &r);
		ck_assert_msg(r.status == 200 && strcmp(r.body, "1") == 0,
			      "counter after %s: %ld %s", modes[i].mode,
			      r.status, r.body);
		http_resp_free(&r);
	}
}

START_TEST(hostile_modes_next_to_good_calls)
{
	struct robust_good echo, hello;

	robust_good_start(&echo, &daemon_g, "echo", ROBUST_GOOD_ECHO);
	robust_good_start(&hello, &daemon_g, "hello", ROBUST_GOOD_HELLO);
	run_modes("hostile", hostile_modes,
		  sizeof(hostile_modes) / sizeof(hostile_modes[0]));
	robust_good_stop(&echo);
	robust_good_stop(&hello);
}
END_TEST

START_TEST(liar_modes_next_to_good_calls)
{
	struct robust_good echo, hello;

	robust_good_start(&echo, &daemon_g, "echo", ROBUST_GOOD_ECHO);
	robust_good_start(&hello, &daemon_g, "hello", ROBUST_GOOD_HELLO);
	run_modes("liar", liar_modes,
		  sizeof(liar_modes) / sizeof(liar_modes[0]));
	robust_good_stop(&echo);
	robust_good_stop(&hello);
}
END_TEST

/* Many crashing calls at once on one function, from several threads,
 * while it is redeployed. */
struct crasher {
	pthread_t thread;
	unsigned wrong;
	char first[200];
};

static void *crash_run(void *opaque)
{
	static const char *const modes[] = {"null-write", "write-pt",	 "ud2",
					    "abort",	  "huge-output", "ok"};
	struct crasher *c = opaque;
	CURL *curl = curl_easy_init();
	struct http_resp r;

	for (unsigned i = 0; i < 60; i++) {
		const char *m = modes[i % 6];
		long want = strcmp(m, "ok") == 0 ? 200 : 502;

		if (harness_request_on(curl, &daemon_g, "POST",
				       "/invoke/hostile", m, strlen(m),
				       &r) != 0) {
			c->wrong++;
			continue;
		}
		if (r.status != want ||
		    (want == 200 && strcmp(r.body, "ok") != 0)) {
			if (c->wrong++ == 0)
				snprintf(c->first, sizeof(c->first),
					 "%s: %ld %.100s", m, r.status, r.body);
		}
		http_resp_free(&r);
	}
	curl_easy_cleanup(curl);
	return NULL;
}

START_TEST(concurrent_crashes_and_redeploys)
{
	struct crasher c[4];
	struct robust_good echo;

	memset(c, 0, sizeof(c));
	robust_good_start(&echo, &daemon_g, "echo", ROBUST_GOOD_ECHO);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(
			pthread_create(&c[i].thread, NULL, crash_run, &c[i]),
			0);
	/* Redeploys while VMs of the old version crash and restore. */
	for (int i = 0; i < 3; i++)
		robust_deploy(&daemon_g, "hostile", "tests/guests/hostile.elf",
			      HOSTILE_SETTINGS, 201);
	for (int i = 0; i < 4; i++) {
		pthread_join(c[i].thread, NULL);
		ck_assert_msg(c[i].wrong == 0, "thread %d: %u wrong; %s", i,
			      c[i].wrong, c[i].first);
	}
	robust_good_stop(&echo);
}
END_TEST

/* Content type and log come from guest memory: no header or log line can
 * be injected through them. */
START_TEST(guest_result_fields_are_sanitised)
{
	struct http_resp r;
	char *ct, want[64], *log;
	size_t len;

	robust_invoke(&daemon_g, "liar", "ctype-crlf", 10, &r);
	ck_assert_msg(r.status == 200 && strcmp(r.body, "ok") == 0, "%ld %s",
		      r.status, r.body);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "text/plain??X-Injected: yes");
	free(ct);
	ck_assert_ptr_null(strcasestr(r.headers, "\nX-Injected"));
	http_resp_free(&r);
	robust_invoke(&daemon_g, "liar", "ctype-full", 10, &r);
	ck_assert_int_eq(r.status, 200);
	ct = http_resp_header(&r, "Content-Type");
	memset(want, 'a', 63);
	want[63] = '\0';
	ck_assert_str_eq(ct, want);
	free(ct);
	http_resp_free(&r);
	robust_invoke(&daemon_g, "liar", "log-junk", 8, &r);
	ck_assert_msg(r.status == 200 && strcmp(r.body, "ok") == 0, "%ld %s",
		      r.status, r.body);
	http_resp_free(&r);
	/* glintd's own log holds no control bytes but line ends. */
	log = harness_read_file(daemon_g.log_path, &len);
	ck_assert_ptr_nonnull(log);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg((unsigned char)log[i] >= 0x20 || log[i] == '\n',
			      "control byte 0x%02x at %zu of glintd's log",
			      (unsigned char)log[i], i);
	free(log);
}
END_TEST

START_TEST(never_ready_is_422_and_keeps_serving)
{
	struct robust_good echo;
	struct http_resp r;

	robust_good_start(&echo, &daemon_g, "echo", ROBUST_GOOD_ECHO);
	/* The VMM's init limit (vm_config_default: 5 s) ends the boot. */
	ck_assert_int_eq(
		harness_deploy(&daemon_g, "noready",
			       harness_built("tests/guests/noready.elf"), "",
			       &r),
		0);
	robust_assert_error(&r, 422, "init_failed", "init did not finish");
	http_resp_free(&r);
	robust_invoke(&daemon_g, "noready", "x", 1, &r);
	robust_assert_error(&r, 404, "function_not_found", NULL);
	http_resp_free(&r);
	/* Over an existing function, the old version stays. */
	ck_assert_int_eq(
		harness_deploy(&daemon_g, "counter",
			       harness_built("tests/guests/noready.elf"), "",
			       &r),
		0);
	robust_assert_error(&r, 422, "init_failed", NULL);
	http_resp_free(&r);
	robust_invoke(&daemon_g, "counter", "", 0, &r);
	ck_assert_msg(r.status == 200 && strcmp(r.body, "1") == 0, "%ld %s",
		      r.status, r.body);
	http_resp_free(&r);
	robust_good_stop(&echo);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust-hostile");
	TCase *tc = tcase_create("hostile");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	/* A hang detector, far above the work on a loaded host. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, hostile_modes_next_to_good_calls);
	tcase_add_test(tc, liar_modes_next_to_good_calls);
	tcase_add_test(tc, concurrent_crashes_and_redeploys);
	tcase_add_test(tc, guest_result_fields_are_sanitised);
	tcase_add_test(tc, never_ready_is_422_and_keeps_serving);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
