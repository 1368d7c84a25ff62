/* vm_internal.h: the VMM's private state shared by its modules. */
#ifndef GLINT_VM_INTERNAL_H
#define GLINT_VM_INTERNAL_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "exit.h"
#include "guestmem.h"
#include "monotime.h"
#include "vm.h"

#define VM_SLOT_RAM 0
#define VM_SLOT_SYS 1
#define VM_HOT_MAX 64 /* pages never write-protected again */

/* How vm_restore puts memory back. AUTO chooses by the number of dirty
 * pages; the others are forced, for the restore benchmark only. */
enum vm_restore_mode {
	VM_RESTORE_AUTO = 0,
	VM_RESTORE_COPY,       /* copy every dirty page back */
	VM_RESTORE_DROP,       /* MADV_DONTNEED the runs of dirty pages */
	VM_RESTORE_REMAP,      /* mmap MAP_FIXED the whole RAM again */
	VM_RESTORE_WHOLE_COPY, /* copy all RAM, dirty logging off */
};

struct vmm {
	int kvm_fd;
	size_t run_bytes; /* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_cpuid2 *cpuid;
	int umip;      /* the CPU and KVM support CR4.UMIP */
	uint64_t xcr0; /* XCR0 guest code runs under, within
			  CPU_XCR0_ALLOWED; 0: no XSAVE (boot.c) */
};

/* Immutable once vm_boot() returns, except refs. */
struct vm_snapshot {
	atomic_uint refs;
	struct vmm *vmm;
	struct vm_config cfg;
	struct glint_boot_info boot;
	int memfd;	     /* RAM at READY, sealed against writes */
	const uint8_t *view; /* read-only MAP_SHARED view of memfd */
	uint8_t *sys;	     /* system slot, PROT_READ after building */
	uint64_t sys_bytes;
	struct kvm_regs regs; /* vCPU state right after READY */
	struct kvm_sregs sregs;
	/* regs with rip at the call entry, which reloads the FPU/SSE state
	 * of READY and jumps to regs.rip (cpu_x86_64.h): what every call
	 * starts from */
	struct kvm_regs call_regs;
};

struct vm {
	struct vmm *vmm;
	struct vm_snapshot *snap; /* one reference */
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	uint8_t *ram;
	struct guestmem gm;
	uint64_t npages;

	/* vm_call/vm_interrupt hand-shake, under lock */
	pthread_mutex_t lock;
	pthread_t thread;
	int in_call;
	int interrupted;

	int pristine;	 /* restored; a call may start */
	int needs_reset; /* last exit left vCPU state that sync_regs alone
	                    cannot fix (fault, timeout, MMIO, ...) */
	uint64_t host_in_bytes; /* input bytes the host wrote this call */

	/* the call in progress, kept across parking (call.c, hostcall.c) */
	struct {
		uint64_t call_id;
		vm_log_fn log;
		void *log_opaque;
		uint32_t timeout_ms;
		uint64_t deadline_ns; /* monotime_ns(); 0 = none */
		uint64_t slice_ns;    /* end of the first run; 0 = none */
		vm_hostcall_fn sync;
		void *sync_opaque;
		struct vm_hostcall_limits limits;
		uint32_t hostcalls, limited;
		uint32_t limited_by_op[GLINT_HOSTCALL_OP_COUNT];
		uint64_t in_bytes, out_bytes;
		uint64_t run_ns;
		uint32_t exits;
		int parked;
		int preempted; /* stopped at slice_ns (vm_continue) */
		struct vm_hostcall hc;
	} cur;

	/* restore state (restore.c) */
	uint64_t *dirty;      /* KVM_GET_DIRTY_LOG bitmap */
	uint64_t *prev_dirty; /* pages dirty in the previous call */
	uint64_t *clear;      /* pages to write-protect again */
	uint64_t *hot_map;    /* the hot pages as a bitmap */
	uint64_t bm_words;
	unsigned nhot;
	unsigned hot_calls;  /* calls since the hot set was last reset */
	int logging;	     /* dirty logging on the RAM slot */
	int full_copy;	     /* whole-copy mode */
	unsigned full_calls; /* calls since whole-copy mode began */
	uint64_t full_base;  /* private pages when whole-copy mode began */
	enum vm_restore_mode mode;
	int scan_failed; /* no PAGEMAP_SCAN: whole copies copy all */
	uint64_t *priv;	 /* pages the VM may hold privately: each page the
	                   guest (dirty log) or the host (copy_host_written
	                   in restore.c) wrote since it was last dropped */
	_Atomic uint64_t priv_pages; /* popcount of priv, any thread reads */
};

/* hostcall.c: the guest stopped on GLINT_PORT_HOSTCALL (registers in x).
 * Returns 1 when the guest may continue at once (rax set: a limit, or
 * vm->cur.sync completed it), 0 when it must park (vm->cur.hc filled), or
 * -EIO with err set for a protocol error. */
struct exit_state;
int vm__hostcall(struct vm *vm, const struct exit_state *x,
		 struct vm_error *err);
/* hostcall.c: sets the guest's rax for the next entry. */
void vm__set_rax(struct vm *vm, int64_t rax);

/* kvm.c */
int vmm_set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t bytes, const void *hva);

/* vm.c: a snapshot with layout, memfd and system slot, not yet booted. */
int vm_snap_new(struct vmm *vmm, const struct image *img,
		const struct vm_config *cfg, struct vm_snapshot **out,
		struct vm_error *err);
/* vm.c: a VM shell holding a reference to snap; no KVM objects yet. */
struct vm *vm_alloc(struct vm_snapshot *snap);
/* vm.c: creates the KVM VM, vCPU and slots for ram (already mapped). */
int vm_create_kvm(struct vm *vm, struct vm_error *err);
/* vm.c: fills err as VM_ERR_HOST from errno value e and returns -e. */
int vm_host_error(struct vm_error *err, int e, const char *what);

/* boot.c: sets vmm->xcr0 by running a guest that executes XGETBV. */
int vmm__probe_xcr0(struct vmm *vmm);
/* call.c: one KVM_RUN (restarted on stray signals); copies the exit into
 * *x. Returns 0, -EINTR when the deadline or vm_interrupt stopped it, or
 * another negative errno when KVM failed. */
int vm_run(struct vm *vm, struct exit_state *x, uint32_t *exits);
/* call.c: hands the guest's buffered log lines to log; returns the count
 * and sets *dropped to the lines the guest dropped. */
uint32_t vm_take_logs(struct vm *vm, uint64_t call_id, vm_log_fn log,
		      void *opaque, uint32_t *dropped);
void vm_copy_exit(const struct kvm_run *run, struct exit_state *x);

/* restore.c */
int vm_restore_init(struct vm *vm);
void vm_restore_free(struct vm *vm);
/* After boot: forget pages dirtied before READY; returns how many. */
int vm_restore_reset_log(struct vm *vm, uint64_t *dirty_pages);
/* Points the vCPU back at the snapshot registers. */
int vm_restore_cpu(struct vm *vm);

#endif /* GLINT_VM_INTERNAL_H */
