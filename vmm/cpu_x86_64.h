/* cpu_x86_64.h: descriptor tables, fault stubs and entry state of a guest. */
#ifndef GLINT_CPU_X86_64_H
#define GLINT_CPU_X86_64_H

#include <stdint.h>

#include <linux/kvm.h>

#include "glint_abi.h"

/* Writes GDT, IDT, TSS (with the I/O permission bitmap), the ring-0
 * fault stubs and the call entry code into the system slot's host copy sys (zeroed, laid out as in
 * layout.h). */
void cpu_build_tables(uint8_t *sys);

/*
 * Per-call FPU/SSE reset, enforced by the host. Every call enters at
 * cpu_call_entry_gpa() with the snapshot's general registers: that code
 * (user read-execute, in the read-only system slot) runs FXRSTOR64 on the
 * snapshot's image and jumps to the snapshot's rip, using no register.
 * So every call starts with the x87, MMX, SSE and MXCSR state of the
 * snapshot, whatever the previous call did, at the cost of one FXRSTOR
 * and no vCPU ioctl. CR4.OSXSAVE is never set (cpu_entry_sregs), so
 * XSAVE, AVX, AVX-512 and AMX instructions raise #UD and no state beyond
 * FXSAVE's can exist; enabling XSAVE would mean XRSTOR of an XSAVE image
 * here instead (SDM vol. 1, 13.8).
 */
#define CPU_ENTRY_PAD 15      /* bytes of one-byte NOPs before FXRSTOR */
#define CPU_FXSAVE_BYTES 512u /* legacy FXSAVE area, 16-byte aligned */
#define CPU_FPU_IMAGE_OFF 0u  /* in the LAYOUT_SYS_FPU page */
#define CPU_FPU_RIP_OFF 512u  /* the snapshot's rip, 8 bytes */

#define CPU_FXSAVE_STATE_BYTES 416u /* of those, the bytes FXRSTOR loads */

/* Writes the snapshot's FPU/SSE state (the region of KVM_GET_XSAVE at
 * READY) and its rip into the host copy of the system slot. */
void cpu_set_call_state(uint8_t *sys, const uint32_t *xsave_region,
			uint64_t resume_rip);

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
