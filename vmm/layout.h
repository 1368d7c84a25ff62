/* layout.h: where everything goes in a VM's memory, from config and image. */
#ifndef GLINT_LAYOUT_H
#define GLINT_LAYOUT_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "glint_abi.h"
#include "image.h"
#include "vm.h"

/*
 * RAM layout (see glint_abi.h): fixed pages at the bottom, the image from
 * GLINT_IMAGE_BASE, then the heap up to a guard page, the stack, the input
 * area and the output area, which ends at mem_bytes. The system slot at
 * GLINT_SYS_GPA holds, in this order (offsets from GLINT_SYS_GPA):
 */
#define LAYOUT_SYS_GDT 0x0000ull   /* GDT, mapped supervisor read-only */
#define LAYOUT_SYS_IDT 0x1000ull   /* 256 gates, supervisor read-only */
#define LAYOUT_SYS_TSS 0x2000ull   /* 64-bit TSS + I/O bitmap */
#define LAYOUT_SYS_STUBS 0x3000ull /* ring-0 fault stubs, supervisor RX */
#define LAYOUT_SYS_MAPPED_PAGES 4  /* the pages above are mapped */
#define LAYOUT_SYS_PML4 0x4000ull  /* page tables: not mapped at all */
#define LAYOUT_SYS_PDPT 0x5000ull
#define LAYOUT_SYS_PD_SYS 0x6000ull /* PDPT[1]: the system slot's 2 MiB */
#define LAYOUT_SYS_PT_SYS 0x7000ull
/* Every call enters here: user read-execute code that loads the
 * snapshot's FPU/SSE/AVX image and jumps to the snapshot's rip
 * (cpu_x86_64.h). */
#define LAYOUT_SYS_ENTRY 0x8000ull
/* The snapshot's XSAVE image, user read-only, NX. */
#define LAYOUT_SYS_FPU 0x9000ull
#define LAYOUT_SYS_PD_RAM 0xa000ull /* PDPT[0]: guest RAM */
#define LAYOUT_SYS_PT_RAM 0xb000ull /* one PT per 2 MiB of RAM */

/* Largest environment or secrets block (bytes). */
#define LAYOUT_BLOCK_MAX (1024ull * 1024)

/* Bytes of the system slot for a VM of mem_bytes of RAM (page multiple). */
uint64_t layout_sys_bytes(uint64_t mem_bytes);

/* Computes the guest layout for img in a VM configured by cfg (already
 * checked by vm_config_check) into *boot. Returns -EINVAL with a message
 * such as "image needs 9216 KiB but the VM has 8192 KiB" when the image
 * and areas do not fit, or a segment lies outside memory. */
int layout_compute(const struct vm_config *cfg, const struct image *img,
		   struct glint_boot_info *boot, char *err, size_t err_len);

/* The unmapped page below the stack. */
uint64_t layout_guard_gpa(const struct glint_boot_info *boot);

#endif /* GLINT_LAYOUT_H */
