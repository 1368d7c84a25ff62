/* vm.c: VM lifecycle: boot to a snapshot, clone from it, destroy. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "cpu_x86_64.h"
#include "deadline.h"
#include "layout.h"
#include "paging_x86_64.h"
#include "vm_internal.h"

const char *vm_error_kind_name(enum vm_error_kind kind)
{
	switch (kind) {
	case VM_ERR_NONE:
		return "none";
	case VM_ERR_EXCEPTION:
		return "exception";
	case VM_ERR_TRIPLE_FAULT:
		return "triple_fault";
	case VM_ERR_ABORT:
		return "abort";
	case VM_ERR_TIMEOUT:
		return "timeout";
	case VM_ERR_OUTPUT_TOO_LARGE:
		return "output_too_large";
	case VM_ERR_PROTOCOL:
		return "protocol";
	case VM_ERR_RESPONSE:
		return "response";
	case VM_ERR_HOST:
		return "host";
	case VM_ERR_IMAGE:
		return "image";
	}
	return "unknown";
}

int vm_host_error(struct vm_error *err, int e, const char *what)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->kind = VM_ERR_HOST;
		err->host_errno = e;
		snprintf(err->message, sizeof(err->message), "%s: %s", what,
			 strerror(e));
	}
	return -e;
}

static int image_error(struct vm_error *err, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->kind = VM_ERR_IMAGE;
		snprintf(err->message, sizeof(err->message), "%s", msg);
	}
	return -EINVAL;
}

/* ---- snapshots ---------------------------------------------------------- */

static void snap_free(struct vm_snapshot *s)
{
	if (s->view)
		munmap((void *)s->view, s->boot.mem_bytes);
	if (s->sys)
		munmap(s->sys, s->sys_bytes);
	if (s->memfd >= 0)
		close(s->memfd);
	free(s);
}

void vm_snapshot_ref(struct vm_snapshot *snap)
{
	atomic_fetch_add(&snap->refs, 1);
}

void vm_snapshot_unref(struct vm_snapshot *snap)
{
	if (snap && atomic_fetch_sub(&snap->refs, 1) == 1)
		snap_free(snap);
}

const struct vm_config *vm_snapshot_config(const struct vm_snapshot *snap)
{
	return &snap->cfg;
}

const struct glint_boot_info *vm_snapshot_layout(const struct vm_snapshot *s)
{
	return &s->boot;
}

/* Builds the system slot (page tables, descriptor tables, stubs) once per
 * snapshot; every clone maps the same read-only pages. */
static int build_sys(struct vm_snapshot *s, const struct image *img,
		     struct vm_error *err)
{
	void *p;

	s->sys_bytes = layout_sys_bytes(s->boot.mem_bytes);
	p = mmap(NULL, s->sys_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return vm_host_error(err, errno, "mmap system slot");
	s->sys = p;
	if (paging_build(s->sys, s->sys_bytes, &s->boot, img))
		return image_error(err, "two image segments share a page");
	cpu_build_tables(s->sys);
	if (mprotect(s->sys, s->sys_bytes, PROT_READ))
		return vm_host_error(err, errno, "mprotect system slot");
	return 0;
}

int vm_snap_new(struct vmm *vmm, const struct image *img,
		const struct vm_config *cfg, struct vm_snapshot **out,
		struct vm_error *err)
{
	char msg[200];
	struct vm_snapshot *s;
	int rc;

	if (vm_config_check(cfg, msg, sizeof(msg))) {
		vm_host_error(err, EINVAL, "configuration");
		if (err)
			snprintf(err->message, sizeof(err->message), "%s", msg);
		return -EINVAL;
	}
	if (img->abi_version != GLINT_ABI_VERSION) {
		snprintf(msg, sizeof(msg),
			 "image built for glint ABI %u; this glintd runs ABI "
			 "%u: rebuild it against the current guest SDK "
			 "(pkg-config glint-guest)",
			 img->abi_version, GLINT_ABI_VERSION);
		return image_error(err, msg);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return vm_host_error(err, ENOMEM, "snapshot");
	atomic_init(&s->refs, 1);
	s->vmm = vmm;
	s->cfg = *cfg;
	/* The blocks are copied into guest memory at boot; keep no pointer
	 * to the caller's buffers. */
	s->cfg.env = s->cfg.secrets = NULL;
	s->cfg.env_bytes = s->cfg.secrets_bytes = 0;
	s->memfd = -1;
	if (layout_compute(cfg, img, &s->boot, msg, sizeof(msg))) {
		rc = image_error(err, msg);
		goto fail;
	}
	s->memfd =
		memfd_create("glint-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->memfd < 0) {
		rc = vm_host_error(err, errno, "memfd_create");
		goto fail;
	}
	if (ftruncate(s->memfd, (off_t)cfg->mem_bytes)) {
		rc = vm_host_error(err, errno, "ftruncate snapshot");
		goto fail;
	}
	rc = build_sys(s, img, err);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	snap_free(s);
	return rc;
}

/* ---- VMs ---------------------------------------------------------------- */

struct vm *vm_alloc(struct vm_snapshot *snap)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->vmm = snap->vmm;
	vm->snap = snap;
	vm_snapshot_ref(snap);
	vm->vm_fd = vm->vcpu_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	vm->npages = snap->boot.mem_bytes / GLINT_PAGE_SIZE;
	vm->gm.mem_bytes = snap->boot.mem_bytes;
	return vm;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->run)
		munmap(vm->run, vm->vmm->run_bytes);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->ram)
		munmap(vm->ram, vm->snap->boot.mem_bytes);
	vm_restore_free(vm);
	pthread_mutex_destroy(&vm->lock);
	vm_snapshot_unref(vm->snap);
	free(vm);
}

struct vm_snapshot *vm_get_snapshot(struct vm *vm)
{
	return vm->snap;
}

static int enable_manual_protect(int vm_fd)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2};

	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

static int create_vcpu(struct vm *vm, struct vm_error *err)
{
	void *p;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return vm_host_error(err, errno, "KVM_CREATE_VCPU");
	p = mmap(NULL, vm->vmm->run_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm->vcpu_fd, 0);
	if (p == MAP_FAILED)
		return vm_host_error(err, errno, "mmap kvm_run");
	vm->run = p;
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, vm->vmm->cpuid))
		return vm_host_error(err, errno, "KVM_SET_CPUID2");
	/* Every exit hands regs and sregs to the host for free (KVM API doc
	 * 5, "kvm_valid_regs"). */
	vm->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	return 0;
}

int vm_create_kvm(struct vm *vm, struct vm_error *err)
{
	const struct vm_snapshot *s = vm->snap;
	int rc;

	vm->gm.hva = vm->ram;
	do
		vm->vm_fd = ioctl(vm->vmm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		return vm_host_error(err, errno, "KVM_CREATE_VM");
	rc = enable_manual_protect(vm->vm_fd);
	if (rc)
		return vm_host_error(err, -rc,
				     "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
	rc = vmm_set_slot(vm->vm_fd, VM_SLOT_RAM, KVM_MEM_LOG_DIRTY_PAGES, 0,
			  s->boot.mem_bytes, vm->ram);
	if (rc)
		return vm_host_error(err, -rc,
				     "KVM_SET_USER_MEMORY_REGION ram");
	rc = vmm_set_slot(vm->vm_fd, VM_SLOT_SYS, KVM_MEM_READONLY,
			  GLINT_SYS_GPA, s->sys_bytes, s->sys);
	if (rc)
		return vm_host_error(err, -rc,
				     "KVM_SET_USER_MEMORY_REGION system");
	rc = create_vcpu(vm, err);
	if (rc)
		return rc;
	rc = vm_restore_init(vm);
	if (rc)
		return vm_host_error(err, -rc, "dirty bitmaps");
	return 0;
}

int vm_clone(struct vm_snapshot *snap, struct vm **out, struct vm_error *err)
{
	struct vm *vm = vm_alloc(snap);
	struct vm_error local;
	void *p;
	int rc;

	if (!err)
		err = &local;
	if (!vm)
		return vm_host_error(err, ENOMEM, "vm_clone");
	/* Private mapping of the snapshot: pages are shared copy-on-write
	 * with every other VM of this function until written. */
	p = mmap(NULL, snap->boot.mem_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_NORESERVE, snap->memfd, 0);
	if (p == MAP_FAILED) {
		rc = vm_host_error(err, errno, "mmap snapshot");
		goto fail;
	}
	vm->ram = p;
	rc = vm_create_kvm(vm, err);
	if (rc)
		goto fail;
	vm->run->s.regs.regs = snap->call_regs;
	vm->run->s.regs.sregs = snap->sregs;
	vm->run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	vm->pristine = 1;
	*out = vm;
	return 0;
fail:
	vm_destroy(vm);
	return rc;
}
