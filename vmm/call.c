/* call.c: vm_call (one KVM_RUN per call), its results, and vm_interrupt. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "deadline.h"
#include "guestlog.h"
#include "request.h"
#include "resphead.h"
#include "seed.h"
#include "vm_internal.h"

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

void vm_copy_exit(const struct kvm_run *run, struct exit_state *x)
{
	memset(x, 0, sizeof(*x));
	x->reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		x->io_out = run->io.direction == KVM_EXIT_IO_OUT;
		x->io_size = run->io.size;
		x->io_port = run->io.port;
		x->io_count = run->io.count;
		break;
	case KVM_EXIT_MMIO:
		x->mmio_gpa = run->mmio.phys_addr;
		x->mmio_write = run->mmio.is_write;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		x->detail = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		x->detail = run->internal.suberror;
		break;
	default:
		break;
	}
	x->rax = run->s.regs.regs.rax;
	x->rdi = run->s.regs.regs.rdi;
	x->rsi = run->s.regs.regs.rsi;
	x->rdx = run->s.regs.regs.rdx;
	x->rcx = run->s.regs.regs.rcx;
	x->r8 = run->s.regs.regs.r8;
	x->rip = run->s.regs.regs.rip;
	x->rsp = run->s.regs.regs.rsp;
	x->cs = run->s.regs.sregs.cs.selector;
	x->cr2 = run->s.regs.sregs.cr2;
}

int vm_run(struct vm *vm, struct exit_state *x, uint32_t *exits)
{
	volatile struct kvm_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) == 0) {
			(*exits)++;
			vm_copy_exit(vm->run, x);
			return 0;
		}
		/* errno, not exit_reason: with immediate_exit the guest may
		 * not have been entered and exit_reason is stale. */
		if (errno == EINTR && run->immediate_exit)
			return -EINTR;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

uint32_t vm_take_logs(struct vm *vm, uint64_t call_id, vm_log_fn log,
		      void *opaque, uint32_t *dropped)
{
	const struct glint_call_page *cp;
	const void *p, *buf;
	uint32_t len;

	*dropped = 0;
	if (guestmem_cptr(&vm->gm, GLINT_CALL_PAGE_GPA, sizeof(*cp), &p) ||
	    guestmem_cptr(&vm->gm, GLINT_LOG_GPA, GLINT_LOG_BYTES, &buf))
		return 0;
	cp = p;
	/* Read once: the guest owns this field and may have lied in it. */
	len = *(const volatile uint32_t *)&cp->result.log_len;
	*dropped = *(const volatile uint32_t *)&cp->result.log_dropped;
	if (len > GLINT_LOG_BYTES)
		len = GLINT_LOG_BYTES;
	return guestlog_emit(buf, len, call_id, log, opaque);
}

/* The guest's diagnostics word, read once (the guest owns it). */
static uint32_t read_diag(struct vm *vm)
{
	const void *p;

	if (guestmem_cptr(&vm->gm,
			  GLINT_CALL_PAGE_GPA + GLINT_CALL_PAGE_DIAG_OFFSET,
			  sizeof(uint32_t), &p))
		return 0;
	return *(const volatile uint32_t *)p;
}

static int write_call(struct vm *vm, const struct vm_call_args *args)
{
	const struct glint_boot_info *boot = &vm->snap->boot;
	size_t in_len = request_size(args->request, args->input_len);
	struct glint_call_page *cp;
	void *p, *in;
	int rc;

	if (guestmem_ptr(&vm->gm, GLINT_CALL_PAGE_GPA, sizeof(*cp), &p) ||
	    guestmem_ptr(&vm->gm, boot->in_gpa, in_len, &in))
		return -EFAULT;
	cp = p;
	request_write(in, args->request, args->input, args->input_len);
	vm->host_in_bytes = in_len;
	cp->call.call_id = args->call_id;
	cp->call.in_len = in_len;
	rc = seed_fill(cp->call.seed, sizeof(cp->call.seed));
	if (rc)
		return rc;
	cp->call.wall_ns = wall_ns();
	cp->call.deadline_ns =
		args->timeout_ms
			? cp->call.wall_ns + (int64_t)args->timeout_ms * 1000000
			: 0;
	return 0;
}

/* What ended a stretch of guest execution (run_call). */
struct stop {
	struct exit_state x;
	struct exit_done done;
	enum exit_verdict v;
	int hc; /* EXIT_HOSTCALL: vm__hostcall's answer (0 park, -EIO) */
};

/* Runs the guest until an exit other than a host call answered in place
 * (a limit, or the sync handler), under what is left of the call's
 * deadline and inside the interrupt hand-shake, which host calls answered
 * in place do not leave: they cost one exit and no timer syscalls. */
static int run_guest(struct vm *vm, struct stop *st, struct vm_error *err)
{
	int rc;

	for (;;) {
		rc = vm_run(vm, &st->x, &vm->cur.exits);
		if (rc)
			return rc;
		st->v = exit_decode(&st->x, EXIT_PHASE_CALL, &vm->gm,
				    &vm->snap->boot, &st->done, err);
		if (st->v != EXIT_HOSTCALL)
			return 0;
		st->hc = vm__hostcall(vm, &st->x, err);
		if (st->hc != 1)
			return 0;
	}
}

static int run_call(struct vm *vm, struct stop *st, struct vm_error *err,
		    int *interrupted)
{
	uint32_t timeout_ms = 0;
	uint64_t t0, now;
	int rc;

	if (vm->cur.deadline_ns) {
		now = monotime_ns();
		if (now >= vm->cur.deadline_ns)
			return -EINTR;
		timeout_ms = (uint32_t)((vm->cur.deadline_ns - now + 999999) /
					1000000);
	}
	vm->run->immediate_exit = 0;
	pthread_mutex_lock(&vm->lock);
	vm->in_call = 1;
	vm->interrupted = 0;
	vm->thread = pthread_self();
	pthread_mutex_unlock(&vm->lock);
	/* A slice ends the first run early (vm_continue), unless the
	 * deadline comes first. */
	if (vm->cur.slice_ns && (vm->cur.deadline_ns == 0 ||
				 vm->cur.slice_ns < vm->cur.deadline_ns))
		rc = deadline_begin_at(vm->run, vm->cur.slice_ns);
	else
		rc = deadline_begin(vm->run, timeout_ms);
	if (!rc) {
		t0 = monotime_ns();
		rc = run_guest(vm, st, err);
		vm->cur.run_ns += monotime_ns() - t0;
		deadline_end();
	}
	pthread_mutex_lock(&vm->lock);
	vm->in_call = 0;
	*interrupted = vm->interrupted;
	pthread_mutex_unlock(&vm->lock);
	return rc;
}
static int finish_done(struct vm *vm, const struct exit_done *done,
		       struct vm_call_result *res, struct vm_error *err)
{
	const struct glint_boot_info *boot = &vm->snap->boot;
	const struct glint_call_page *cp =
		(const void *)(vm->ram + GLINT_CALL_PAGE_GPA);
	const void *out, *head;
	uint8_t ct[GLINT_CONTENT_TYPE_MAX];

	if (guestmem_cptr(&vm->gm, boot->out_gpa, done->out_len, &out)) {
		exit_fail(err, VM_ERR_PROTOCOL, "output outside memory");
		return -EIO;
	}
	res->status = done->status;
	res->http_status = 200;
	/* A function error is a 500 whatever the function set before. */
	if (done->status == GLINT_STATUS_OK &&
	    (guestmem_cptr(&vm->gm, GLINT_RESP_HEAD_GPA, GLINT_RESP_HEAD_BYTES,
			   &head) ||
	     resphead_check(*(const volatile uint32_t *)&cp->result.status,
			    head, GLINT_RESP_HEAD_BYTES, res, err->message,
			    sizeof(err->message)))) {
		err->kind = VM_ERR_RESPONSE;
		return -EIO;
	}
	res->output = out;
	res->output_len = done->out_len;
	memcpy(ct, cp->result.content_type, sizeof(ct));
	if (!guestlog_sanitize(res->content_type, sizeof(res->content_type), ct,
			       sizeof(ct)))
		snprintf(res->content_type, sizeof(res->content_type),
			 "application/json");
	return 0;
}

/* The call's end, however it ended: counters and the guest's log lines. */
static void call_ended(struct vm *vm, struct vm_call_result *res)
{
	vm->cur.parked = 0;
	res->run_ns = vm->cur.run_ns;
	res->exits = vm->cur.exits;
	res->hostcalls = vm->cur.hostcalls;
	res->hostcalls_limited = vm->cur.limited;
	memcpy(res->limited_by_op, vm->cur.limited_by_op,
	       sizeof(res->limited_by_op));
	res->log_lines = vm_take_logs(vm, vm->cur.call_id, vm->cur.log,
				      vm->cur.log_opaque, &res->log_dropped);
	res->diag = read_diag(vm);
}

static int timed_out(struct vm *vm, int interrupted, struct vm_error *err)
{
	if (interrupted)
		exit_fail(err, VM_ERR_TIMEOUT, "call interrupted by the host");
	else
		exit_fail(err, VM_ERR_TIMEOUT, "deadline of %u ms exceeded",
			  vm->cur.timeout_ms);
	(void)vm;
	return -EIO;
}

/* After a run stopped by the timer: 1 when it was the slice, not the
 * deadline, that ended it. The slice applies to one run only. */
static int slice_over(struct vm *vm)
{
	uint64_t slice = vm->cur.slice_ns;

	vm->cur.slice_ns = 0;
	return slice && (vm->cur.deadline_ns == 0 ||
			 monotime_ns() < vm->cur.deadline_ns);
}

/* Runs the guest until the call ends, parks on a host call or is
 * preempted at the end of its slice. */
static int call_continue(struct vm *vm, struct vm_call_result *res,
			 struct vm_error *err)
{
	struct stop st;
	int rc, interrupted = 0;

	rc = run_call(vm, &st, err, &interrupted);
	if (rc == -EINTR && !interrupted && slice_over(vm)) {
		vm->cur.preempted = 1;
		return -EAGAIN;
	}
	vm->cur.slice_ns = 0;
	if (rc == -EINTR) {
		call_ended(vm, res);
		return timed_out(vm, interrupted, err);
	}
	if (rc) {
		call_ended(vm, res);
		return vm_host_error(err, -rc, "KVM_RUN");
	}
	if (st.v == EXIT_HOSTCALL && st.hc == 0) {
		vm->cur.parked = 1;
		res->hostcall = vm->cur.hc;
		return -EINPROGRESS;
	}
	call_ended(vm, res);
	if (st.v != EXIT_DONE)
		return -EIO;
	rc = finish_done(vm, &st.done, res, err);
	if (rc == 0)
		vm->needs_reset = 0;
	return rc;
}

static void reset_result(struct vm_call_result *res, struct vm_error *err)
{
	memset(res, 0, sizeof(*res));
	memset(err, 0, sizeof(*err));
	snprintf(res->content_type, sizeof(res->content_type),
		 "application/json");
}

static void begin_call(struct vm *vm, const struct vm_call_args *args)
{
	memset(&vm->cur, 0, sizeof(vm->cur));
	vm->cur.call_id = args->call_id;
	vm->cur.log = args->log;
	vm->cur.log_opaque = args->log_opaque;
	vm->cur.timeout_ms = args->timeout_ms;
	if (args->timeout_ms)
		vm->cur.deadline_ns =
			monotime_ns() + (uint64_t)args->timeout_ms * 1000000;
	vm->cur.sync = args->hostcall_sync;
	vm->cur.sync_opaque = args->hostcall_opaque;
	vm->cur.limits = args->hostcall_limits;
	if (args->slice_us)
		vm->cur.slice_ns =
			monotime_ns() + (uint64_t)args->slice_us * 1000;
}

int vm_call(struct vm *vm, const struct vm_call_args *args,
	    struct vm_call_result *res, struct vm_error *err)
{
	struct vm_error local;
	int rc;

	if (!err)
		err = &local;
	reset_result(res, err);
	if (!vm->pristine)
		return -EBUSY;
	if (request_size(args->request, args->input_len) >
	    vm->snap->boot.in_cap)
		return -E2BIG;
	if (args->input_len && !args->input)
		return -EINVAL;
	vm->pristine = 0;
	vm->needs_reset = 1;
	begin_call(vm, args);
	rc = write_call(vm, args);
	if (rc)
		return vm_host_error(err, -rc, "preparing the call");
	return call_continue(vm, res, err);
}

int vm_resume(struct vm *vm, int64_t result, const void *resp, size_t len,
	      struct vm_call_result *res, struct vm_error *err)
{
	struct vm_error local;
	const struct vm_hostcall_limits *l = &vm->cur.limits;

	if (!err)
		err = &local;
	reset_result(res, err);
	if (!vm->cur.parked || (len && !resp))
		return -EINVAL;
	if (len > vm->cur.hc.resp_cap) {
		result = GLINT_E_TOOBIG;
	} else if (l->out_bytes_max &&
		   (len > l->out_bytes_max ||
		    vm->cur.out_bytes > l->out_bytes_max - len)) {
		vm->cur.limited++;
		vm->cur.limited_by_op[vm->cur.hc.op]++;
		result = GLINT_E_LIMIT;
	} else if (len) {
		/* The range was checked writable when the guest stopped and
		 * the guest has not run since. */
		memcpy(vm->cur.hc.resp, resp, len);
		vm->cur.out_bytes += len;
	}
	vm->cur.parked = 0;
	vm__set_rax(vm, result);
	return call_continue(vm, res, err);
}

int vm_continue(struct vm *vm, struct vm_call_result *res, struct vm_error *err)
{
	struct vm_error local;

	if (!err)
		err = &local;
	reset_result(res, err);
	if (!vm->cur.preempted)
		return -EINVAL;
	vm->cur.preempted = 0;
	return call_continue(vm, res, err);
}

int vm_abandon(struct vm *vm, enum vm_error_kind kind, const char *message,
	       struct vm_call_result *res, struct vm_error *err)
{
	struct vm_error local;

	if (!err)
		err = &local;
	reset_result(res, err);
	if (!vm->cur.parked && !vm->cur.preempted)
		return -EINVAL;
	vm->cur.preempted = 0;
	call_ended(vm, res);
	exit_fail(err, kind, "%s", message);
	return -EIO;
}

void vm_interrupt(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->in_call) {
		vm->interrupted = 1;
		/* Set before the signal: if it lands before KVM_RUN enters
		 * the guest, KVM_RUN still returns at once. */
		((volatile struct kvm_run *)vm->run)->immediate_exit = 1;
		pthread_kill(vm->thread, deadline_signo());
	}
	pthread_mutex_unlock(&vm->lock);
}
