/* cpu_x86_64.h: descriptor tables, fault stubs and entry state of a guest. */
#ifndef GLINT_CPU_X86_64_H
#define GLINT_CPU_X86_64_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stdint.h>

#include <linux/kvm.h>

#include "glint_abi.h"

/* Writes GDT, IDT, TSS (with the I/O permission bitmap), the ring-0
 * fault stubs and the call entry code into the system slot's host copy sys (zeroed, laid out as in
 * layout.h). */
void cpu_build_tables(uint8_t *sys);

/*
 * Per-call FPU/SSE/AVX reset, enforced by the host. Every call enters at
 * cpu_call_entry_gpa() with the snapshot's general registers: that code
 * (user read-execute, in the read-only system slot) restores the
 * snapshot's image (read-only page beside it) and jumps to the snapshot's
 * rip, leaving every register as the snapshot has it. So each call starts
 * with the snapshot's x87, SSE and MXCSR state and, where guest code can
 * reach them, its AVX, AVX-512 and PKRU state, whatever the previous call
 * did, at the cost of a few instructions and no vCPU ioctl.
 *
 * The guest's CR4.OSXSAVE stays clear. On hardware KVM that makes XSAVE,
 * AVX and later instructions raise #UD, so the legacy FXSAVE state is
 * all a guest holds and FXRSTOR64 restores it. PVM runs guest code under
 * the host's CR4 and XCR0, so AVX (and PKRU) work there whatever the
 * guest's CR4 says; vmm_open() therefore runs XGETBV in a probe guest,
 * and when it works the entry uses XRSTOR64 for those components
 * (within CPU_XCR0_ALLOWED). AMX tile state is outside it: it needs the
 * process's XFD permission, which the VMM never asks for.
 */
#define CPU_ENTRY_PAD 15	 /* bytes of one-byte NOPs before the code */
#define CPU_ENTRY_RIP_OFF 0x800u /* in the entry page: snapshot rip, */
#define CPU_ENTRY_RAX_OFF 0x808u /* rax and rdx */
#define CPU_ENTRY_RDX_OFF 0x810u
#define CPU_XSAVE_BYTES 4096u /* the image: KVM_GET_XSAVE's region */
/* x87, SSE, AVX, AVX-512 opmask/ZMM_Hi256/Hi16_ZMM, PKRU (SDM vol. 1,
 * 13.1): what XRSTOR may restore; all fit in CPU_XSAVE_BYTES. */
#define CPU_XCR0_ALLOWED 0x2e7ull

/* Writes the snapshot's XSAVE image (KVM_GET_XSAVE's region at READY),
 * and the entry code that restores it (XRSTOR of xcr0's components, or
 * FXRSTOR when xcr0 is 0) with the snapshot's rip, rax and rdx, into the
 * host copy of the system slot. */
void cpu_set_call_state(uint8_t *sys, const void *xsave_region,
			const struct kvm_regs *regs, uint64_t xcr0);

/* Where every call's rip points (GLINT_SYS_GPA + LAYOUT_SYS_ENTRY). */
uint64_t cpu_call_entry_gpa(void);

/* Turns s (a vCPU's reset state from KVM_GET_SREGS) into the CPL 3 long
 * mode entry state; umip: also set CR4.UMIP. */
void cpu_entry_sregs(struct kvm_sregs *s, int umip);

/* Entry registers: rip = entry_gpa, rsp = boot->stack_top, RFLAGS = 0x2. */
void cpu_entry_regs(struct kvm_regs *r, const struct glint_boot_info *boot,
		    uint64_t entry_gpa);

/* True when the CPU pushes an error code for vector (SDM vol. 3A, 6.3.1,
 * table 6-1). */
int cpu_vector_has_error_code(unsigned vector);

/* "page fault (#PF)", "exception vector 22", ... (static string). */
const char *cpu_vector_name(unsigned vector);

/* The TSS limit: 104-byte TSS, 4 bitmap bytes (ports 0-31), 0xff. */
#define CPU_TSS_LIMIT 0x6cu

#endif /* GLINT_CPU_X86_64_H */
