/* test_vmm_unit.c: VMM modules that need no KVM: layout, paging, exits. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cpu_x86_64.h"
#include "exit.h"
#include "guestlog.h"
#include "guestmem.h"
#include "layout.h"
#include "paging_x86_64.h"
#include "seed.h"

#include <linux/kvm.h>
#include "../check_run.h"

#define MiB (1024ull * 1024ull)
#define PAGE GLINT_PAGE_SIZE

/* ---- guestmem ----------------------------------------------------------- */

START_TEST(guestmem_bounds)
{
	uint8_t ram[4 * 4096];
	struct guestmem gm = {ram, sizeof(ram)};
	void *p = NULL;

	ck_assert_int_eq(guestmem_ptr(&gm, 0, sizeof(ram), &p), 0);
	ck_assert_ptr_eq(p, ram);
	ck_assert_int_eq(guestmem_ptr(&gm, 4096, 8, &p), 0);
	ck_assert_ptr_eq(p, ram + 4096);
	ck_assert_int_eq(guestmem_ptr(&gm, sizeof(ram), 0, &p), 0);
	ck_assert_int_eq(guestmem_ptr(&gm, sizeof(ram) - 1, 2, &p), -EFAULT);
	ck_assert_int_eq(guestmem_ptr(&gm, sizeof(ram) + 1, 0, &p), -EFAULT);
	/* gpa + len wraps around: must still be refused */
	ck_assert_int_eq(guestmem_ptr(&gm, 8, UINT64_MAX - 4, &p), -EFAULT);
	ck_assert_int_eq(guestmem_ptr(&gm, UINT64_MAX, 2, &p), -EFAULT);
	ck_assert_int_eq(guestmem_ptr(&gm, GLINT_SYS_GPA, 1, &p), -EFAULT);
}
END_TEST

/* ---- ABI ---------------------------------------------------------------- */

START_TEST(abi_layout)
{
	ck_assert_uint_eq(offsetof(struct glint_call_page, boot),
			  GLINT_CALL_PAGE_BOOT_OFFSET);
	ck_assert_uint_eq(offsetof(struct glint_call_page, call),
			  GLINT_CALL_PAGE_CALL_OFFSET);
	ck_assert_uint_eq(offsetof(struct glint_call_page, result),
			  GLINT_CALL_PAGE_RESULT_OFFSET);
	/* the tiny test guests hard-code these */
	ck_assert_uint_eq(offsetof(struct glint_boot_info, in_gpa), 0x38);
	ck_assert_uint_eq(offsetof(struct glint_boot_info, out_gpa), 0x48);
	ck_assert_uint_eq(GLINT_CALL_PAGE_CALL_OFFSET +
				  offsetof(struct glint_call_header, in_len),
			  0x88);
	ck_assert_uint_eq(GLINT_CALL_PAGE_RESULT_OFFSET +
				  offsetof(struct glint_call_result, log_len),
			  0x100);
	ck_assert_uint_lt(GLINT_LOG_GPA + GLINT_LOG_BYTES, GLINT_IMAGE_BASE);
	ck_assert_uint_le(GLINT_MEM_MAX_BYTES, GLINT_SYS_GPA);
}
END_TEST

/* ---- config and layout -------------------------------------------------- */

static void three_segment_image(struct image *img, uint64_t bss_bytes)
{
	memset(img, 0, sizeof(*img));
	img->abi_version = GLINT_ABI_VERSION;
	img->entry_gpa = GLINT_IMAGE_BASE;
	img->nsegments = 3;
	img->segments[0] = (struct image_segment){
		.gpa = 0x10000, .mem_bytes = 0x2100, .perm = 5};
	img->segments[1] = (struct image_segment){
		.gpa = 0x13000, .mem_bytes = 0x800, .perm = 1};
	img->segments[2] = (struct image_segment){
		.gpa = 0x14000, .mem_bytes = 0x1000 + bss_bytes, .perm = 3};
	img->end_gpa = (0x15000 + bss_bytes + PAGE - 1) & ~(PAGE - 1);
}

START_TEST(config_defaults_pass_check)
{
	static const uint64_t sizes[] = {1 * MiB, 3 * MiB, 16 * MiB, 128 * MiB,
					 1024 * MiB};
	struct vm_config cfg;
	char err[128];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		vm_config_default(&cfg, sizes[i]);
		ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), 0);
		ck_assert_uint_eq(cfg.mem_bytes, sizes[i]);
		ck_assert_uint_eq(cfg.init_timeout_ms, 5000);
		ck_assert_uint_ge(cfg.input_max_bytes, 64 * 1024);
		ck_assert_uint_le(cfg.input_max_bytes, 6 * MiB);
		ck_assert_uint_le(cfg.stack_bytes, 256 * 1024);
	}
	vm_config_default(&cfg, 16 * MiB);
	ck_assert_uint_eq(cfg.stack_bytes, 256 * 1024);
	ck_assert_uint_eq(cfg.input_max_bytes, 2 * MiB);
}
END_TEST

START_TEST(config_check_rejects)
{
	struct vm_config cfg;
	char err[128];

	vm_config_default(&cfg, 16 * MiB);
	cfg.mem_bytes += 100;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "memory size"));
	ck_assert_ptr_nonnull(strstr(err, "multiple of 4 KiB"));
	vm_config_default(&cfg, 16 * MiB);
	cfg.mem_bytes = 2 * GLINT_MEM_MAX_BYTES;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "1 GiB"));
	vm_config_default(&cfg, 16 * MiB);
	cfg.mem_bytes = 64 * 1024;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
	vm_config_default(&cfg, 16 * MiB);
	cfg.stack_bytes = 12345;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "stack size"));
	vm_config_default(&cfg, 16 * MiB);
	cfg.output_max_bytes = 0;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "output area"));
	vm_config_default(&cfg, 16 * MiB);
	cfg.init_timeout_ms = 0;
	ck_assert_int_eq(vm_config_check(&cfg, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(layout_fits)
{
	struct vm_config cfg;
	struct image img;
	struct glint_boot_info b;
	char err[128] = "";

	vm_config_default(&cfg, 16 * MiB);
	three_segment_image(&img, 0x3000);
	ck_assert_int_eq(layout_compute(&cfg, &img, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.magic, GLINT_BOOT_MAGIC);
	ck_assert_uint_eq(b.out_gpa + b.out_cap, 16 * MiB);
	ck_assert_uint_eq(b.out_cap, cfg.output_max_bytes);
	ck_assert_uint_eq(b.in_gpa + b.in_cap, b.out_gpa);
	ck_assert_uint_eq(b.stack_top, b.in_gpa);
	ck_assert_uint_eq(b.stack_bytes, cfg.stack_bytes);
	ck_assert_uint_eq(b.heap_gpa, img.end_gpa);
	ck_assert_uint_eq(b.heap_gpa + b.heap_bytes + PAGE,
			  b.stack_top - b.stack_bytes);
	ck_assert_uint_eq(layout_guard_gpa(&b), b.heap_gpa + b.heap_bytes);
}
END_TEST

START_TEST(layout_does_not_fit)
{
	struct vm_config cfg;
	struct image img;
	struct glint_boot_info b;
	char err[128] = "";

	vm_config_default(&cfg, 1 * MiB);
	three_segment_image(&img, 2 * MiB);
	ck_assert_int_eq(layout_compute(&cfg, &img, &b, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "image needs"));
	ck_assert_ptr_nonnull(strstr(err, "but the VM has 1024 KiB"));

	/* a segment past the end of memory, though end_gpa lies */
	three_segment_image(&img, 0);
	img.segments[2].gpa = 0x200000;
	ck_assert_int_eq(layout_compute(&cfg, &img, &b, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "segment 2"));
	ck_assert_ptr_nonnull(strstr(err, "outside"));
}
END_TEST

/* ---- page tables -------------------------------------------------------- */

struct want {
	int present, user, write, exec;
};

/* The map of glint_abi.h, written independently of paging_x86_64.c. */
static struct want expected(const struct glint_boot_info *b,
			    const struct image *img, uint64_t a)
{
	uint64_t guard = b->stack_top - b->stack_bytes - PAGE;

	if (a < 0x1000)
		return (struct want){0, 0, 0, 0};
	if (a < 0x2000)
		return (struct want){1, 0, 1, 0};
	if (a < 0x7000)
		return (struct want){1, 1, 1, 0};
	if (a < GLINT_RESP_HEAD_GPA)
		return (struct want){0, 0, 0, 0};
	if (a < GLINT_RESP_HEAD_GPA + GLINT_RESP_HEAD_BYTES)
		return (struct want){1, 1, 1, 0};
	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct image_segment *s = &img->segments[i];

		if (a >= s->gpa && a < s->gpa + s->mem_bytes)
			return (struct want){1, 1, !!(s->perm & 2),
					     !!(s->perm & 4)};
	}
	if (a < b->heap_gpa)
		return (struct want){0, 0, 0, 0};
	if (a >= guard && a < guard + PAGE)
		return (struct want){0, 0, 0, 0};
	if (a >= b->mem_bytes)
		return (struct want){0, 0, 0, 0};
	if (a >= b->in_gpa && a < b->in_gpa + b->in_cap)
		return (struct want){1, 1, 0, 0};
	if (b->env_bytes && a >= b->env_gpa && a < b->env_gpa + b->env_bytes)
		return (struct want){1, 1, 0, 0};
	if (b->secrets_bytes && a >= b->secrets_gpa &&
	    a < b->secrets_gpa + b->secrets_bytes)
		return (struct want){1, 1, 0, 0};
	if (a >= b->stack_top && a < b->in_gpa)
		return (struct want){0, 0, 0, 0}; /* block tails */
	return (struct want){1, 1, 1, 0};
}

START_TEST(paging_matches_map)
{
	struct vm_config cfg;
	struct image img;
	struct glint_boot_info b;
	uint64_t sys_bytes;
	uint8_t *sys;
	struct paging_perm p;

	static char env[5000] = "A=1";
	static const char secrets[] = "S=x\0";

	vm_config_default(&cfg, 3 * MiB); /* not a multiple of 2 MiB */
	/* a 2-page environment and a 1-page secrets block */
	cfg.env = env;
	cfg.env_bytes = sizeof(env);
	cfg.secrets = secrets;
	cfg.secrets_bytes = sizeof(secrets);
	three_segment_image(&img, 0x5000);
	ck_assert_int_eq(layout_compute(&cfg, &img, &b, NULL, 0), 0);
	ck_assert_uint_eq(b.secrets_gpa, b.in_gpa - PAGE);
	ck_assert_uint_eq(b.env_gpa, b.in_gpa - 3 * PAGE);
	ck_assert_uint_eq(b.stack_top, b.env_gpa);
	ck_assert_uint_eq(b.env_bytes, sizeof(env));
	sys_bytes = layout_sys_bytes(b.mem_bytes);
	sys = calloc(1, sys_bytes);
	ck_assert_int_eq(paging_build(sys, sys_bytes, &b, &img), 0);
	for (uint64_t a = 0; a < 4 * MiB; a += PAGE) {
		struct want w = expected(&b, &img, a);

		ck_assert_int_eq(paging_walk(sys, sys_bytes, a + 8, &p), 0);
		ck_assert_msg(p.present == w.present, "present at 0x%lx",
			      (unsigned long)a);
		if (!w.present)
			continue;
		ck_assert_uint_eq(p.pa, a + 8);
		ck_assert_msg(p.user == w.user && p.write == w.write &&
				      p.exec == w.exec,
			      "perm at 0x%lx: u%d w%d x%d", (unsigned long)a,
			      p.user, p.write, p.exec);
		ck_assert_msg(p.accessed_dirty, "A/D preset at 0x%lx",
			      (unsigned long)a);
	}
	/* system slot: descriptor tables supervisor read-only NX, stubs
	 * supervisor executable, call entry user read-execute, FPU image
	 * user read-only NX, page tables not mapped */
	for (uint64_t off = 0; off < sys_bytes; off += PAGE) {
		ck_assert_int_eq(
			paging_walk(sys, sys_bytes, GLINT_SYS_GPA + off, &p),
			0);
		if (off == LAYOUT_SYS_ENTRY || off == LAYOUT_SYS_FPU) {
			ck_assert_int_eq(p.present, 1);
			ck_assert_int_eq(p.user, 1);
			ck_assert_int_eq(p.write, 0);
			ck_assert_int_eq(p.exec, off == LAYOUT_SYS_ENTRY);
			continue;
		}
		if (off >= LAYOUT_SYS_MAPPED_PAGES * PAGE) {
			ck_assert_int_eq(p.present, 0);
			continue;
		}
		ck_assert_int_eq(p.present, 1);
		ck_assert_int_eq(p.user, 0);
		ck_assert_int_eq(p.write, 0);
		ck_assert_int_eq(p.exec, off == LAYOUT_SYS_STUBS);
	}
	/* nothing between RAM and the slot, nothing in the upper half */
	ck_assert_int_eq(paging_walk(sys, sys_bytes, 512 * MiB, &p), 0);
	ck_assert_int_eq(p.present, 0);
	ck_assert_int_eq(paging_walk(sys, sys_bytes, 0xffff800000000000ull, &p),
			 0);
	ck_assert_int_eq(p.present, 0);
	free(sys);
}
END_TEST

START_TEST(paging_rejects_shared_page)
{
	struct vm_config cfg;
	struct image img;
	struct glint_boot_info b;
	uint64_t sys_bytes;
	uint8_t *sys;

	vm_config_default(&cfg, 4 * MiB);
	three_segment_image(&img, 0);
	img.segments[1].gpa = 0x12000; /* text ends at 0x12100 */
	ck_assert_int_eq(layout_compute(&cfg, &img, &b, NULL, 0), 0);
	sys_bytes = layout_sys_bytes(b.mem_bytes);
	sys = calloc(1, sys_bytes);
	ck_assert_int_eq(paging_build(sys, sys_bytes, &b, &img), -EINVAL);
	free(sys);
}
END_TEST

/* ---- descriptor tables -------------------------------------------------- */

/* The CPU's I/O permission check (SDM vol. 1, 19.5.2) for a 1-byte out. */
static int port_allowed(const uint8_t *tss, unsigned port)
{
	unsigned base = tss[0x66] | tss[0x67] << 8;
	unsigned off = base + port / 8;

	if (off + 1 > CPU_TSS_LIMIT)
		return 0;
	return !(tss[off] & (1u << (port % 8)));
}

START_TEST(cpu_tables)
{
	uint8_t *sys = calloc(1, layout_sys_bytes(1 * MiB));
	const uint8_t *tss, *idt, *stubs;
	uint64_t v, rsp0;

	cpu_build_tables(sys);
	tss = sys + LAYOUT_SYS_TSS;
	for (unsigned port = 0; port < 65536; port++)
		ck_assert_msg(port_allowed(tss, port) ==
				      (port >= GLINT_PORT_USER_FIRST &&
				       port <= GLINT_PORT_USER_LAST),
			      "port 0x%x", port);
	memcpy(&rsp0, tss + 4, 8);
	ck_assert_uint_eq(rsp0, GLINT_R0_STACK_TOP);
	idt = sys + LAYOUT_SYS_IDT;
	stubs = sys + LAYOUT_SYS_STUBS;
	for (unsigned vec = 0; vec < 256; vec++) {
		uint64_t lo, hi, h;
		const uint8_t *s;

		memcpy(&lo, idt + vec * 16, 8);
		memcpy(&hi, idt + vec * 16 + 8, 8);
		h = (lo & 0xffff) | ((lo >> 48) & 0xffff) << 16 | hi << 32;
		ck_assert_uint_eq((lo >> 16) & 0xffff, GLINT_SEL_KERNEL_CS);
		ck_assert_uint_eq((lo >> 40) & 0xff, 0x8e); /* P, DPL0, int */
		ck_assert_uint_ge(h, GLINT_SYS_GPA + LAYOUT_SYS_STUBS);
		s = stubs + (h - GLINT_SYS_GPA - LAYOUT_SYS_STUBS);
		ck_assert_uint_eq(s[0], 0xb0);
		ck_assert_uint_eq(s[1], vec);
		ck_assert_uint_eq(s[2], 0xe6);
		ck_assert_uint_eq(s[3], GLINT_PORT_FAULT);
	}
	/* code and data descriptors have the accessed bit preset */
	for (unsigned sel = 8; sel < GLINT_SEL_TSS; sel += 8) {
		memcpy(&v, sys + LAYOUT_SYS_GDT + sel, 8);
		ck_assert_uint_eq((v >> 40) & 1, 1);
	}
	memcpy(&v, sys + LAYOUT_SYS_GDT + GLINT_SEL_USER_CS - 3, 8);
	ck_assert_uint_eq((v >> 45) & 3, 3); /* DPL 3 */
	ck_assert_uint_eq((v >> 53) & 1, 1); /* L */
	free(sys);
}
END_TEST

START_TEST(cpu_entry_state)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct glint_boot_info b = {.stack_top = 0x80000};

	memset(&s, 0, sizeof(s));
	cpu_entry_sregs(&s, 1);
	ck_assert_uint_eq(s.cs.selector, GLINT_SEL_USER_CS);
	ck_assert_uint_eq(s.cs.dpl, 3);
	ck_assert_uint_eq(s.cs.l, 1);
	ck_assert_uint_eq(s.ss.selector, GLINT_SEL_USER_DS);
	ck_assert_uint_eq(s.tr.selector, GLINT_SEL_TSS);
	ck_assert_uint_eq(s.tr.type, 0xb);
	ck_assert_uint_eq(s.cr0 & 0x80010033, 0x80010033);
	ck_assert_uint_eq(s.efer, 0xd00);
	ck_assert_uint_eq(s.cr4 & 0x800, 0x800);
	cpu_entry_sregs(&s, 0);
	ck_assert_uint_eq(s.cr4 & 0x800, 0);
	cpu_entry_regs(&r, &b, 0x10040);
	ck_assert_uint_eq(r.rip, 0x10040);
	ck_assert_uint_eq(r.rsp, 0x80000);
	ck_assert_uint_eq(r.rflags, 0x2);
}
END_TEST

/* ---- exit decoding ------------------------------------------------------ */

struct fixture {
	uint8_t ram[256 * 1024];
	struct guestmem gm;
	struct glint_boot_info boot;
};

static struct fixture *fx;

static void fx_setup(void)
{
	fx = calloc(1, sizeof(*fx));
	fx->gm.hva = fx->ram;
	fx->gm.mem_bytes = sizeof(fx->ram);
	fx->boot.mem_bytes = sizeof(fx->ram);
	fx->boot.out_cap = 0x8000;
	fx->boot.out_gpa = sizeof(fx->ram) - 0x8000;
	fx->boot.in_cap = 0x8000;
	fx->boot.in_gpa = fx->boot.out_gpa - 0x8000;
	fx->boot.stack_top = fx->boot.in_gpa;
	fx->boot.stack_bytes = 0x4000;
}

static void fx_teardown(void)
{
	free(fx);
}

static struct exit_state io_exit(uint16_t port)
{
	struct exit_state x;

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_IO;
	x.io_out = 1;
	x.io_size = 1;
	x.io_count = 1;
	x.io_port = port;
	x.cs = GLINT_SEL_USER_CS;
	x.rip = 0x10123;
	return x;
}

static enum exit_verdict decode(const struct exit_state *x, enum exit_phase ph,
				struct exit_done *d, struct vm_error *e)
{
	return exit_decode(x, ph, &fx->gm, &fx->boot, d, e);
}

#define ASSERT_FAILS(x, ph, want_kind, text)                                   \
	do {                                                                   \
		ck_assert_int_eq(decode(&(x), (ph), &d, &e), EXIT_FAILED);     \
		ck_assert_int_eq(e.kind, (want_kind));                         \
		ck_assert_msg(strstr(e.message, (text)) != NULL,               \
			      "message \"%s\" lacks \"%s\"", e.message,        \
			      (text));                                         \
	} while (0)

START_TEST(exit_ready_and_done)
{
	struct exit_state x = io_exit(GLINT_PORT_READY);
	struct exit_done d;
	struct vm_error e;

	ck_assert_int_eq(decode(&x, EXIT_PHASE_BOOT, &d, &e), EXIT_READY);
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL,
		     "READY during a call");

	/* A host call is the vmm's to check (hostcall.c); during init it is
	 * refused outright. */
	x = io_exit(GLINT_PORT_HOSTCALL);
	ck_assert_int_eq(decode(&x, EXIT_PHASE_CALL, &d, &e), EXIT_HOSTCALL);
	ASSERT_FAILS(x, EXIT_PHASE_BOOT, VM_ERR_PROTOCOL,
		     "host call during init");

	x = io_exit(GLINT_PORT_DONE);
	x.rdi = GLINT_STATUS_OK;
	x.rsi = 200;
	ck_assert_int_eq(decode(&x, EXIT_PHASE_CALL, &d, &e), EXIT_DONE);
	ck_assert_int_eq(d.status, GLINT_STATUS_OK);
	ck_assert_uint_eq(d.out_len, 200);
	x.rdi = GLINT_STATUS_ERROR;
	x.rsi = fx->boot.out_cap;
	ck_assert_int_eq(decode(&x, EXIT_PHASE_CALL, &d, &e), EXIT_DONE);
	ck_assert_int_eq(d.status, GLINT_STATUS_ERROR);
	ck_assert_uint_eq(d.out_len, fx->boot.out_cap);
	ASSERT_FAILS(x, EXIT_PHASE_BOOT, VM_ERR_PROTOCOL, "DONE before READY");
	x.rsi = fx->boot.out_cap + 1;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_OUTPUT_TOO_LARGE,
		     "output of 32769 bytes exceeds the output area of 32768");
	x.rsi = UINT64_MAX;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_OUTPUT_TOO_LARGE,
		     "18446744073709551615 bytes");
	x.rsi = 1;
	x.rdi = 2;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "unknown status 2");
	x.rdi = 1ull << 32; /* the full register counts, not just edi */
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "unknown status");
}
END_TEST

START_TEST(exit_abort)
{
	struct exit_state x = io_exit(GLINT_PORT_ABORT);
	struct exit_done d;
	struct vm_error e;

	memcpy(fx->ram + 0x5000, "bad\x01thing\n", 10);
	x.rdi = 0x5000;
	x.rsi = 10;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_ABORT, "bad?thing?");
	ck_assert_uint_eq(strlen(e.message), 10);
	/* also during init */
	ASSERT_FAILS(x, EXIT_PHASE_BOOT, VM_ERR_ABORT, "bad?thing?");
	/* truncated to what vm_error holds (<= EXIT_ABORT_MAX) */
	memset(fx->ram + 0x6000, 'a', 4000);
	x.rdi = 0x6000;
	x.rsi = 4000;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_ABORT, "aaaa");
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
	/* lies about the message */
	x.rdi = fx->gm.mem_bytes - 4;
	x.rsi = 5;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL,
		     "outside guest memory");
	x.rdi = UINT64_MAX - 2;
	x.rsi = 16;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL,
		     "outside guest memory");
	x.rdi = 0x5000;
	x.rsi = UINT64_MAX;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL,
		     "outside guest memory");
	x.rsi = 0;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_ABORT, "(no message)");
}
END_TEST

static struct exit_state fault_exit(unsigned vec, const uint64_t *frame,
				    unsigned n)
{
	struct exit_state x = io_exit(GLINT_PORT_FAULT);
	uint64_t rsp = GLINT_R0_STACK_TOP - n * 8;

	memcpy(fx->ram + rsp, frame, n * 8);
	x.cs = GLINT_SEL_KERNEL_CS;
	x.rax = 0x1200 | vec; /* only al counts */
	x.rsp = rsp;
	x.rip = GLINT_SYS_GPA + 0x3000 + vec * 8 + 4;
	return x;
}

START_TEST(exit_faults)
{
	const uint64_t pf[] = {0x4,	0x10456, GLINT_SEL_USER_CS,
			       0x10202, 0x7f00,	 GLINT_SEL_USER_DS};
	const uint64_t de[] = {0x10789, GLINT_SEL_USER_CS, 0x10202, 0x7f00,
			       GLINT_SEL_USER_DS};
	const uint64_t gp[] = {0x1a,	0x10abc, GLINT_SEL_USER_CS,
			       0x10202, 0x7f00,	 GLINT_SEL_USER_DS};
	struct exit_state x = fault_exit(14, pf, 6);
	struct exit_done d;
	struct vm_error e;

	x.cr2 = 0;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION,
		     "page fault (#PF) at rip 0x10456 accessing 0x0 (read, "
		     "not present");
	ck_assert_uint_eq(e.vector, 14);
	ck_assert_uint_eq(e.error_code, 4);
	ck_assert_uint_eq(e.rip, 0x10456);
	ck_assert_uint_eq(e.addr, 0);
	x = fault_exit(14, pf, 6);
	fx->ram[x.rsp] = 0x7; /* write, protection */
	x.cr2 = 0x10000;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION,
		     "accessing 0x10000 (write, protection violation)");
	fx->ram[x.rsp] = 0x15; /* fetch */
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION, "instruction fetch");
	fx->ram[x.rsp] = 0x6;
	x.cr2 = layout_guard_gpa(&fx->boot) + 0xff8;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION, "stack overflow");

	x = fault_exit(0, de, 5);
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION,
		     "divide error (#DE) at rip 0x10789");
	ck_assert_uint_eq(e.vector, 0);
	x = fault_exit(6, de, 5);
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION,
		     "invalid opcode (#UD)");
	x = fault_exit(13, gp, 6);
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_EXCEPTION,
		     "general protection fault (#GP) at rip 0x10abc (error "
		     "code 0x1a)");
	ASSERT_FAILS(x, EXIT_PHASE_BOOT, VM_ERR_EXCEPTION, "(#GP)");

	/* the fault port is only for the ring-0 stubs */
	x.cs = GLINT_SEL_USER_CS;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "fault port");
	/* a frame pointer outside memory */
	x = fault_exit(13, gp, 6);
	x.rsp = fx->gm.mem_bytes - 8;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "unreadable");
	x.rsp = UINT64_MAX - 7;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "unreadable");
}
END_TEST

START_TEST(exit_malformed)
{
	struct exit_state x = io_exit(GLINT_PORT_DONE);
	struct exit_done d;
	struct vm_error e;

	x.io_out = 0;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "read I/O port 0x11");
	x = io_exit(GLINT_PORT_DONE);
	x.io_count = 3;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "string I/O");
	x = io_exit(GLINT_PORT_DONE);
	x.io_size = 2;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "2-byte out");
	x = io_exit(0x14);
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "unknown port 0x14");
	x = io_exit(GLINT_PORT_DONE);
	x.cs = GLINT_SEL_KERNEL_CS;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "from cs 0x8");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_SHUTDOWN;
	x.rip = 0x10042;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_TRIPLE_FAULT,
		     "triple fault at rip 0x10042");
	ck_assert_uint_eq(e.rip, 0x10042);
	x.reason = KVM_EXIT_MMIO;
	x.mmio_gpa = GLINT_SYS_GPA + 0x4000;
	x.mmio_write = 1;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL,
		     "wrote to unbacked or read-only address 0x40004000");
	x.reason = KVM_EXIT_HLT;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "halted");
	x.reason = KVM_EXIT_INTERNAL_ERROR;
	x.detail = 1;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_HOST, "internal error 1");
	x.reason = KVM_EXIT_FAIL_ENTRY;
	ASSERT_FAILS(x, EXIT_PHASE_BOOT, VM_ERR_HOST, "could not enter");
	x.reason = 9999;
	ASSERT_FAILS(x, EXIT_PHASE_CALL, VM_ERR_PROTOCOL, "exit reason 9999");
}
END_TEST

/* Random exits never crash the decoder and always give a verdict that
 * matches the phase. */
START_TEST(exit_random)
{
	struct exit_done d;
	struct vm_error e;
	uint64_t seed = 42;

	for (int i = 0; i < 200000; i++) {
		struct exit_state x;
		uint64_t *w = (uint64_t *)&x;
		enum exit_verdict v;

		memset(&x, 0, sizeof(x));
		for (size_t k = 0; k < sizeof(x) / 8; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			w[k] = seed;
		}
		x.reason = (uint32_t)(seed >> 40) % 4 == 0 ? KVM_EXIT_IO
							   : x.reason % 40;
		x.io_port = (uint16_t)(0x10 + (seed >> 20) % 16);
		x.io_size = 1;
		x.io_count = 1;
		x.io_out = 1;
		x.cs = (seed >> 50) & 1 ? GLINT_SEL_USER_CS
					: GLINT_SEL_KERNEL_CS;
		x.rsp = (seed >> 8) % (fx->gm.mem_bytes + 64);
		v = decode(&x, i & 1 ? EXIT_PHASE_CALL : EXIT_PHASE_BOOT, &d,
			   &e);
		if (v == EXIT_FAILED)
			ck_assert(e.kind != VM_ERR_NONE && e.message[0]);
		if (v == EXIT_READY)
			ck_assert(!(i & 1));
		if (v == EXIT_DONE)
			ck_assert(i & 1 && d.out_len <= fx->boot.out_cap);
	}
}
END_TEST

/* ---- guest log lines ---------------------------------------------------- */

struct lines {
	int n;
	int level[8];
	char text[8][GUESTLOG_LINE_MAX + 1];
	size_t len[8];
};

static void collect(void *opaque, uint64_t call_id, int level, const char *line,
		    size_t len)
{
	struct lines *l = opaque;

	ck_assert_uint_eq(call_id, 77);
	ck_assert_uint_eq(strlen(line), len);
	if (l->n < 8) {
		l->level[l->n] = level;
		memcpy(l->text[l->n], line, len + 1);
		l->len[l->n] = len;
	}
	l->n++;
}

START_TEST(guestlog_lines)
{
	static uint8_t buf[4096];
	const char *in = "<3>disk on fire\nplain\n\n<9>not a level\n<7x\n"
			 "ctl\x1b[0m\tend";
	struct lines l;

	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(
		guestlog_emit((const uint8_t *)in, strlen(in), 77, collect, &l),
		5);
	ck_assert_int_eq(l.n, 5);
	ck_assert_int_eq(l.level[0], 3);
	ck_assert_str_eq(l.text[0], "disk on fire");
	ck_assert_int_eq(l.level[1], 6);
	ck_assert_str_eq(l.text[1], "plain");
	ck_assert_int_eq(l.level[2], 6);
	ck_assert_str_eq(l.text[2], "<9>not a level");
	ck_assert_str_eq(l.text[3], "<7x");
	ck_assert_str_eq(l.text[4], "ctl?[0m?end");

	/* one 4 KiB line is cut to 1 KiB; NULs become '?' */
	memset(buf, 'z', sizeof(buf));
	buf[10] = 0;
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(guestlog_emit(buf, sizeof(buf), 77, collect, &l), 1);
	ck_assert_uint_eq(l.len[0], GUESTLOG_LINE_MAX);
	ck_assert_int_eq(l.text[0][10], '?');
	/* no callback: lines are still counted */
	ck_assert_uint_eq(
		guestlog_emit((const uint8_t *)"a\nb", 3, 1, NULL, NULL), 2);
}
END_TEST

#define SEED_DRAWS 1000 /* several refills of the per-thread buffer */

static int cmp_seed(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void *draw_seeds(void *p)
{
	uint8_t(*out)[32] = p;

	for (int i = 0; i < SEED_DRAWS; i++)
		if (seed_fill(out[i], 32))
			return p;
	return NULL;
}

/* Every seed handed out is new: within a thread across refills, between
 * threads, and between a parent and the child it forks. */
START_TEST(seeds_distinct)
{
	static uint8_t s[2 * SEED_DRAWS + 2][32];
	static const uint8_t zero[32];
	pthread_t th;
	void *ret = s;
	int fd[2], status;
	pid_t pid;

	ck_assert_ptr_null(draw_seeds(s[0]));
	ck_assert_int_eq(pthread_create(&th, NULL, draw_seeds, s[SEED_DRAWS]),
			 0);
	ck_assert_int_eq(pthread_join(th, &ret), 0);
	ck_assert_ptr_null(ret);
	ck_assert_int_eq(seed_fill(s[2 * SEED_DRAWS], 0), 0);
	ck_assert_int_eq(seed_fill(s[2 * SEED_DRAWS], 257), -EINVAL);
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t c[32];

		_exit(seed_fill(c, sizeof(c)) == 0 &&
				      write(fd[1], c, sizeof(c)) == sizeof(c)
			      ? 0
			      : 1);
	}
	ck_assert_int_eq(read(fd[0], s[2 * SEED_DRAWS], 32), 32);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	close(fd[0]);
	close(fd[1]);
	ck_assert_int_eq(seed_fill(s[2 * SEED_DRAWS + 1], 32), 0);
	qsort(s, sizeof(s) / sizeof(s[0]), sizeof(s[0]), cmp_seed);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		ck_assert(memcmp(s[i], zero, 32) != 0);
		if (i > 0)
			ck_assert(memcmp(s[i - 1], s[i], 32) != 0);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-unit");
	TCase *t = tcase_create("core");

	tcase_add_test(t, guestmem_bounds);
	tcase_add_test(t, abi_layout);
	tcase_add_test(t, config_defaults_pass_check);
	tcase_add_test(t, config_check_rejects);
	tcase_add_test(t, layout_fits);
	tcase_add_test(t, layout_does_not_fit);
	tcase_add_test(t, paging_matches_map);
	tcase_add_test(t, paging_rejects_shared_page);
	tcase_add_test(t, cpu_tables);
	tcase_add_test(t, cpu_entry_state);
	tcase_add_test(t, guestlog_lines);
	tcase_add_test(t, seeds_distinct);
	suite_add_tcase(s, t);
	t = tcase_create("exit");
	tcase_add_checked_fixture(t, fx_setup, fx_teardown);
	tcase_add_test(t, exit_ready_and_done);
	tcase_add_test(t, exit_abort);
	tcase_add_test(t, exit_faults);
	tcase_add_test(t, exit_malformed);
	tcase_add_test(t, exit_random);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
