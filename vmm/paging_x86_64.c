/* paging_x86_64.c: builds and walks the guest's identity page tables. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "layout.h"
#include "paging_x86_64.h"

#define PAGE GLINT_PAGE_SIZE

/* Upper levels allow everything; the leaf decides (SDM vol. 3A, 4.6.1:
 * access rights are the most restrictive over all levels). */
#define DIR_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_A)
#define LEAF_BASE (PTE_P | PTE_A | PTE_D)

static uint64_t *table(uint8_t *sys, uint64_t off)
{
	return (uint64_t *)(void *)(sys + off);
}

static void map_range(uint8_t *sys, uint64_t gpa, uint64_t bytes,
		      uint64_t flags)
{
	uint64_t *pt = table(sys, LAYOUT_SYS_PT_RAM);

	for (uint64_t a = gpa & ~(PAGE - 1); a < gpa + bytes; a += PAGE)
		pt[a / PAGE] = a | flags;
}

static uint64_t segment_flags(unsigned perm)
{
	uint64_t f = LEAF_BASE | PTE_US;

	if (perm & IMAGE_PERM_W)
		f |= PTE_RW;
	if (!(perm & IMAGE_PERM_X))
		f |= PTE_NX;
	return f;
}

static int map_image(uint8_t *sys, const struct image *img)
{
	const uint64_t *pt = table(sys, LAYOUT_SYS_PT_RAM);

	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct image_segment *s = &img->segments[i];
		uint64_t end = (s->gpa + s->mem_bytes + PAGE - 1) & ~(PAGE - 1);

		for (uint64_t a = s->gpa & ~(PAGE - 1); a < end; a += PAGE)
			if (pt[a / PAGE])
				return -EINVAL;
		map_range(sys, s->gpa, s->mem_bytes, segment_flags(s->perm));
	}
	return 0;
}

static void build_directories(uint8_t *sys, uint64_t mem_bytes)
{
	uint64_t *pml4 = table(sys, LAYOUT_SYS_PML4);
	uint64_t *pdpt = table(sys, LAYOUT_SYS_PDPT);
	uint64_t *pd_ram = table(sys, LAYOUT_SYS_PD_RAM);
	uint64_t *pd_sys = table(sys, LAYOUT_SYS_PD_SYS);
	uint64_t *pt_sys = table(sys, LAYOUT_SYS_PT_SYS);
	uint64_t npt = (mem_bytes + 512 * PAGE - 1) / (512 * PAGE);

	pml4[0] = (GLINT_SYS_GPA + LAYOUT_SYS_PDPT) | DIR_FLAGS;
	pdpt[0] = (GLINT_SYS_GPA + LAYOUT_SYS_PD_RAM) | DIR_FLAGS;
	pdpt[GLINT_SYS_GPA >> 30] =
		(GLINT_SYS_GPA + LAYOUT_SYS_PD_SYS) | DIR_FLAGS;
	for (uint64_t i = 0; i < npt; i++)
		pd_ram[i] = (GLINT_SYS_GPA + LAYOUT_SYS_PT_RAM + i * PAGE) |
			    DIR_FLAGS;
	pd_sys[0] = (GLINT_SYS_GPA + LAYOUT_SYS_PT_SYS) | DIR_FLAGS;
	/* Descriptor tables and TSS are read by the CPU through linear
	 * addresses, so they are mapped (supervisor, read-only: the slot is
	 * KVM_MEM_READONLY anyway); the stubs are the only ring-0 code. The
	 * page tables themselves are reached by physical address only and
	 * stay unmapped. */
	for (uint64_t i = 0; i < LAYOUT_SYS_MAPPED_PAGES; i++)
		pt_sys[i] = (GLINT_SYS_GPA + i * PAGE) | LEAF_BASE | PTE_NX;
	pt_sys[LAYOUT_SYS_STUBS / PAGE] &= ~PTE_NX;
	/* The call entry code and the snapshot's FPU image run and are read
	 * at CPL 3, so they are user pages; read-only here and in the slot,
	 * so no guest can change what the next call starts from. */
	pt_sys[LAYOUT_SYS_ENTRY / PAGE] =
		(GLINT_SYS_GPA + LAYOUT_SYS_ENTRY) | LEAF_BASE | PTE_US;
	pt_sys[LAYOUT_SYS_FPU / PAGE] =
		(GLINT_SYS_GPA + LAYOUT_SYS_FPU) | LEAF_BASE | PTE_US | PTE_NX;
}

int paging_build(uint8_t *sys, uint64_t sys_bytes,
		 const struct glint_boot_info *boot, const struct image *img)
{
	const uint64_t user_rw = LEAF_BASE | PTE_US | PTE_RW | PTE_NX;
	const uint64_t user_ro = LEAF_BASE | PTE_US | PTE_NX;
	uint64_t guard = layout_guard_gpa(boot);

	if (sys_bytes < layout_sys_bytes(boot->mem_bytes))
		return -EINVAL;
	build_directories(sys, boot->mem_bytes);
	map_range(sys, GLINT_R0_STACK_GPA, PAGE, LEAF_BASE | PTE_RW | PTE_NX);
	map_range(sys, GLINT_CALL_PAGE_GPA, PAGE, user_rw);
	map_range(sys, GLINT_LOG_GPA, GLINT_LOG_BYTES, user_rw);
	map_range(sys, GLINT_RESP_HEAD_GPA, GLINT_RESP_HEAD_BYTES, user_rw);
	if (map_image(sys, img))
		return -EINVAL;
	map_range(sys, boot->heap_gpa, boot->heap_bytes, user_rw);
	map_range(sys, guard + PAGE, boot->stack_bytes, user_rw);
	if (boot->env_bytes)
		map_range(sys, boot->env_gpa, boot->env_bytes, user_ro);
	if (boot->secrets_bytes)
		map_range(sys, boot->secrets_gpa, boot->secrets_bytes, user_ro);
	map_range(sys, boot->in_gpa, boot->in_cap, user_ro);
	map_range(sys, boot->out_gpa, boot->out_cap, user_rw);
	return 0;
}

uint64_t paging_cr3(void)
{
	return GLINT_SYS_GPA + LAYOUT_SYS_PML4;
}

static int read_entry(const uint8_t *sys, uint64_t sys_bytes, uint64_t table_pa,
		      unsigned index, uint64_t *entry)
{
	uint64_t off;

	if (table_pa < GLINT_SYS_GPA)
		return -EFAULT;
	off = table_pa - GLINT_SYS_GPA + (uint64_t)index * 8;
	if (off >= sys_bytes || sys_bytes - off < 8)
		return -EFAULT;
	memcpy(entry, sys + off, 8);
	return 0;
}

int paging_walk(const uint8_t *sys, uint64_t sys_bytes, uint64_t va,
		struct paging_perm *perm)
{
	uint64_t table_pa = paging_cr3();
	uint64_t e = 0;

	memset(perm, 0, sizeof(*perm));
	perm->user = perm->write = perm->exec = perm->accessed_dirty = 1;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (unsigned)(va >> (12 + 9 * level)) & 511;

		if (read_entry(sys, sys_bytes, table_pa, idx, &e))
			return -EFAULT;
		if (!(e & PTE_P)) {
			memset(perm, 0, sizeof(*perm));
			return 0;
		}
		perm->user &= !!(e & PTE_US);
		perm->write &= !!(e & PTE_RW);
		perm->exec &= !(e & PTE_NX);
		perm->accessed_dirty &= !!(e & PTE_A) && (level || (e & PTE_D));
		table_pa = e & PTE_ADDR_MASK;
	}
	perm->present = 1;
	perm->pa = table_pa | (va & (PAGE - 1));
	return 0;
}
