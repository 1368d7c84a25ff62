/* test_isolation.c: one caller's request body never reaches the next caller through CPU state, against the running glintd. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* tests/guests/fpuleak.S: every call answers with what it found at entry
 * (FXSAVE64 image, then rax..r15 and RFLAGS), after loading its input
 * into XMM0-15, x87, MXCSR and general registers; input byte 256 picks
 * how the call ends. */
#define DUMP_BYTES 648
#define FX_FCW 0
#define FX_MXCSR 24
#define FX_XMM 160

static struct glintd_proc daemon_g;

static void daemon_up(void)
{
	int rc = harness_start(&daemon_g, NULL);

	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	/* One VM, so caller Y's call runs where caller X's did. */
	robust_deploy(&daemon_g, "fpuleak", "tests/guests/fpuleak.elf",
		      "timeout_ms=300&max_concurrency=1", 201);
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
}

/* Caller X's body: 256 secret bytes and how the call should end. */
static void secret_body(uint8_t *b, char ending)
{
	for (unsigned i = 0; i < 256; i++)
		b[i] = (uint8_t)('A' + (i * 11 + (unsigned)ending) % 26);
	memcpy(b, "caller-X-secret:", 16);
	b[256] = (uint8_t)ending;
}

/* Caller Y: a plain call; the answer is the state it started with. */
static void caller_y(uint8_t *dump)
{
	uint8_t body[257];
	struct http_resp r;

	memset(body, 'y', sizeof(body));
	body[256] = 'n';
	robust_invoke(&daemon_g, "fpuleak", body, sizeof(body), &r);
	ck_assert_msg(r.status == 200 && r.len == DUMP_BYTES, "%ld, %zu bytes",
		      r.status, r.len);
	memcpy(dump, r.body, DUMP_BYTES);
	http_resp_free(&r);
}

static void assert_snapshot_fpu(const uint8_t *d)
{
	uint16_t fcw;
	uint32_t mxcsr;

	memcpy(&fcw, d + FX_FCW, 2);
	memcpy(&mxcsr, d + FX_MXCSR, 4);
	ck_assert_uint_eq(fcw, 0x027f);
	ck_assert_uint_eq(mxcsr, 0x3f80);
	for (unsigned n = 0; n < 16; n++)
		for (unsigned b = 0; b < 16; b++)
			ck_assert_uint_eq(d[FX_XMM + n * 16 + b], 0xa0 + n);
}

static void check_ending(char ending, long status, const char *code,
			 const char *message)
{
	uint8_t body[257], first[DUMP_BYTES], dump[DUMP_BYTES];
	struct http_resp r;

	caller_y(first);
	assert_snapshot_fpu(first);
	secret_body(body, ending);
	robust_invoke(&daemon_g, "fpuleak", body, sizeof(body), &r);
	if (code)
		robust_assert_error(&r, status, code, message);
	else
		ck_assert_int_eq(r.status, status);
	http_resp_free(&r);

	caller_y(dump);
	assert_snapshot_fpu(dump);
	ck_assert_mem_eq(dump, first, 416);
	ck_assert_mem_eq(dump + 512, first + 512, DUMP_BYTES - 512);
	for (unsigned i = 0; i + 8 <= 256; i++)
		ck_assert_msg(!memmem(dump, sizeof(dump), body + i, 8),
			      "caller X's bytes %u-%u reached caller Y", i,
			      i + 7);
}

START_TEST(secret_absent_after_normal_end)
{
	check_ending('n', 200, NULL, NULL);
}
END_TEST

START_TEST(secret_absent_after_fault)
{
	check_ending('f', 502, "guest_crashed", "invalid opcode (#UD)");
}
END_TEST

START_TEST(secret_absent_after_timeout)
{
	check_ending('t', 504, "deadline_exceeded",
		     "deadline of 300 ms exceeded");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("robust-isolation");
	TCase *tc = tcase_create("isolation");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, secret_absent_after_normal_end);
	tcase_add_test(tc, secret_absent_after_fault);
	tcase_add_test(tc, secret_absent_after_timeout);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
