/* restore.c: vm_restore: dirty pages back from the snapshot, registers too. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vm_internal.h"

#define PAGE GLINT_PAGE_SIZE
/* Above this many pages dirtied in one call, whole-copy mode (dirty
 * logging off, every private page copied back) is cheaper than a
 * write-protect fault and a copy per dirty page. Its cost follows the
 * pages the VM holds privately, not its RAM size: `vmbench -m restore`
 * on a 1 GiB VM measured the two equal at 16 dirty pages and whole copy
 * 30 times cheaper at 256 (docs/ARCHITECTURE.md, "Memory restore"). */
#define FULL_COPY_MIN_PAGES 64
/* Dirty runs this close are dropped by one madvise: the pages between
 * them are clean, and dropping a clean page only costs its next fault. */
#define DROP_GAP_PAGES 16
/* Calls in whole-copy mode before dirty logging is tried again. */
#define FULL_COPY_REPROBE 64
/* Calls after which hot pages are write-protected again, so pages a
 * function stopped writing stop costing a copy on every call. */
#define HOT_REPROBE 1024

/* /proc/<pid>/pagemap's PAGEMAP_SCAN ioctl (Linux 6.7,
 * Documentation/admin-guide/mm/pagemap.rst; uapi linux/fs.h), spelled out
 * here for older headers. */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
struct page_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

static void set_bit(uint64_t *bm, uint64_t page)
{
	bm[page / 64] |= 1ull << (page % 64);
}

/* Sets (on) or clears bits [first, first + n) of bm; returns how many
 * bits changed. */
static uint64_t bm_range(uint64_t *bm, uint64_t first, uint64_t n, int on)
{
	uint64_t changed = 0;

	while (n) {
		uint64_t bit = first % 64, k = 64 - bit < n ? 64 - bit : n;
		uint64_t mask = (k == 64 ? ~0ull : (1ull << k) - 1) << bit;
		uint64_t *w = &bm[first / 64];

		changed += (uint64_t)__builtin_popcountll(on ? mask & ~*w
							     : mask & *w);
		*w = on ? *w | mask : *w & ~mask;
		first += k;
		n -= k;
	}
	return changed;
}

/* priv_pages has one writer (the thread restoring the VM) and readers on
 * any thread: a relaxed load and store, no read-modify-write. */
static void priv_add(struct vm *vm, int64_t delta)
{
	uint64_t v =
		atomic_load_explicit(&vm->priv_pages, memory_order_relaxed);

	atomic_store_explicit(&vm->priv_pages, v + (uint64_t)delta,
			      memory_order_relaxed);
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
	vm->dirty = calloc(vm->bm_words * 5, 8);
	if (!vm->dirty)
		return -ENOMEM;
	vm->prev_dirty = vm->dirty + vm->bm_words;
	vm->clear = vm->prev_dirty + vm->bm_words;
	vm->hot_map = vm->clear + vm->bm_words;
	vm->priv = vm->hot_map + vm->bm_words;
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

/* Pages set in the dirty log just read. Most words are 0, and without
 * -mpopcnt every popcount is a call. */
static uint64_t count_dirty(const struct vm *vm)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < vm->bm_words; i++)
		if (vm->dirty[i])
			n += (uint64_t)__builtin_popcountll(vm->dirty[i]);
	return n;
}

int vm_restore_reset_log(struct vm *vm, uint64_t *dirty_pages)
{
	uint64_t n;
	int rc = get_log(vm);

	if (rc)
		return rc;
	n = count_dirty(vm);
	*dirty_pages = n;
	reset_hot(vm);
	/* RAM was just mapped afresh over the snapshot: nothing private. */
	memset(vm->priv, 0, vm->bm_words * 8);
	atomic_store_explicit(&vm->priv_pages, 0, memory_order_relaxed);
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

static int pagemap_fd = -1;
static pthread_once_t pagemap_once = PTHREAD_ONCE_INIT;

static void open_pagemap(void)
{
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

/* Copies back the pages of one PAGEMAP_SCAN answer and marks them private. */
static uint64_t copy_regions(struct vm *vm, const struct page_region *r, long n)
{
	uint64_t pages = 0;

	for (long i = 0; i < n; i++) {
		uint64_t off = r[i].start - (uintptr_t)vm->ram;
		uint64_t len = r[i].end - r[i].start;

		memcpy(vm->ram + off, vm->snap->view + off, len);
		bm_range(vm->priv, off / PAGE, len / PAGE, 1);
		pages += len / PAGE;
	}
	return pages;
}

/* Copies back exactly the pages the VM holds privately: with logging off,
 * every page the guest wrote is a copy-on-write copy of the sealed
 * snapshot (anonymous, present or swapped), and every other page still
 * reads the snapshot. Pages never written stay shared, so a whole-copy
 * restore costs and holds only what the function wrote. Returns the
 * pages copied, or a negative errno when the kernel cannot scan. */
static int64_t copy_private(struct vm *vm)
{
	uint64_t end = (uintptr_t)vm->ram + vm->snap->boot.mem_bytes;
	struct page_region r[64];
	struct pm_scan_arg a;
	uint64_t pages = 0;

	pthread_once(&pagemap_once, open_pagemap);
	if (pagemap_fd < 0)
		return -ENOTSUP;
	memset(vm->priv, 0, vm->bm_words * 8);
	for (uint64_t start = (uintptr_t)vm->ram; start < end;) {
		long n;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.start = start;
		a.end = end;
		a.vec = (uintptr_t)r;
		a.vec_len = sizeof(r) / sizeof(r[0]);
		a.category_mask = PAGE_IS_FILE | PAGE_IS_PFNZERO;
		a.category_inverted = PAGE_IS_FILE | PAGE_IS_PFNZERO;
		a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -errno;
		pages += copy_regions(vm, r, n);
		if (a.walk_end <= start)
			return -EIO;
		start = a.walk_end;
	}
	return (int64_t)pages;
}

static int restore_full(struct vm *vm, struct vm_restore_stats *st)
{
	int64_t n = vm->scan_failed ? -ENOTSUP : copy_private(vm);

	if (n < 0) {
		/* No PAGEMAP_SCAN (Linux < 6.7): copy everything. */
		vm->scan_failed = 1;
		memcpy(vm->ram, vm->snap->view, vm->snap->boot.mem_bytes);
		bm_range(vm->priv, 0, vm->npages, 1);
		n = (int64_t)vm->npages;
	}
	atomic_store_explicit(&vm->priv_pages, (uint64_t)n,
			      memory_order_relaxed);
	st->dirty_pages = (uint32_t)n;
	st->full_copy = 1;
	if (vm->logging) {
		int rc = set_logging(vm, 0);

		if (rc)
			return rc;
	}
	if (!vm->full_copy) {
		vm->full_copy = 1;
		vm->full_calls = 0;
		vm->full_base = (uint64_t)n;
	} else if (++vm->full_calls >= FULL_COPY_REPROBE ||
		   (uint64_t)n > 2 * vm->full_base + FULL_COPY_MIN_PAGES) {
		/* Maybe the function's calls got smaller, or they write
		 * different pages each time, so that the private set (and the
		 * cost of this mode) keeps growing: try the log. */
		int rc = set_logging(vm, 1);

		if (rc)
			return rc;
		vm->full_copy = 0;
		reset_hot(vm);
	}
	return 0;
}

static void hot_tick(struct vm *vm)
{
	if (++vm->hot_calls >= HOT_REPROBE) {
		/* Demote every hot page but the call page; the ones still
		 * written come back after two more calls. */
		reset_hot(vm);
		vm->hot_calls = 0;
	}
}

/* Pages dirty in two calls in a row become hot (never write-protected
 * again, restored every call); the others of word i are protected again
 * so the next call's writes are logged. */
static inline void track_hot(struct vm *vm, uint64_t i, uint64_t w)
{
	uint64_t again = w & vm->prev_dirty[i] & ~vm->hot_map[i];

	while (again && vm->nhot < VM_HOT_MAX) {
		vm->hot_map[i] |= again & -again;
		again &= again - 1;
		vm->nhot++;
	}
	vm->clear[i] = w & ~vm->hot_map[i];
	vm->prev_dirty[i] = vm->clear[i];
}

/* Copies the dirty pages back; they stay private to the VM. */
static uint32_t copy_dirty(struct vm *vm)
{
	uint64_t added = 0;
	uint32_t n = 0;

	hot_tick(vm);
	for (uint64_t i = 0; i < vm->bm_words; i++) {
		uint64_t w = vm->dirty[i], b = w;

		while (b) {
			copy_page(vm, i * 64 + (uint64_t)__builtin_ctzll(b));
			b &= b - 1;
			n++;
		}
		if (w) {
			added += (uint64_t)__builtin_popcountll(w &
								~vm->priv[i]);
			vm->priv[i] |= w;
		}
		track_hot(vm, i, w);
	}
	if (added)
		priv_add(vm, (int64_t)added);
	return n;
}

/* Hands pages [first, end) back to the snapshot. RAM is a MAP_PRIVATE
 * mapping of the sealed snapshot memfd: MADV_DONTNEED frees the VM's
 * private copies, so the next access reads the snapshot's page again
 * (madvise(2)), and KVM's MMU notifier drops its mappings of the range
 * before madvise returns, so the guest cannot keep the old page. */
static int drop_range(struct vm *vm, uint64_t first, uint64_t end,
		      uint32_t *dropped)
{
	if (end == first)
		return 0;
	if (madvise(vm->ram + first * PAGE, (end - first) * PAGE,
		    MADV_DONTNEED))
		return -errno;
	priv_add(vm, -(int64_t)bm_range(vm->priv, first, end - first, 0));
	*dropped += (uint32_t)(end - first);
	return 0;
}

/* Drops the pages set in bm, runs at most gap pages apart as one range. */
static int drop_runs(struct vm *vm, const uint64_t *bm, uint64_t gap,
		     uint32_t *dropped)
{
	uint64_t first = 0, end = 0;
	int rc = 0;

	for (uint64_t i = 0; i < vm->bm_words && !rc; i++)
		for (uint64_t b = bm[i]; b && !rc; b &= b - 1) {
			uint64_t p = i * 64 + (uint64_t)__builtin_ctzll(b);

			if (end != first && p - end <= gap) {
				end = p + 1;
				continue;
			}
			rc = drop_range(vm, first, end, dropped);
			first = p;
			end = p + 1;
		}
	return rc ? rc : drop_range(vm, first, end, dropped);
}

static int drop_dirty(struct vm *vm, uint32_t *dropped)
{
	hot_tick(vm);
	for (uint64_t i = 0; i < vm->bm_words; i++)
		track_hot(vm, i, vm->dirty[i]);
	return drop_runs(vm, vm->dirty, DROP_GAP_PAGES, dropped);
}

/* Entering whole-copy mode: drops the private pages this call did not
 * write, so that the mode copies back what the function writes now, not
 * everything it ever wrote. */
static int drop_stale(struct vm *vm, uint32_t *dropped)
{
	for (uint64_t i = 0; i < vm->bm_words; i++)
		vm->clear[i] = vm->priv[i] & ~vm->dirty[i];
	return drop_runs(vm, vm->clear, 0, dropped);
}

/* A new private mapping of the snapshot over the whole of RAM (the
 * benchmark's third way; KVM's memory slot keeps the same address). */
static int remap_all(struct vm *vm, uint32_t *dropped)
{
	void *p = mmap(
		vm->ram, vm->snap->boot.mem_bytes, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, vm->snap->memfd, 0);

	if (p != vm->ram)
		return -ENOMEM;
	hot_tick(vm);
	for (uint64_t i = 0; i < vm->bm_words; i++)
		track_hot(vm, i, vm->dirty[i]);
	memset(vm->priv, 0, vm->bm_words * 8);
	atomic_store_explicit(&vm->priv_pages, 0, memory_order_relaxed);
	*dropped = (uint32_t)vm->npages;
	return 0;
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
	if (!(vm->priv[cp / 64] & (1ull << (cp % 64)))) {
		vm->priv[cp / 64] |= 1ull << (cp % 64);
		priv_add(vm, 1);
	}
	if (vm->host_in_bytes) {
		uint64_t pages = (vm->host_in_bytes + PAGE - 1) / PAGE;

		memcpy(vm->ram + boot->in_gpa, vm->snap->view + boot->in_gpa,
		       vm->host_in_bytes);
		n += (uint32_t)pages;
		priv_add(vm, (int64_t)bm_range(vm->priv, boot->in_gpa / PAGE,
					       pages, 1));
		vm->host_in_bytes = 0;
	}
	return n;
}

static int restore_logged(struct vm *vm, struct vm_restore_stats *st)
{
	int rc = 0;

	if (vm->mode == VM_RESTORE_REMAP)
		rc = remap_all(vm, &st->dropped_pages);
	else if (vm->mode == VM_RESTORE_DROP)
		rc = drop_dirty(vm, &st->dropped_pages);
	else
		st->dirty_pages = copy_dirty(vm);
	if (rc)
		return rc;
	st->dirty_pages += copy_host_written(vm);
	for (uint64_t i = 0; i < vm->bm_words; i++)
		if (vm->clear[i])
			return clear_log(vm, vm->clear);
	return 0;
}

static int restore_memory(struct vm *vm, struct vm_restore_stats *st)
{
	uint64_t dirty;
	int rc;

	if (vm->full_copy)
		return restore_full(vm, st);
	rc = get_log(vm);
	if (rc)
		return rc;
	dirty = count_dirty(vm);
	if (vm->mode == VM_RESTORE_WHOLE_COPY ||
	    (vm->mode == VM_RESTORE_AUTO && dirty > FULL_COPY_MIN_PAGES)) {
		vm->host_in_bytes = 0;
		rc = drop_stale(vm, &st->dropped_pages);
		return rc ? rc : restore_full(vm, st);
	}
	return restore_logged(vm, st);
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
	    ioctl(vm->vcpu_fd, KVM_SET_REGS, &s->call_regs))
		return -errno;
	vm->run->s.regs.regs = s->call_regs;
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
	vm->run->s.regs.regs = s->call_regs;
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
	stats->private_bytes = vm_private_bytes(vm);
	if (vm->pristine)
		return 0;
	rc = vm_restore_cpu(vm);
	if (!rc)
		rc = restore_memory(vm, stats);
	if (rc)
		return rc;
	vm->needs_reset = 0;
	vm->pristine = 1;
	vm->cur.parked = 0;
	vm->cur.preempted = 0;
	stats->private_bytes = vm_private_bytes(vm);
	stats->restore_ns = monotime_ns() - t0;
	return 0;
}

uint64_t vm_private_bytes(const struct vm *vm)
{
	return atomic_load_explicit(&vm->priv_pages, memory_order_relaxed) *
	       PAGE;
}

int vm_trim(struct vm *vm, uint64_t *released)
{
	uint64_t bytes = vm_private_bytes(vm);
	uint32_t dropped = 0;
	int rc;

	if (released)
		*released = 0;
	if (!vm->pristine)
		return -EBUSY;
	if (!bytes)
		return 0;
	/* Only the private runs: the guest keeps its mappings of the pages
	 * it shares with the snapshot (code, read-only data), and the cost
	 * follows what the VM holds, not its size. clear is free between
	 * restores. */
	memcpy(vm->clear, vm->priv, vm->bm_words * 8);
	rc = drop_runs(vm, vm->clear, DROP_GAP_PAGES, &dropped);
	if (rc)
		return rc;
	if (released)
		*released = bytes;
	return 0;
}
