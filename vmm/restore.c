/* restore.c: vm_restore: dirty pages back from the snapshot, registers too. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm_internal.h"

#define PAGE GLINT_PAGE_SIZE
/* Above this share of RAM dirtied in one call, copying everything is
 * cheaper than a write-protect fault per page (measured: about 7%). */
#define FULL_COPY_PERCENT 7
#define FULL_COPY_MIN_PAGES 16
/* Calls in whole-copy mode before dirty logging is tried again. */
#define FULL_COPY_REPROBE 64
/* Calls after which hot pages are write-protected again, so pages a
 * function stopped writing stop costing a copy on every call. */
#define HOT_REPROBE 1024

static void set_bit(uint64_t *bm, uint64_t page)
{
	bm[page / 64] |= 1ull << (page % 64);
}

static void reset_hot(struct vm *vm)
{
	memset(vm->hot_map, 0, vm->bm_words * 8);
	memset(vm->prev_dirty, 0, vm->bm_words * 8);
	/* The call page is written by host and guest on every call. */
	set_bit(vm->hot_map, GLINT_CALL_PAGE_GPA / PAGE);
	vm->nhot = 1;
}

int vm_restore_init(struct vm *vm)
{
	vm->bm_words = (vm->npages + 63) / 64;
	vm->dirty = calloc(vm->bm_words * 4, 8);
	if (!vm->dirty)
		return -ENOMEM;
	vm->prev_dirty = vm->dirty + vm->bm_words;
	vm->clear = vm->prev_dirty + vm->bm_words;
	vm->hot_map = vm->clear + vm->bm_words;
	vm->logging = 1;
	reset_hot(vm);
	return 0;
}

void vm_restore_free(struct vm *vm)
{
	free(vm->dirty);
	vm->dirty = NULL;
}

static int get_log(struct vm *vm)
{
	struct kvm_dirty_log dl = {.slot = VM_SLOT_RAM};

	dl.dirty_bitmap = vm->dirty;
	return ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &dl) ? -errno : 0;
}

/* Write-protects again the pages set in bm (KVM API doc 4.117,
 * KVM_CLEAR_DIRTY_LOG; the range covers the whole slot). */
static int clear_log(struct vm *vm, uint64_t *bm)
{
	struct kvm_clear_dirty_log cl = {.slot = VM_SLOT_RAM};

	cl.first_page = 0;
	cl.num_pages = (uint32_t)vm->npages;
	cl.dirty_bitmap = bm;
	return ioctl(vm->vm_fd, KVM_CLEAR_DIRTY_LOG, &cl) ? -errno : 0;
}

int vm_restore_reset_log(struct vm *vm, uint64_t *dirty_pages)
{
	uint64_t n = 0;
	int rc = get_log(vm);

	if (rc)
		return rc;
	for (uint64_t i = 0; i < vm->bm_words; i++)
		n += (uint64_t)__builtin_popcountll(vm->dirty[i]);
	*dirty_pages = n;
	reset_hot(vm);
	return n ? clear_log(vm, vm->dirty) : 0;
}

static void copy_page(struct vm *vm, uint64_t page)
{
	memcpy(vm->ram + page * PAGE, vm->snap->view + page * PAGE, PAGE);
}

static int set_logging(struct vm *vm, int on)
{
	int rc = vmm_set_slot(vm->vm_fd, VM_SLOT_RAM,
			      on ? KVM_MEM_LOG_DIRTY_PAGES : 0, 0,
			      vm->snap->boot.mem_bytes, vm->ram);

	if (rc == 0)
		vm->logging = on;
	return rc;
}

static int restore_full(struct vm *vm, struct vm_restore_stats *st)
{
	memcpy(vm->ram, vm->snap->view, vm->snap->boot.mem_bytes);
	st->dirty_pages = (uint32_t)vm->npages;
	st->full_copy = 1;
	if (vm->logging) {
		int rc = set_logging(vm, 0);

		if (rc)
			return rc;
	}
	if (!vm->full_copy) {
		vm->full_copy = 1;
		vm->full_calls = 0;
	} else if (++vm->full_calls >= FULL_COPY_REPROBE) {
		/* Maybe the function's calls got smaller: try the log. */
		int rc = set_logging(vm, 1);

		if (rc)
			return rc;
		vm->full_copy = 0;
		reset_hot(vm);
	}
	return 0;
}

/* Copies the dirty pages back; pages dirty in two calls in a row become
 * hot (never write-protected again, copied every call), others are
 * protected again so the next call's writes are logged. */
static uint32_t copy_dirty(struct vm *vm)
{
	uint32_t n = 0;

	if (++vm->hot_calls >= HOT_REPROBE) {
		/* Demote every hot page but the call page; the ones still
		 * written come back after two more calls. */
		reset_hot(vm);
		vm->hot_calls = 0;
	}

	for (uint64_t i = 0; i < vm->bm_words; i++) {
		uint64_t w = vm->dirty[i], b = w;
		uint64_t again = w & vm->prev_dirty[i] & ~vm->hot_map[i];

		while (b) {
			copy_page(vm, i * 64 + (uint64_t)__builtin_ctzll(b));
			b &= b - 1;
			n++;
		}
		while (again && vm->nhot < VM_HOT_MAX) {
			vm->hot_map[i] |= again & -again;
			again &= again - 1;
			vm->nhot++;
		}
		vm->clear[i] = w & ~vm->hot_map[i];
		vm->prev_dirty[i] = vm->clear[i];
	}
	return n;
}

/* Pages the host wrote are not in KVM's log: the call page and the input. */
static uint32_t copy_host_written(struct vm *vm)
{
	const struct glint_boot_info *boot = &vm->snap->boot;
	uint64_t cp = GLINT_CALL_PAGE_GPA / PAGE;
	uint32_t n = 0;

	if (!(vm->dirty[cp / 64] & (1ull << (cp % 64)))) {
		copy_page(vm, cp);
		n++;
	}
	if (vm->host_in_bytes) {
		memcpy(vm->ram + boot->in_gpa, vm->snap->view + boot->in_gpa,
		       vm->host_in_bytes);
		n += (uint32_t)((vm->host_in_bytes + PAGE - 1) / PAGE);
		vm->host_in_bytes = 0;
	}
	return n;
}

static int restore_memory(struct vm *vm, struct vm_restore_stats *st)
{
	uint64_t dirty = 0, limit;
	int rc;

	if (vm->full_copy)
		return restore_full(vm, st);
	rc = get_log(vm);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < vm->bm_words; i++)
		dirty += (uint64_t)__builtin_popcountll(vm->dirty[i]);
	limit = vm->npages * FULL_COPY_PERCENT / 100;
	if (dirty > limit && dirty > FULL_COPY_MIN_PAGES) {
		vm->host_in_bytes = 0;
		return restore_full(vm, st);
	}
	st->dirty_pages = copy_dirty(vm) + copy_host_written(vm);
	for (uint64_t i = 0; i < vm->bm_words; i++)
		if (vm->clear[i])
			return clear_log(vm, vm->clear);
	return 0;
}

static int sregs_equal(const struct kvm_sregs *a, const struct kvm_sregs *b)
{
	const struct kvm_segment *sa[] = {&a->cs, &a->ds, &a->es, &a->fs,
					  &a->gs, &a->ss, &a->tr, &a->ldt};
	const struct kvm_segment *sb[] = {&b->cs, &b->ds, &b->es, &b->fs,
					  &b->gs, &b->ss, &b->tr, &b->ldt};

	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		if (sa[i]->base != sb[i]->base ||
		    sa[i]->limit != sb[i]->limit ||
		    sa[i]->selector != sb[i]->selector ||
		    sa[i]->type != sb[i]->type ||
		    sa[i]->present != sb[i]->present ||
		    sa[i]->dpl != sb[i]->dpl || sa[i]->db != sb[i]->db ||
		    sa[i]->s != sb[i]->s || sa[i]->l != sb[i]->l ||
		    sa[i]->g != sb[i]->g || sa[i]->avl != sb[i]->avl)
			return 0;
	return a->gdt.base == b->gdt.base && a->gdt.limit == b->gdt.limit &&
	       a->idt.base == b->idt.base && a->idt.limit == b->idt.limit &&
	       a->cr0 == b->cr0 && a->cr2 == b->cr2 && a->cr3 == b->cr3 &&
	       a->cr4 == b->cr4 && a->cr8 == b->cr8 && a->efer == b->efer;
}

/* After a fault, timeout or unexpected exit the vCPU may hold a pending
 * I/O or MMIO completion or exception: finish it without entering the
 * guest (immediate_exit), then reset events and registers by ioctl (KVM
 * API doc 4.31 KVM_SET_VCPU_EVENTS, 4.12/4.14 KVM_SET_REGS/SREGS). */
static int reset_vcpu(struct vm *vm)
{
	const struct vm_snapshot *s = vm->snap;
	struct kvm_vcpu_events ev;

	vm->run->kvm_dirty_regs = 0;
	vm->run->immediate_exit = 1;
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0) {
		vm->run->immediate_exit = 0;
		return -EIO;
	}
	vm->run->immediate_exit = 0;
	memset(&ev, 0, sizeof(ev));
	if (ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) ||
	    ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s->sregs) ||
	    ioctl(vm->vcpu_fd, KVM_SET_REGS, &s->regs))
		return -errno;
	vm->run->s.regs.regs = s->regs;
	vm->run->s.regs.sregs = s->sregs;
	return 0;
}

int vm_restore_cpu(struct vm *vm)
{
	const struct vm_snapshot *s = vm->snap;

	if (vm->needs_reset)
		return reset_vcpu(vm);
	/* Normal path: no vCPU ioctl; KVM_RUN picks these up. Rewritten
	 * every time because an interrupted KVM_RUN may overwrite them. */
	vm->run->s.regs.regs = s->regs;
	vm->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	if (!sregs_equal(&vm->run->s.regs.sregs, &s->sregs)) {
		vm->run->s.regs.sregs = s->sregs;
		vm->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	}
	return 0;
}

int vm_restore(struct vm *vm, struct vm_restore_stats *stats)
{
	struct vm_restore_stats local;
	uint64_t t0 = monotime_ns();
	int rc;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (vm->pristine)
		return 0;
	rc = vm_restore_cpu(vm);
	if (!rc)
		rc = restore_memory(vm, stats);
	if (rc)
		return rc;
	vm->needs_reset = 0;
	vm->pristine = 1;
	stats->restore_ns = monotime_ns() - t0;
	return 0;
}
