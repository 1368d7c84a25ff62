/* cpu_x86_64.c: GDT, IDT, TSS, ring-0 stubs and the CPL 3 entry state. */
#include "config.h"

#include <string.h>

#include "cpu_x86_64.h"
#include "layout.h"

#define GDT_ENTRIES 8 /* null, kcode, kdata, ucode32, udata, ucode64, TSS */
#define STUB_BYTES 8

/* Control register and EFER bits (SDM vol. 3A, 2.5 and 2.2.1). */
#define CR0_PE 0x1ull
#define CR0_MP 0x2ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_WP 0x10000ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define CR4_OSFXSR 0x200ull
#define CR4_OSXMMEXCPT 0x400ull
#define CR4_UMIP 0x800ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_NXE 0x800ull

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Segment descriptors (SDM vol. 3A, 3.4.5 and 5.2.1), accessed bits preset
 * so the CPU never writes the read-only slot when it loads them. */
static void build_gdt(uint8_t *gdt)
{
	uint64_t tss = GLINT_SYS_GPA + LAYOUT_SYS_TSS;

	put64(gdt + 0x08, 0x00af9b000000ffffull); /* kernel code, L=1, DPL 0 */
	put64(gdt + 0x10, 0x00cf93000000ffffull); /* kernel data, DPL 0 */
	put64(gdt + 0x18, 0x00cffb000000ffffull); /* user code32 placeholder */
	put64(gdt + 0x20, 0x00cff3000000ffffull); /* user data, DPL 3 */
	put64(gdt + 0x28, 0x00affb000000ffffull); /* user code, L=1, DPL 3 */
	/* 64-bit TSS descriptor, 16 bytes, type 0xb = busy, present
	 * (SDM vol. 3A, 8.2.3, figure 8-4). */
	put64(gdt + GLINT_SEL_TSS,
	      (CPU_TSS_LIMIT & 0xffffull) | (tss & 0xffffffull) << 16 |
		      0x8bull << 40 | ((tss >> 24) & 0xffull) << 56);
	put64(gdt + GLINT_SEL_TSS + 8, tss >> 32);
}

/* 64-bit interrupt gates, DPL 0, to the per-vector stub (SDM vol. 3A,
 * 6.14.1, figure 6-8). Interrupt gates clear IF; no IST. */
static void build_idt(uint8_t *idt)
{
	for (uint64_t v = 0; v < 256; v++) {
		uint64_t h = GLINT_SYS_GPA + LAYOUT_SYS_STUBS + v * STUB_BYTES;

		put64(idt + v * 16,
		      (h & 0xffff) | (uint64_t)GLINT_SEL_KERNEL_CS << 16 |
			      0x8eull << 40 | ((h >> 16) & 0xffff) << 48);
		put64(idt + v * 16 + 8, h >> 32);
	}
}

/* 64-bit TSS (SDM vol. 3A, 8.7, figure 8-11): RSP0 at offset 4, I/O map
 * base at 0x66. The bitmap (SDM vol. 1, 19.5.2) allows exactly the ABI's
 * user ports; a set bit denies, accesses past the limit fault, and the
 * terminating 0xff byte covers the two-byte read the CPU makes. */
static void build_tss(uint8_t *tss)
{
	uint8_t *map = tss + 0x68;

	put64(tss + 4, GLINT_R0_STACK_TOP);
	tss[0x66] = 0x68;
	tss[0x67] = 0;
	memset(map, 0xff, CPU_TSS_LIMIT + 1 - 0x68);
	for (unsigned p = GLINT_PORT_USER_FIRST; p <= GLINT_PORT_USER_LAST; p++)
		map[p / 8] &= (uint8_t) ~(1u << (p % 8));
}

/* Each stub: mov $vector, %al; out %al, $GLINT_PORT_FAULT; hlt; jmp .-1.
 * Ring-0 code is emulated on some hosts, so the stub does the minimum and
 * the host reads the exception frame from the ring-0 stack. */
static void build_stubs(uint8_t *stubs)
{
	for (unsigned v = 0; v < 256; v++) {
		uint8_t *s = stubs + v * STUB_BYTES;

		s[0] = 0xb0;
		s[1] = (uint8_t)v;
		s[2] = 0xe6;
		s[3] = GLINT_PORT_FAULT;
		s[4] = 0xf4;
		s[5] = 0xeb;
		s[6] = 0xfd;
		s[7] = 0x90;
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* rel32 of a RIP-relative operand: target minus the next instruction. */
static uint32_t rel32(uint64_t target_off, uint64_t next_off)
{
	return (uint32_t)(int32_t)((int64_t)target_off - (int64_t)next_off);
}

/*
 * The call entry (see cpu_x86_64.h), offsets in the entry page. With
 * XSAVE state reachable (xcr0 != 0):
 *
 *    0  nop x 15                  landing pad, see below
 *   15  mov $xcr0_lo, %eax        b8 imm32   XRSTOR's component mask
 *   20  mov $xcr0_hi, %edx        ba imm32   (EDX:EAX, SDM vol. 1, 13.8)
 *   25  xrstor64 image(%rip)      48 0f ae /5 rel32 (SDM vol. 2C, XRSTOR)
 *   33  mov saved_rax(%rip), %rax 48 8b 05 rel32
 *   40  mov saved_rdx(%rip), %rdx 48 8b 15 rel32
 *   47  jmp *saved_rip(%rip)      ff /4 rel32
 *
 * Without (xcr0 == 0): the pad, fxrstor64 image(%rip) (48 0f ae /1
 * rel32, SDM vol. 2A, FXRSTOR), then the same jmp.
 *
 * The mask is the probed XCR0, not all ones: a host XCR0 may hold more
 * (AMX) with XFD armed, where XRSTOR raises #NM. rax and rdx get the
 * snapshot's values back from this read-only page and no instruction
 * here writes RFLAGS, so the guest finds every register as in the
 * snapshot. The pad is one-byte NOPs so that a KVM that skipped the
 * instruction of a completed `out` (at most 15 bytes, SDM vol. 2A,
 * 2.3.11) at this rip still runs the whole restore; KVM skips only when
 * rip is unchanged since the exit (complete_fast_pio_out() compares the
 * linear rip), which a guest's `out` never is here.
 */
static void put_entry_code(uint8_t *p, uint64_t xcr0)
{
	const uint64_t img = LAYOUT_SYS_FPU - LAYOUT_SYS_ENTRY;
	static const uint8_t xrstor[] = {
		0xb8, 0,    0, 0, 0, 0xba, 0,	 0,    0, 0, 0x48, 0x0f, 0xae,
		0x2d, 0,    0, 0, 0, 0x48, 0x8b, 0x05, 0, 0, 0,	   0,	 0x48,
		0x8b, 0x15, 0, 0, 0, 0,	   0xff, 0x25, 0, 0, 0,	   0};
	static const uint8_t fxrstor[] = {0x48, 0x0f, 0xae, 0x0d, 0, 0, 0,
					  0,	0xff, 0x25, 0,	  0, 0, 0};
	uint8_t *c = p + CPU_ENTRY_PAD;

	memset(p, 0x90, CPU_ENTRY_PAD);
	if (!xcr0) {
		memcpy(c, fxrstor, sizeof(fxrstor));
		put32(c + 4, rel32(img, CPU_ENTRY_PAD + 8));
		put32(c + 10, rel32(CPU_ENTRY_RIP_OFF, CPU_ENTRY_PAD + 14));
		return;
	}
	memcpy(c, xrstor, sizeof(xrstor));
	put32(c + 1, (uint32_t)xcr0);
	put32(c + 6, (uint32_t)(xcr0 >> 32));
	put32(c + 14, rel32(img, CPU_ENTRY_PAD + 18));
	put32(c + 21, rel32(CPU_ENTRY_RAX_OFF, CPU_ENTRY_PAD + 25));
	put32(c + 28, rel32(CPU_ENTRY_RDX_OFF, CPU_ENTRY_PAD + 32));
	put32(c + 34, rel32(CPU_ENTRY_RIP_OFF, CPU_ENTRY_PAD + 38));
}

void cpu_build_tables(uint8_t *sys)
{
	build_gdt(sys + LAYOUT_SYS_GDT);
	build_idt(sys + LAYOUT_SYS_IDT);
	build_tss(sys + LAYOUT_SYS_TSS);
	build_stubs(sys + LAYOUT_SYS_STUBS);
	/* int3 until the snapshot exists; both pages written for real (not
	 * left to the zero page) so cpu_set_call_state() changes the pages
	 * KVM already maps. */
	memset(sys + LAYOUT_SYS_ENTRY, 0xcc, GLINT_PAGE_SIZE);
	memset(sys + LAYOUT_SYS_FPU, 0, GLINT_PAGE_SIZE);
}

/*
 * The image is KVM_GET_XSAVE's region (KVM API doc 4.43): the XSAVE area
 * in standard form (SDM vol. 1, 13.4), components in their initial
 * configuration already expanded by KVM. XRSTOR in standard form faults
 * unless XCOMP_BV and header bytes 24-63 are zero and XSTATE_BV is within
 * XCR0 (SDM vol. 1, 13.8.1); KVM may report components the guest's XCR0
 * lacks (PKRU), so the header is made to hold exactly that.
 */
void cpu_set_call_state(uint8_t *sys, const void *xsave_region,
			const struct kvm_regs *regs, uint64_t xcr0)
{
	uint8_t *img = sys + LAYOUT_SYS_FPU;
	uint8_t *entry = sys + LAYOUT_SYS_ENTRY;
	uint64_t bv;

	memcpy(img, xsave_region, CPU_XSAVE_BYTES);
	memcpy(&bv, img + 512, 8);
	put64(img + 512, bv & xcr0);
	memset(img + 520, 0, 56);
	put_entry_code(entry, xcr0);
	put64(entry + CPU_ENTRY_RIP_OFF, regs->rip);
	put64(entry + CPU_ENTRY_RAX_OFF, regs->rax);
	put64(entry + CPU_ENTRY_RDX_OFF, regs->rdx);
}

uint64_t cpu_call_entry_gpa(void)
{
	return GLINT_SYS_GPA + LAYOUT_SYS_ENTRY;
}

static void flat_segment(struct kvm_segment *seg, uint16_t sel, uint8_t type,
			 uint8_t l, uint8_t db)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->dpl = 3;
	seg->db = db;
	seg->s = 1;
	seg->l = l;
	seg->g = 1;
}

/* Entry directly at CPL 3 in 64-bit mode (SDM vol. 3A, 9.8.5 describes the
 * switch to IA-32e mode; here the host sets the end state through
 * KVM_SET_SREGS / sync_regs, KVM API doc 4.14). */
void cpu_entry_sregs(struct kvm_sregs *s, int umip)
{
	flat_segment(&s->cs, GLINT_SEL_USER_CS, 0xb, 1, 0);
	flat_segment(&s->ds, GLINT_SEL_USER_DS, 0x3, 0, 1);
	s->es = s->fs = s->gs = s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.base = GLINT_SYS_GPA + LAYOUT_SYS_TSS;
	s->tr.limit = CPU_TSS_LIMIT;
	s->tr.selector = GLINT_SEL_TSS;
	s->tr.type = 0xb; /* 64-bit TSS, busy */
	s->tr.present = 1;
	s->gdt.base = GLINT_SYS_GPA + LAYOUT_SYS_GDT;
	s->gdt.limit = GDT_ENTRIES * 8 - 1;
	s->idt.base = GLINT_SYS_GPA + LAYOUT_SYS_IDT;
	s->idt.limit = 256 * 16 - 1;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = GLINT_SYS_GPA + LAYOUT_SYS_PML4;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (umip ? CR4_UMIP : 0);
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->cr2 = 0;
}

void cpu_entry_regs(struct kvm_regs *r, const struct glint_boot_info *boot,
		    uint64_t entry_gpa)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry_gpa;
	r->rsp = boot->stack_top;
	r->rflags = 0x2; /* reserved bit 1; IF = 0, IOPL = 0 */
	r->rdi = GLINT_CALL_PAGE_GPA;
}

int cpu_vector_has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21 || vector == 29 || vector == 30;
}

const char *cpu_vector_name(unsigned vector)
{
	static const char *const names[32] = {
		[0] = "divide error (#DE)",
		[1] = "debug exception (#DB)",
		[2] = "non-maskable interrupt (NMI)",
		[3] = "breakpoint (#BP)",
		[4] = "overflow (#OF)",
		[5] = "BOUND range exceeded (#BR)",
		[6] = "invalid opcode (#UD)",
		[7] = "device not available (#NM)",
		[8] = "double fault (#DF)",
		[9] = "coprocessor segment overrun",
		[10] = "invalid TSS (#TS)",
		[11] = "segment not present (#NP)",
		[12] = "stack-segment fault (#SS)",
		[13] = "general protection fault (#GP)",
		[14] = "page fault (#PF)",
		[16] = "x87 floating-point error (#MF)",
		[17] = "alignment check (#AC)",
		[18] = "machine check (#MC)",
		[19] = "SIMD floating-point exception (#XM)",
		[20] = "virtualization exception (#VE)",
		[21] = "control protection exception (#CP)",
	};

	if (vector < 32 && names[vector])
		return names[vector];
	return vector < 32 ? "reserved exception" : "unexpected interrupt";
}
