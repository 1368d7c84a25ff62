/* test_vmm_tiny_hostile.c: hand-assembled guests that misbehave, on KVM. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_fixture.h"
#include "kvm_required.h"
#include "../check_run.h"

/* ---- misbehaving guests -------------------------------------------------- */

struct bad {
	const char *name;
	unsigned char body[32];
	size_t n;
	enum vm_error_kind kind;
	const char *text;
	int vector;
};

static const struct bad bads[] = {
	{"null read",
	 {0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0},
	 8,
	 VM_ERR_EXCEPTION,
	 "accessing 0x0 (read, not present",
	 14},
	{"ud2", {0x0f, 0x0b}, 2, VM_ERR_EXCEPTION, "invalid opcode (#UD)", 6},
	{"hlt", {0xf4}, 1, VM_ERR_EXCEPTION, "(#GP)", 13},
	{"out to a port outside the ABI",
	 {0xe6, 0x14},
	 2,
	 VM_ERR_EXCEPTION,
	 "(#GP)",
	 13},
	{"host call with an unknown operation",
	 {0x48, 0xc7, 0xc7, 0xff, 0xff, 0, 0, 0xe6, 0x13},
	 9,
	 VM_ERR_PROTOCOL,
	 "unknown host call operation 65535",
	 -1},
	{"out to the fault port",
	 {0xe6, 0x1f},
	 2,
	 VM_ERR_EXCEPTION,
	 "(#GP)",
	 13},
	{"in from an ABI port",
	 {0xe4, 0x10},
	 2,
	 VM_ERR_PROTOCOL,
	 "read I/O port 0x10",
	 -1},
	{"write to text",
	 {0xc6, 0x04, 0x25, 0, 0, 1, 0, 0},
	 8,
	 VM_ERR_EXCEPTION,
	 "accessing 0x10000 (write, protection violation)",
	 14},
	{"read the system slot",
	 {0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0x40},
	 8,
	 VM_ERR_EXCEPTION,
	 "accessing 0x40000000 (read, protection",
	 14},
	{"write the page tables",
	 {0xc6, 0x04, 0x25, 0x00, 0x40, 0x00, 0x40, 0x00},
	 8,
	 VM_ERR_EXCEPTION,
	 "accessing 0x40004000 (write, not present",
	 14},
	{"write the input area",
	 {0x48, 0x8b, 0x3c, 0x25, 0x38, 0x20, 0, 0, 0xc6, 0x07, 0x01},
	 11,
	 VM_ERR_EXCEPTION,
	 "(write, protection violation)",
	 14},
	{"divide by zero",
	 {0x31, 0xc9, 0xf7, 0xf1},
	 4,
	 VM_ERR_EXCEPTION,
	 "divide error (#DE)",
	 0},
	{"2-byte out",
	 {0x66, 0xe7, 0x11},
	 3,
	 VM_ERR_PROTOCOL,
	 "2-byte out",
	 -1},
	{"READY during a call",
	 {0xe6, 0x10},
	 2,
	 VM_ERR_PROTOCOL,
	 "READY during a call",
	 -1},
	{"abort message outside memory",
	 {0x48, 0xbf, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbe, 0x10, 0,
	  0, 0, 0xe6, 0x12},
	 17,
	 VM_ERR_PROTOCOL,
	 "outside guest memory",
	 -1},
	{"huge output",
	 {0x31, 0xff, 0x48, 0xbe, 0, 0, 0, 0, 0, 1, 0, 0, 0xe6, 0x11},
	 14,
	 VM_ERR_OUTPUT_TOO_LARGE,
	 "output of 1099511627776 bytes exceeds",
	 -1},
	{"bad status",
	 {0xbf, 5, 0, 0, 0, 0x31, 0xf6, 0xe6, 0x11},
	 9,
	 VM_ERR_PROTOCOL,
	 "unknown status 5",
	 -1},
	{"stack overflow",
	 {0x50, 0xeb, 0xfd},
	 3,
	 VM_ERR_EXCEPTION,
	 "stack overflow into the guard page",
	 14},
	{"jump to data",
	 {0x48, 0xc7, 0xc0, 0, 0x10, 1, 0, 0xff, 0xe0},
	 9,
	 VM_ERR_EXCEPTION,
	 "accessing 0x11000 (instruction fetch",
	 14},
};

START_TEST(misbehaviour)
{
	const struct bad *b = &bads[_i];
	struct guest g;
	struct vm_error err;
	struct vm_call_result res;
	unsigned char body[64];

	/* the bad instruction, then (never reached) the echo code */
	memcpy(body, b->body, b->n);
	ck_assert_int_eq(boot_body(&g, body, b->n, 1 * MiB, 0, &err), 0);
	ck_assert_int_eq(call(g.vm, "a", CALL_TIMEOUT_MS, &res, &err), -EIO);
	ck_assert_msg(err.kind == b->kind, "%s: kind %s, message %s", b->name,
		      vm_error_kind_name(err.kind), err.message);
	ck_assert_msg(strstr(err.message, b->text), "%s: message %s", b->name,
		      err.message);
	if (b->vector >= 0)
		ck_assert_int_eq(err.vector, b->vector);
	if (b->vector >= 0)
		ck_assert_uint_ge(err.rip, GLINT_IMAGE_BASE);
	/* restore makes the VM usable again, many times over */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(vm_restore(g.vm, NULL), 0);
		ck_assert_int_eq(call(g.vm, "a", CALL_TIMEOUT_MS, &res, &err),
				 -EIO);
		ck_assert_int_eq(err.kind, b->kind);
	}
	ck_assert_int_eq(vm_restore(g.vm, NULL), 0);
	guest_free(&g);
}
END_TEST

/* log: writes "<3>hi \nnod" to the log buffer, log_len 10, dropped 3, and
 * finishes with status ERROR */
static const unsigned char log_body[] = {
	0xc7, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00, 0x3c, 0x33, 0x3e, 0x00,
	0xc7, 0x04, 0x25, 0x03, 0x30, 0x00, 0x00, 0x68, 0x69, 0x20, 0x0a,
	0xc7, 0x04, 0x25, 0x07, 0x30, 0x00, 0x00, 0x6e, 0x6f, 0x64, 0x00,
	0xc7, 0x04, 0x25, 0x00, 0x21, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00,
	0xc7, 0x04, 0x25, 0x04, 0x21, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0xbf, 0x01, 0x00, 0x00, 0x00, 0x31, 0xf6, 0xe6, 0x11};

struct seen {
	int n;
	int level[4];
	char line[4][64];
};

static void seen_log(void *opaque, uint64_t call_id, int level,
		     const char *line, size_t len)
{
	struct seen *s = opaque;

	ck_assert_uint_eq(call_id, 4242);
	if (s->n < 4) {
		s->level[s->n] = level;
		snprintf(s->line[s->n], sizeof(s->line[0]), "%.*s", (int)len,
			 line);
	}
	s->n++;
}

START_TEST(log_lines_and_error_status)
{
	struct guest g;
	struct vm_error err;
	struct vm_call_result res;
	struct seen s;
	struct vm_call_args a = {.call_id = 4242, .log = seen_log};

	ck_assert_int_eq(
		boot_body(&g, log_body, sizeof(log_body), 1 * MiB, 0, &err), 0);
	for (int i = 0; i < 2; i++) {
		memset(&s, 0, sizeof(s));
		a.log_opaque = &s;
		ck_assert_int_eq(vm_call(g.vm, &a, &res, &err), 0);
		ck_assert_int_eq(res.status, GLINT_STATUS_ERROR);
		ck_assert_uint_eq(res.log_lines, 2);
		ck_assert_uint_eq(res.log_dropped, 3);
		ck_assert_int_eq(s.n, 2);
		ck_assert_int_eq(s.level[0], 3);
		ck_assert_str_eq(s.line[0], "hi ");
		ck_assert_int_eq(s.level[1], 6);
		ck_assert_str_eq(s.line[1], "nod");
		ck_assert_int_eq(vm_restore(g.vm, NULL), 0);
	}
	guest_free(&g);
}
END_TEST

/* bigdirty: output = 1 + (byte at 0x80000) after counting; then fills
 * in_len pages of bss from 0x12000 with 1s (0x80000 is page 110). */

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-tiny-hostile");
	TCase *t = tcase_create("hostile");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, misbehaviour, 0,
			    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(t, log_lines_and_error_status);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
