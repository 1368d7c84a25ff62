/* hostcall.c: checking a guest's host call and answering the quick ones. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "exit.h"
#include "paging_x86_64.h"
#include "vm_internal.h"

void vm__set_rax(struct vm *vm, int64_t rax)
{
	vm->run->s.regs.regs.rax = (uint64_t)rax;
	/* KVM takes the registers from sync_regs on the next KVM_RUN; rip
	 * is unchanged, so KVM still completes the `out` (skips it). */
	vm->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

/* Every page of [gpa, gpa + len) is mapped for CPL 3 (and writable when
 * write is set) in the guest's own page tables: the host must not read
 * what the guest could not, nor write its code or read-only data. The
 * range is already known to lie in RAM. */
static int user_range(const struct vm *vm, uint64_t gpa, uint64_t len,
		      int write)
{
	uint64_t page, last;

	if (len == 0)
		return 0;
	page = gpa & ~(GLINT_PAGE_SIZE - 1);
	last = (gpa + len - 1) & ~(GLINT_PAGE_SIZE - 1);
	for (;; page += GLINT_PAGE_SIZE) {
		struct paging_perm perm;

		if (paging_walk(vm->snap->sys, vm->snap->sys_bytes, page,
				&perm) ||
		    !perm.present || !perm.user || (write && !perm.write))
			return -EFAULT;
		if (page == last)
			return 0;
	}
}

/* The per-operation record checks of glint_abi.h. */
static int request_ok(const struct vm_hostcall *hc, struct vm_error *err)
{
	const struct glint_hostcall_sleep *sl;

	switch (hc->op) {
	case GLINT_HOSTCALL_NOOP:
		return 0;
	case GLINT_HOSTCALL_SLEEP:
		if (hc->req_len != sizeof(*sl)) {
			exit_fail(err, VM_ERR_PROTOCOL,
				  "host call SLEEP: request of %zu bytes, "
				  "expected %zu",
				  hc->req_len, sizeof(*sl));
			return -EIO;
		}
		sl = hc->req;
		if (sl->reserved0 != 0 || sl->ms > GLINT_SLEEP_MAX_MS) {
			exit_fail(err, VM_ERR_PROTOCOL,
				  "host call SLEEP: %" PRIu32
				  " ms (at most %u) or reserved bits set",
				  sl->ms, GLINT_SLEEP_MAX_MS);
			return -EIO;
		}
		return 0;
	default:
		/* FETCH and KV: the engine decodes their records. */
		return 0;
	}
}

static int take_ranges(struct vm *vm, const struct exit_state *x,
		       struct vm_hostcall *hc, struct vm_error *err)
{
	const void *req;
	void *resp;

	if (guestmem_cptr(&vm->gm, x->rsi, x->rdx, &req) ||
	    user_range(vm, x->rsi, x->rdx, 0)) {
		exit_fail(err, VM_ERR_PROTOCOL,
			  "host call request at 0x%" PRIx64 " (%" PRIu64
			  " bytes) is not memory the function may read",
			  x->rsi, x->rdx);
		return -EIO;
	}
	if (guestmem_ptr(&vm->gm, x->rcx, x->r8, &resp) ||
	    user_range(vm, x->rcx, x->r8, 1)) {
		exit_fail(err, VM_ERR_PROTOCOL,
			  "host call response at 0x%" PRIx64 " (%" PRIu64
			  " bytes) is not memory the function may write",
			  x->rcx, x->r8);
		return -EIO;
	}
	hc->req = req;
	hc->req_len = x->rdx;
	hc->resp = resp;
	hc->resp_cap = x->r8;
	return 0;
}

static int over_limit(struct vm *vm, uint64_t req_len)
{
	const struct vm_hostcall_limits *l = &vm->cur.limits;

	if (l->calls_max && vm->cur.hostcalls > l->calls_max)
		return 1;
	if (l->in_bytes_max && (req_len > l->in_bytes_max ||
				vm->cur.in_bytes > l->in_bytes_max - req_len))
		return 1;
	return 0;
}

int vm__hostcall(struct vm *vm, const struct exit_state *x,
		 struct vm_error *err)
{
	struct vm_hostcall *hc = &vm->cur.hc;
	int64_t result = 0;

	memset(hc, 0, sizeof(*hc));
	if (x->rdi >= GLINT_HOSTCALL_OP_COUNT) {
		exit_fail(err, VM_ERR_PROTOCOL,
			  "unknown host call operation %" PRIu64
			  " at rip 0x%" PRIx64,
			  x->rdi, x->rip);
		return -EIO;
	}
	hc->op = (enum glint_hostcall_op)x->rdi;
	if (take_ranges(vm, x, hc, err) || request_ok(hc, err))
		return -EIO;
	vm->cur.hostcalls++;
	if (over_limit(vm, hc->req_len)) {
		vm->cur.limited++;
		vm->cur.limited_by_op[hc->op]++;
		vm__set_rax(vm, GLINT_E_LIMIT);
		return 1;
	}
	vm->cur.in_bytes += hc->req_len;
	if (vm->cur.sync &&
	    vm->cur.sync(vm->cur.sync_opaque, hc, &result) == 1) {
		if (result > 0)
			vm->cur.out_bytes += (uint64_t)result;
		vm__set_rax(vm, result);
		return 1;
	}
	return 0;
}
