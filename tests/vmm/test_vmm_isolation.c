/* test_vmm_isolation.c: every call starts from the snapshot's exact CPU state. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_required.h"
#include "tinyguest.h"
#include "vm.h"
#include "../check_run.h"

#define MiB (1024ull * 1024ull)

/* tests/guests/fpuleak.S: the dump it writes at the start of every call */
#define DUMP_BYTES 648
#define FX_COMPARED 416 /* FXSAVE bytes 0-415; the rest is not state */
#define FX_FCW 0
#define FX_MXCSR 24
#define FX_ST 32
#define FX_XMM 160
#define REG_OFF 512 /* rax ... r15, rflags */
#define NREGS 17

static struct vmm *vmm;
static struct image leak_img;

static void setup(void)
{
	const char *dir = getenv("GLINT_BUILDDIR");
	char path[4096], err[256];

	ck_assert_msg(vmm_open(&vmm, err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/tests/guests/fpuleak.elf",
		 dir ? dir : ".");
	ck_assert_msg(image_load_file(path, 64 * MiB, &leak_img, err,
				      sizeof(err)) == 0,
		      "%s: %s", path, err);
}

static void teardown(void)
{
	image_release(&leak_img);
	vmm_close(vmm);
	vmm = NULL;
}

static void boot(const struct image *img, struct vm_snapshot **snap,
		 struct vm **vm)
{
	struct vm_config cfg;
	struct vm_error err;

	vm_config_default(&cfg, 2 * MiB);
	ck_assert_msg(
		vm_boot(vmm, img, &cfg, NULL, NULL, snap, vm, NULL, &err) == 0,
		"boot: %s", err.message);
}

/* 256 secret bytes that differ per caller, then the ending byte. */
static void secret_input(uint8_t *in, unsigned caller, char ending)
{
	for (unsigned i = 0; i < 256; i++)
		in[i] = (uint8_t)(0x31 + ((i * 7 + caller * 13) % 61));
	memcpy(in, "SECRET-", 7);
	in[7] = (uint8_t)('0' + caller);
	in[256] = (uint8_t)ending;
}

/* A normal call with a harmless input; copies the entry dump to dump. */
static void call_dump(struct vm *vm, uint8_t *dump)
{
	uint8_t in[257];
	struct vm_call_args a = {.input = in, .input_len = sizeof(in)};
	struct vm_call_result res;
	struct vm_error err;

	memset(in, 0x2e, sizeof(in));
	in[256] = 'n';
	ck_assert_int_eq(vm_restore(vm, NULL), 0);
	ck_assert_msg(vm_call(vm, &a, &res, &err) == 0, "call: %s",
		      err.message);
	ck_assert_int_eq(res.status, GLINT_STATUS_OK);
	ck_assert_uint_eq(res.output_len, DUMP_BYTES);
	ck_assert_uint_eq(res.exits, 1);
	memcpy(dump, res.output, DUMP_BYTES);
}

/* Caller X's call, ending as asked; asserts it really ended that way. */
static void call_secret(struct vm *vm, unsigned caller, char ending)
{
	uint8_t in[257];
	struct vm_call_args a = {.input = in, .input_len = sizeof(in)};
	struct vm_call_result res;
	struct vm_error err;
	int rc;

	secret_input(in, caller, ending);
	a.timeout_ms = ending == 't' ? 50 : 0;
	ck_assert_int_eq(vm_restore(vm, NULL), 0);
	rc = vm_call(vm, &a, &res, &err);
	if (ending == 'n') {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(res.output_len, DUMP_BYTES);
		return;
	}
	ck_assert_int_eq(rc, -EIO);
	if (ending == 'f') {
		ck_assert_int_eq(err.kind, VM_ERR_EXCEPTION);
		ck_assert_uint_eq(err.vector, 6);
	} else {
		ck_assert_int_eq(err.kind, VM_ERR_TIMEOUT);
	}
}

static uint64_t reg(const uint8_t *dump, unsigned i)
{
	uint64_t v;

	memcpy(&v, dump + REG_OFF + i * 8, 8);
	return v;
}

/* The state fpuleak.S's init leaves at READY. */
static void assert_snapshot_state(const uint8_t *d)
{
	static const uint8_t pi[10] = {0x35, 0xc2, 0x68, 0x21, 0xa2,
				       0xda, 0x0f, 0xc9, 0x00, 0x40};
	static const uint8_t one[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
	uint16_t fcw;
	uint32_t mxcsr;

	memcpy(&fcw, d + FX_FCW, 2);
	memcpy(&mxcsr, d + FX_MXCSR, 4);
	ck_assert_uint_eq(fcw, 0x027f);
	ck_assert_uint_eq(mxcsr, 0x3f80);
	ck_assert_mem_eq(d + FX_ST, pi, 10);	   /* ST(0) */
	ck_assert_mem_eq(d + FX_ST + 16, one, 10); /* ST(1) */
	for (unsigned n = 0; n < 16; n++)
		for (unsigned b = 0; b < 16; b++)
			ck_assert_uint_eq(d[FX_XMM + n * 16 + b], 0xa0 + n);
	/* rax, rbx, rcx, rdx, rsi, rdi, rbp: the init's patterns */
	for (unsigned i = 0; i < 7; i++)
		ck_assert_uint_eq(reg(d, i), 0x1111111111111111ull * (i + 1));
	for (unsigned i = 8; i < 16; i++)
		ck_assert_uint_eq(reg(d, i), 0x1111111111111111ull * i);
}

/* No 8-byte run of caller's secret appears anywhere in the dump. */
static void assert_no_secret(const uint8_t *d, unsigned caller)
{
	uint8_t s[257];

	secret_input(s, caller, 'n');
	for (unsigned i = 0; i + 8 <= 256; i++)
		ck_assert_msg(!memmem(d, DUMP_BYTES, s + i, 8),
			      "bytes %u-%u of caller %u's input reached the "
			      "next call",
			      i, i + 7, caller);
}

/* The next call's view equals the snapshot's, byte for byte. */
static void assert_pristine(struct vm *vm, const uint8_t *first,
			    unsigned caller)
{
	uint8_t d[DUMP_BYTES];

	call_dump(vm, d);
	assert_snapshot_state(d);
	ck_assert_mem_eq(d, first, FX_COMPARED);
	ck_assert_mem_eq(d + REG_OFF, first + REG_OFF, NREGS * 8);
	assert_no_secret(d, caller);
}

static void check_every_ending(struct vm *vm)
{
	static const char endings[] = {'n', 'f', 't', 'n', 't', 'f'};
	uint8_t first[DUMP_BYTES];

	call_dump(vm, first);
	assert_snapshot_state(first);
	for (unsigned i = 0; i < sizeof(endings); i++) {
		call_secret(vm, i + 1, endings[i]);
		assert_pristine(vm, first, i + 1);
	}
}

/* A raw guest loads caller X's input into XMM0-15, x87 and MXCSR; the
 * next call, after a normal end, a fault or a timeout, finds the
 * snapshot's state and none of X's bytes. */
START_TEST(fpu_state_does_not_cross_calls)
{
	struct vm_snapshot *snap;
	struct vm *vm, *clone;
	struct vm_error err;

	boot(&leak_img, &snap, &vm);
	check_every_ending(vm);
	ck_assert_int_eq(vm_clone(snap, &clone, &err), 0);
	check_every_ending(clone);
	vm_destroy(clone);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
}
END_TEST

/* A call that writes the call entry code or the FPU image it loads faults,
 * and the next call is unaffected. */
START_TEST(entry_pages_are_read_only)
{
	static const uint64_t targets[] = {0x40008000, 0x40009000};
	struct vm_snapshot *snap;
	struct vm *vm;
	uint8_t first[DUMP_BYTES];

	boot(&leak_img, &snap, &vm);
	call_dump(vm, first);
	for (unsigned i = 0; i < 2; i++) {
		/* outb READY; movb $1, target; ud2 */
		unsigned char code[] = {0xe6, 0x10, 0xc6, 0x04, 0x25, 0,
					0,    0,    0,	  1,	0x0f, 0x0b};
		char want[96];
		struct image img;
		struct vm_snapshot *s2;
		struct vm *v2;
		struct vm_call_result res;
		struct vm_error err;
		uint32_t t = (uint32_t)targets[i];

		memcpy(code + 5, &t, 4);
		tiny_image(&img, code, sizeof(code));
		boot(&img, &s2, &v2);
		ck_assert_int_eq(vm_call(v2,
					 &(struct vm_call_args){.call_id = 1},
					 &res, &err),
				 -EIO);
		snprintf(want, sizeof(want),
			 "accessing 0x%x (write, protection violation)", t);
		ck_assert_msg(strstr(err.message, want), "%s", err.message);
		ck_assert_int_eq(vm_restore(v2, NULL), 0);
		ck_assert_int_eq(vm_call(v2,
					 &(struct vm_call_args){.call_id = 2},
					 &res, &err),
				 -EIO);
		ck_assert_msg(strstr(err.message, want), "%s", err.message);
		vm_destroy(v2);
		vm_snapshot_unref(s2);
	}
	assert_pristine(vm, first, 0);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
}
END_TEST

/* The DONE `out` sits exactly at the snapshot's rip. KVM completes a
 * port write on the next KVM_RUN by skipping the instruction when rip is
 * unchanged; a restore that left rip there would make the next call skip
 * its DONE and run into the ud2. Every call must still signal DONE. */
START_TEST(done_at_snapshot_rip)
{
	/* xorl %edi,%edi; xorl %esi,%esi; outb READY; outb DONE; ud2 */
	static const unsigned char code[] = {0x31, 0xff, 0x31, 0xf6, 0xe6,
					     0x10, 0xe6, 0x11, 0x0f, 0x0b};
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm, *clone;
	struct vm_call_result res;
	struct vm_error err;

	tiny_image(&img, code, sizeof(code));
	boot(&img, &snap, &vm);
	ck_assert_int_eq(vm_clone(snap, &clone, &err), 0);
	for (unsigned i = 0; i < 20; i++) {
		struct vm *v = i % 2 ? vm : clone;

		ck_assert_int_eq(vm_restore(v, NULL), 0);
		ck_assert_msg(vm_call(v, &(struct vm_call_args){.call_id = i},
				      &res, &err) == 0,
			      "call %u: %s", i, err.message);
		ck_assert_int_eq(res.status, GLINT_STATUS_OK);
		ck_assert_uint_eq(res.output_len, 0);
		ck_assert_uint_eq(res.exits, 1);
	}
	vm_destroy(clone);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
}
END_TEST

/* The upper halves of YMM0 and YMM15 (AVX state, beyond FXSAVE's) carry
 * nothing from one call to the next either. Per call: write what YMM0
 * and YMM15 hold above bit 127 to the output, load input bytes 0-31
 * there, then DONE with 32 bytes, or ud2 when input byte 32 is 'f'. */
static const unsigned char ymm_code[] = {
	0xe6, 0x10,					/* outb READY */
	0x48, 0x8b, 0x3c, 0x25, 0x48, 0x20, 0x00, 0x00, /* mov out_gpa,%rdi */
	0xc4, 0xe3, 0x7d, 0x19, 0x07, 0x01, /* vextractf128 $1,%ymm0,(%rdi) */
	0xc4, 0x63, 0x7d, 0x19, 0x7f, 0x10, 0x01, /* ... %ymm15,16(%rdi) */
	0x48, 0x8b, 0x34, 0x25, 0x38, 0x20, 0x00, 0x00, /* mov in_gpa,%rsi */
	0xc4, 0xe3, 0x7d, 0x18, 0x06, 0x01, /* vinsertf128 $1,(%rsi),%ymm0 */
	0xc4, 0x63, 0x05, 0x18, 0x7e, 0x10, 0x01, /* 16(%rsi) -> %ymm15 */
	0x80, 0x7e, 0x20, 0x66,			  /* cmpb $'f',32(%rsi) */
	0x74, 0x09,				  /* je ud2 */
	0x31, 0xff,				  /* xor %edi,%edi */
	0xbe, 0x20, 0x00, 0x00, 0x00,		  /* mov $32,%esi */
	0xe6, 0x11,				  /* outb DONE */
	0x0f, 0x0b};				  /* ud2 */

START_TEST(avx_state_does_not_cross_calls)
{
	static const uint8_t zero[32];
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm;

	tiny_image(&img, ymm_code, sizeof(ymm_code));
	boot(&img, &snap, &vm);
	for (unsigned i = 0; i < 6; i++) {
		uint8_t in[33];
		struct vm_call_args a = {.input = in, .input_len = sizeof(in)};
		struct vm_call_result res;
		struct vm_error err;
		int rc;

		memset(in, 0x40 + i, 32);
		in[32] = i % 2 ? 'f' : 'n';
		ck_assert_int_eq(vm_restore(vm, NULL), 0);
		rc = vm_call(vm, &a, &res, &err);
		if (i % 2) {
			ck_assert_int_eq(rc, -EIO);
			ck_assert_uint_eq(err.vector, 6);
			continue;
		}
		ck_assert_msg(rc == 0, "call %u: %s", i, err.message);
		ck_assert_uint_eq(res.output_len, 32);
		/* the snapshot's upper halves are zero (init never set them) */
		ck_assert_mem_eq(res.output, zero, 32);
	}
	vm_destroy(vm);
	vm_snapshot_unref(snap);
}
END_TEST

/* PKRU, where guest code can reach it (PVM runs it under the host's CR4):
 * each call reports PKRU, then writes its input there (keeping key 0,
 * the key of every page, accessible). On hardware KVM the guest's
 * CR4.PKE is clear and RDPKRU raises #UD: nothing to carry. */
static const unsigned char pkru_code[] = {
	0xe6, 0x10, 0x48, 0x8b, 0x3c, 0x25, 0x48, 0x20, 0x00, 0x00, 0x31, 0xc9,
	0x0f, 0x01, 0xee, /* rdpkru */
	0x89, 0x07, 0x48, 0x8b, 0x34, 0x25, 0x38, 0x20, 0x00, 0x00, 0x8b, 0x06,
	0x83, 0xe0, 0xfc, 0x31, 0xc9, 0x31, 0xd2, 0x0f, 0x01, 0xef, /* wrpkru */
	0x31, 0xff, 0xbe, 0x04, 0x00, 0x00, 0x00, 0xe6, 0x11, 0x0f, 0x0b};

START_TEST(pkru_does_not_cross_calls)
{
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm;
	uint32_t first = 0;

	tiny_image(&img, pkru_code, sizeof(pkru_code));
	boot(&img, &snap, &vm);
	for (unsigned i = 0; i < 4; i++) {
		uint32_t in = 0x55555554u ^ (i << 8), seen;
		struct vm_call_args a = {.input = &in, .input_len = 4};
		struct vm_call_result res;
		struct vm_error err;
		int rc;

		ck_assert_int_eq(vm_restore(vm, NULL), 0);
		rc = vm_call(vm, &a, &res, &err);
		if (i == 0 && rc == -EIO && err.vector == 6)
			break; /* PKRU is out of the guest's reach */
		ck_assert_msg(rc == 0, "call %u: %s", i, err.message);
		ck_assert_uint_eq(res.output_len, 4);
		memcpy(&seen, res.output, 4);
		if (i == 0)
			first = seen;
		ck_assert_uint_eq(seen, first);
	}
	vm_destroy(vm);
	vm_snapshot_unref(snap);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-isolation");
	TCase *t = tcase_create("isolation");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, fpu_state_does_not_cross_calls);
	tcase_add_test(t, entry_pages_are_read_only);
	tcase_add_test(t, done_at_snapshot_rip);
	tcase_add_test(t, avx_state_does_not_cross_calls);
	tcase_add_test(t, pkru_does_not_cross_calls);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
