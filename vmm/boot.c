/* boot.c: vm_boot: build memory, run the guest's init to READY, snapshot. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "cpu_x86_64.h"
#include "deadline.h"
#include "vm_internal.h"

/* Copies an environment or secrets block to its read-only place. */
static int load_block(struct vm *vm, uint64_t gpa, const char *b, size_t n)
{
	void *p;

	if (n == 0)
		return 0;
	if (guestmem_ptr(&vm->gm, gpa, n, &p))
		return -EINVAL;
	memcpy(p, b, n);
	return 0;
}

static int load_image(struct vm *vm, const struct image *img,
		      const struct vm_config *cfg)
{
	const struct glint_boot_info *boot = &vm->snap->boot;
	struct glint_call_page *cp;
	void *p;

	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct image_segment *s = &img->segments[i];

		/* image_parse() bounded the file range and layout_compute()
		 * the memory range; the checked helper guards both again. */
		if (s->file_bytes > s->mem_bytes ||
		    s->file_offset > img->len_bytes ||
		    s->file_bytes > img->len_bytes - s->file_offset ||
		    guestmem_ptr(&vm->gm, s->gpa, s->mem_bytes, &p))
			return -EINVAL;
		memcpy(p, img->data + s->file_offset, s->file_bytes);
	}
	if (load_block(vm, boot->env_gpa, cfg->env, cfg->env_bytes) ||
	    load_block(vm, boot->secrets_gpa, cfg->secrets, cfg->secrets_bytes))
		return -EINVAL;
	if (guestmem_ptr(&vm->gm, GLINT_CALL_PAGE_GPA, sizeof(*cp), &p))
		return -EINVAL;
	cp = p;
	cp->boot = *boot;
	return 0;
}

/* Initial CPU state through sync_regs: the vCPU's reset sregs (one
 * KVM_GET_SREGS, boot only) turned into the CPL 3 entry state. */
static int set_entry_state(struct vm *vm, uint64_t entry_gpa,
			   struct vm_error *err)
{
	struct kvm_sregs sregs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return vm_host_error(err, errno, "KVM_GET_SREGS");
	cpu_entry_sregs(&sregs, vm->vmm->umip);
	vm->run->s.regs.sregs = sregs;
	cpu_entry_regs(&vm->run->s.regs.regs, &vm->snap->boot, entry_gpa);
	vm->run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	return 0;
}

struct vm_cancel {
	pthread_mutex_t lock;
	atomic_int fired;
	struct vm *vm; /* the VM whose init is running, under lock */
};

int vm_cancel_create(struct vm_cancel **out)
{
	struct vm_cancel *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->fired, 0);
	*out = c;
	return 0;
}

void vm_cancel_destroy(struct vm_cancel *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Lock order: c->lock, then vm->lock (inside vm_interrupt). */
void vm_cancel_fire(struct vm_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->fired, 1);
	if (c->vm)
		vm_interrupt(c->vm);
	pthread_mutex_unlock(&c->lock);
}

int vm_cancel_booting(struct vm_cancel *c)
{
	int busy;

	pthread_mutex_lock(&c->lock);
	busy = c->vm != NULL;
	pthread_mutex_unlock(&c->lock);
	return busy;
}

static void cancel_register(struct vm_cancel *c, struct vm *vm)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->vm = vm;
	pthread_mutex_unlock(&c->lock);
}

/* The init's KVM_RUN, bracketed by vm_interrupt's hand-shake as a call's
 * is (call.c), so vm_cancel_fire() can end it. fired is read after
 * in_call is set under vm->lock: a fire either is seen here or finds
 * in_call set and interrupts the run. */
static int run_init_guarded(struct vm *vm, struct vm_cancel *c,
			    uint32_t timeout_ms, struct exit_state *x,
			    int *interrupted)
{
	uint32_t exits = 0;
	int rc, fired;

	vm->run->immediate_exit = 0;
	pthread_mutex_lock(&vm->lock);
	vm->in_call = 1;
	vm->interrupted = 0;
	vm->thread = pthread_self();
	fired = c && atomic_load(&c->fired);
	pthread_mutex_unlock(&vm->lock);
	rc = fired ? -EINTR : deadline_begin(vm->run, timeout_ms);
	if (!rc) {
		rc = vm_run(vm, x, &exits);
		deadline_end();
	}
	pthread_mutex_lock(&vm->lock);
	vm->in_call = 0;
	*interrupted = vm->interrupted || fired;
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

/* Runs init until READY or failure; err says which failure. */
static int run_init(struct vm *vm, struct vm_cancel *c, uint32_t timeout_ms,
		    vm_log_fn log, void *opaque, struct vm_error *err)
{
	struct exit_state x;
	struct exit_done done;
	uint32_t dropped;
	int rc, interrupted = 0;

	cancel_register(c, vm);
	rc = run_init_guarded(vm, c, timeout_ms, &x, &interrupted);
	cancel_register(c, NULL);
	vm_take_logs(vm, 0, log, opaque, &dropped);
	if (rc == -EINTR && interrupted) {
		exit_fail(err, VM_ERR_TIMEOUT, "init interrupted by the host");
		return -ECANCELED;
	}
	if (rc == -EINTR) {
		exit_fail(err, VM_ERR_TIMEOUT,
			  "init did not signal READY within %u ms "
			  "(deadline of %u ms exceeded)",
			  timeout_ms, timeout_ms);
		return -EIO;
	}
	if (rc)
		return vm_host_error(err, -rc, "KVM_RUN");
	if (exit_decode(&x, EXIT_PHASE_BOOT, &vm->gm, &vm->snap->boot, &done,
			err) != EXIT_READY) {
		/* prefix so a user sees this happened during init */
		char msg[sizeof(err->message)];

		memcpy(msg, err->message, sizeof(msg));
		snprintf(err->message, sizeof(err->message),
			 "init failed: %.*s", (int)sizeof(msg) - 14, msg);
		return -EIO;
	}
	return 0;
}

/* Records the FPU/SSE/AVX state at READY in the system slot for the call
 * entry (cpu_x86_64.h): one KVM_GET_XSAVE per snapshot, none per call.
 * The slot is made writable only here, before any clone exists. */
static int snapshot_fpu(struct vm *vm, struct vm_error *err)
{
	struct vm_snapshot *s = vm->snap;
	struct kvm_xsave *xs;
	int rc = 0;

	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return vm_host_error(err, ENOMEM, "KVM_GET_XSAVE");
	if (ioctl(vm->vcpu_fd, KVM_GET_XSAVE, xs))
		rc = vm_host_error(err, errno, "KVM_GET_XSAVE");
	else if (mprotect(s->sys, s->sys_bytes, PROT_READ | PROT_WRITE))
		rc = vm_host_error(err, errno, "mprotect system slot");
	if (rc) {
		free(xs);
		return rc;
	}
	cpu_set_call_state(s->sys, xs->region, &s->regs, vm->vmm->xcr0);
	free(xs);
	if (mprotect(s->sys, s->sys_bytes, PROT_READ))
		return vm_host_error(err, errno, "mprotect system slot");
	s->call_regs = s->regs;
	s->call_regs.rip = cpu_call_entry_gpa();
	return 0;
}

/* The READY `out` is complete only when the vCPU next enters: a KVM_RUN
 * with immediate_exit set finishes the pending I/O (advancing rip past the
 * `out`) and returns -EINTR without entering the guest (KVM API doc 5,
 * "immediate_exit"), so the snapshot resumes after the `out`. (PVM
 * reports rip past the `out` already at the exit; the flush is then a
 * no-op. Do not "fix up" rip by decoding: the next instruction may itself
 * be an `out`.) */
static int take_cpu_snapshot(struct vm *vm, struct vm_error *err)
{
	struct vm_snapshot *s = vm->snap;
	int rc, e;

	vm->run->immediate_exit = 1;
	rc = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	/* errno only means something when the ioctl failed; a KVM_RUN that
	 * entered the guest instead of returning -EINTR is a KVM failure. */
	e = rc < 0 ? errno : EIO;
	if (rc == 0 || e != EINTR) {
		vm->run->immediate_exit = 0;
		return vm_host_error(err, e, "completing READY");
	}
	vm->run->immediate_exit = 0;
	s->regs = vm->run->s.regs.regs;
	s->sregs = vm->run->s.regs.sregs;
	return snapshot_fpu(vm, err);
}

/* The memfd now is the snapshot: give the booted VM a private view of it
 * like any clone (MAP_FIXED over the shared one; KVM's MMU notifier drops
 * stale mappings), seal it, and keep a read-only view to restore from. */
static int seal_memory(struct vm *vm, struct vm_error *err)
{
	struct vm_snapshot *s = vm->snap;
	uint64_t mem = s->boot.mem_bytes;
	struct glint_call_page *cp = (void *)(vm->ram + GLINT_CALL_PAGE_GPA);
	void *p;

	/* Init's log lines were delivered: calls start with an empty log. */
	memset(&cp->result, 0, sizeof(cp->result));
	p = mmap(vm->ram, mem, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, s->memfd, 0);
	if (p != vm->ram)
		return vm_host_error(err, errno, "remap snapshot");
	if (fcntl(s->memfd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return vm_host_error(err, errno, "sealing snapshot");
	p = mmap(NULL, mem, PROT_READ, MAP_SHARED, s->memfd, 0);
	if (p == MAP_FAILED)
		return vm_host_error(err, errno, "mmap snapshot view");
	s->view = p;
	return 0;
}

static int boot_vm(struct vm *vm, const struct image *img,
		   const struct vm_config *cfg, struct vm_cancel *cancel,
		   vm_log_fn log, void *opaque, struct vm_boot_stats *st,
		   struct vm_error *err)
{
	uint64_t t0 = monotime_ns(), t1, t2, touched = 0;
	void *p;
	int rc;

	p = mmap(NULL, cfg->mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm->snap->memfd, 0);
	if (p == MAP_FAILED)
		return vm_host_error(err, errno, "mmap guest memory");
	vm->ram = p;
	rc = vm_create_kvm(vm, err);
	if (rc)
		return rc;
	if (load_image(vm, img, cfg))
		return vm_host_error(err, EINVAL, "loading image");
	rc = set_entry_state(vm, img->entry_gpa, err);
	if (rc)
		return rc;
	t1 = monotime_ns();
	rc = run_init(vm, cancel, cfg->init_timeout_ms, log, opaque, err);
	if (rc)
		return rc;
	t2 = monotime_ns();
	rc = take_cpu_snapshot(vm, err);
	if (!rc)
		rc = seal_memory(vm, err);
	if (!rc && (rc = vm_restore_reset_log(vm, &touched)))
		vm_host_error(err, -rc, "resetting the dirty log");
	if (rc)
		return rc;
	vm->pristine = 1;
	if (st) {
		st->create_ns = t1 - t0;
		st->init_ns = t2 - t1;
		st->snapshot_ns = monotime_ns() - t2;
		st->touched_pages = touched;
	}
	return 0;
}

int vm_boot(struct vmm *vmm, const struct image *img,
	    const struct vm_config *cfg, vm_log_fn log, void *log_opaque,
	    struct vm_snapshot **snap_out, struct vm **vm_out,
	    struct vm_boot_stats *stats, struct vm_error *err)
{
	return vm_boot_cancellable(vmm, img, cfg, NULL, log, log_opaque,
				   snap_out, vm_out, stats, err);
}

int vm_boot_cancellable(struct vmm *vmm, const struct image *img,
			const struct vm_config *cfg, struct vm_cancel *cancel,
			vm_log_fn log, void *log_opaque,
			struct vm_snapshot **snap_out, struct vm **vm_out,
			struct vm_boot_stats *stats, struct vm_error *err)
{
	struct vm_snapshot *snap = NULL;
	struct vm_error local;
	struct vm *vm;
	int rc;

	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (stats)
		memset(stats, 0, sizeof(*stats));
	rc = vm_snap_new(vmm, img, cfg, &snap, err);
	if (rc)
		return rc;
	vm = vm_alloc(snap);
	if (!vm) {
		vm_snapshot_unref(snap);
		return vm_host_error(err, ENOMEM, "vm_boot");
	}
	rc = boot_vm(vm, img, cfg, cancel, log, log_opaque, stats, err);
	if (rc) {
		vm_destroy(vm);
		vm_snapshot_unref(snap);
		return rc;
	}
	*snap_out = snap;
	if (vm_out)
		*vm_out = vm;
	else
		vm_destroy(vm);
	return 0;
}

/* XGETBV (SDM vol. 2C) at CPL 3 raises #UD unless CR4.OSXSAVE is set for
 * the code that runs it. The guest's CR4 never has it, but PVM runs guest
 * code under the host's CR4 and XCR0: then XGETBV works and reports the
 * components a guest can use, which the call entry must restore. */
int vmm__probe_xcr0(struct vmm *vmm)
{
	/* xorl %ecx,%ecx; xgetbv; outb READY */
	static const uint8_t code[] = {
		0x31, 0xc9, 0x0f, 0x01, 0xd0, 0xe6, GLINT_PORT_READY};
	struct image img;
	struct vm_config cfg;
	struct vm_snapshot *snap;
	struct vm_error err;
	int rc;

	memset(&img, 0, sizeof(img));
	img.data = code;
	img.len_bytes = sizeof(code);
	img.entry_gpa = img.segments[0].gpa = GLINT_IMAGE_BASE;
	img.end_gpa = GLINT_IMAGE_BASE + GLINT_PAGE_SIZE;
	img.abi_version = GLINT_ABI_VERSION;
	img.nsegments = 1;
	img.segments[0].mem_bytes = img.segments[0].file_bytes = sizeof(code);
	img.segments[0].perm = IMAGE_PERM_R | IMAGE_PERM_X;
	vm_config_default(&cfg, GLINT_MEM_MIN_BYTES);
	vmm->xcr0 = 0;
	rc = vm_boot(vmm, &img, &cfg, NULL, NULL, &snap, NULL, NULL, &err);
	if (rc == -EIO && err.kind == VM_ERR_EXCEPTION && err.vector == 6)
		return 0;
	if (rc)
		return rc;
	vmm->xcr0 = ((snap->regs.rdx << 32) | (uint32_t)snap->regs.rax) &
		    CPU_XCR0_ALLOWED;
	vm_snapshot_unref(snap);
	return 0;
}
