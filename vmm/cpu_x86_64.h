/* cpu_x86_64.h: descriptor tables, fault stubs and entry state of a guest. */
#ifndef GLINT_CPU_X86_64_H
#define GLINT_CPU_X86_64_H

#include <stdint.h>

#include <linux/kvm.h>

#include "glint_abi.h"

/* Writes GDT, IDT, TSS (with the I/O permission bitmap) and the ring-0
 * fault stubs into the system slot's host copy sys (zeroed, laid out as in
 * layout.h). */
void cpu_build_tables(uint8_t *sys);

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
