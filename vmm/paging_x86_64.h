/* paging_x86_64.h: the guest's 4-level identity page tables (x86-64). */
#ifndef GLINT_PAGING_X86_64_H
#define GLINT_PAGING_X86_64_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "glint_abi.h"
#include "image.h"

/* Page-table entry bits (Intel SDM vol. 3A, 4.5, tables 4-14 to 4-20). */
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/*
 * Fills the page tables inside sys (the system slot's host copy, sys_bytes
 * long, laid out as in layout.h) for RAM described by boot and the image's
 * segments: identity map, 4 KiB pages, permissions exactly as glint_abi.h
 * lists them, accessed/dirty bits preset so the CPU never writes the
 * read-only slot. Pages not listed there are not present. The caller
 * zeroed sys and checked the layout (layout_compute). Returns 0 or -EINVAL
 * when two segments claim the same page.
 */
int paging_build(uint8_t *sys, uint64_t sys_bytes,
		 const struct glint_boot_info *boot, const struct image *img);

/* The guest's CR3 value. */
uint64_t paging_cr3(void);

/* Effective permissions of one linear address, combined over all levels
 * (SDM vol. 3A, 4.6): for tests and diagnostics. */
struct paging_perm {
	int present;
	int user;	    /* every level has U/S set */
	int write;	    /* every level has R/W set */
	int exec;	    /* no level has XD set */
	int accessed_dirty; /* A at every level and D in the leaf preset */
	uint64_t pa;
};

/* Walks the tables in software as the CPU would; never reads outside sys.
 * Returns 0 (perm->present tells whether va is mapped) or -EFAULT when a
 * table pointer leaves the system slot. */
int paging_walk(const uint8_t *sys, uint64_t sys_bytes, uint64_t va,
		struct paging_perm *perm);

#endif /* GLINT_PAGING_X86_64_H */
