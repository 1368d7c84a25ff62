/* vm.h: micro-VMs of one function: boot to a snapshot, call, restore, clone. */
#ifndef GLINT_VM_H
#define GLINT_VM_H

#include <stddef.h>
#include <stdint.h>

#include "glint_abi.h"
#include "image.h"

/*
 * Lifecycle:
 *
 *   vmm_open()                      once per process (/dev/kvm, capabilities)
 *   vm_boot(image, config)          runs the guest's init to READY and takes
 *                                   the snapshot; also returns the booted VM
 *   vm_clone(snapshot)              more VMs from the snapshot, no init
 *   vm_call(vm, input) -> result    one KVM_RUN (plus host calls)
 *   ...reply with result.output...  valid until vm_restore()
 *   vm_restore(vm)                  back to the snapshot, ready for a call
 *   vm_destroy(vm), vm_snapshot_unref(snapshot)
 *
 * Threads: a struct vm is used by one thread at a time (any thread); the
 * caller serialises vm_call/vm_restore/vm_destroy. vm_interrupt() may be
 * called from any thread at any time while the VM exists. Snapshots are
 * immutable and reference counted; vm_clone() is thread-safe.
 *
 * Signals: the VMM owns SIGRTMIN + 5. Its handler is installed (without
 * SA_RESTART) by the first vm_boot/vm_call; each calling thread unblocks
 * it and gets a POSIX timer for deadlines, deleted when the thread exits.
 * Nothing else in the process may use that signal.
 *
 * Errors: functions return 0 or a negative errno. Failures that the guest
 * caused, or that a caller should show to a user, also fill struct vm_error
 * with a kind and a one-line message. Nothing the guest does can crash,
 * block or leak in the host; after any vm_call() outcome, vm_restore()
 * makes the VM pristine again.
 */

struct vmm;
struct vm;
struct vm_snapshot;

enum vm_error_kind {
	VM_ERR_NONE = 0,
	VM_ERR_EXCEPTION,    /* guest CPU exception: vector, rip, addr */
	VM_ERR_TRIPLE_FAULT, /* KVM_EXIT_SHUTDOWN */
	VM_ERR_ABORT,	     /* guest called abort; message is its text */
	VM_ERR_TIMEOUT,	     /* deadline passed or vm_interrupt() */
	VM_ERR_OUTPUT_TOO_LARGE,
	VM_ERR_PROTOCOL, /* unknown port, bad length, exit at the wrong time */
	VM_ERR_HOST,  /* KVM or host resources failed (errno in host_errno) */
	VM_ERR_IMAGE, /* image does not fit this configuration */
	VM_ERR_RESPONSE, /* invalid status or response header; the message
	                    names it */
};

struct vm_error {
	enum vm_error_kind kind;
	int host_errno;	     /* VM_ERR_HOST: the errno that failed */
	uint8_t vector;	     /* VM_ERR_EXCEPTION: x86 vector (14 = #PF) */
	uint32_t error_code; /* VM_ERR_EXCEPTION: error code or 0 */
	uint64_t rip;	     /* EXCEPTION / TRIPLE_FAULT: faulting rip */
	uint64_t addr;	     /* #PF: CR2 */
	char message[256];   /* always set when kind != VM_ERR_NONE */
};

/* Short stable name of a kind: "exception", "timeout", ... */
const char *vm_error_kind_name(enum vm_error_kind kind);

struct vm_config {
	uint64_t mem_bytes;	   /* GLINT_MEM_MIN_BYTES..GLINT_MEM_MAX_BYTES,
	                              a multiple of 4 KiB */
	uint64_t stack_bytes;	   /* multiple of 4 KiB */
	uint64_t input_max_bytes;  /* input area size */
	uint64_t output_max_bytes; /* output area size */
	uint32_t init_timeout_ms;  /* limit on the guest's init in vm_boot */
	/* Environment and secrets blocks ("NAME=VALUE\0"... ended by an
	 * empty entry, see glint_boot_info), copied into guest memory by
	 * vm_boot; NULL/0 = empty. The snapshot keeps no pointer to them:
	 * vm_snapshot_config() returns them as NULL/0. */
	const char *env;
	size_t env_bytes;
	const char *secrets;
	size_t secrets_bytes;
};

/* Fills cfg with the defaults for a VM of mem_bytes bytes. */
void vm_config_default(struct vm_config *cfg, uint64_t mem_bytes);

/* Checks cfg; on failure returns -EINVAL and says why in err. */
int vm_config_check(const struct vm_config *cfg, char *err, size_t err_len);

/* Guest log lines: called on the calling thread of vm_call/vm_boot, once per
 * line, with a sanitised line (printable ASCII, no newline, <= 1 KiB).
 * level is 0-7 (syslog levels; 6 = info when the guest gave none). */
typedef void (*vm_log_fn)(void *opaque, uint64_t call_id, int level,
			  const char *line, size_t len);

/* ---- process-wide KVM handle ----------------------------------------- */

/* Opens /dev/kvm, checks the API version and every capability glint relies
 * on. On failure returns a negative errno and writes a message naming what
 * is missing into err. */
int vmm_open(struct vmm **out, char *err, size_t err_len);
void vmm_close(struct vmm *vmm); /* after every VM is destroyed; NULL ok */

/* ---- boot and snapshot ----------------------------------------------- */

struct vm_boot_stats {
	uint64_t create_ns;	/* VM, memory, vCPU, page tables, image load */
	uint64_t init_ns;	/* running the guest's init to READY */
	uint64_t snapshot_ns;	/* taking the snapshot */
	uint64_t touched_pages; /* pages written before READY */
};

/* Boots img with cfg: builds memory, runs the SDK start-up and the
 * function's init hook until READY, and snapshots. On success *snap_out
 * holds one reference and *vm_out (if vm_out is not NULL) is a VM ready for
 * vm_call. log receives the init's log lines (call_id 0). */
int vm_boot(struct vmm *vmm, const struct image *img,
	    const struct vm_config *cfg, vm_log_fn log, void *log_opaque,
	    struct vm_snapshot **snap_out, struct vm **vm_out,
	    struct vm_boot_stats *stats, struct vm_error *err);

/*
 * Ending a boot from another thread (shutdown, undeploy). vm_boot's init
 * runs with no struct vm the caller could pass to vm_interrupt(), so a
 * boot that must be stoppable takes a cancel handle:
 *
 *   vm_cancel_create(&c);                          owner thread
 *   vm_boot_cancellable(..., c, ...)               boot thread
 *   vm_cancel_fire(c);                             any thread, any time
 *   ...after vm_boot_cancellable returned...
 *   vm_cancel_destroy(c);
 *
 * A fire ends a running init within tens of microseconds, as
 * vm_interrupt() ends a call, and makes every later boot with c fail at
 * once (a fired handle stays fired): vm_boot_cancellable then returns
 * -ECANCELED with VM_ERR_TIMEOUT and "init interrupted by the host". A
 * boot whose init already signalled READY completes normally. One boot
 * at a time per handle. Image validation needs no cancelling: its work is
 * bounded by a constant (image.h).
 */
struct vm_cancel;
int vm_cancel_create(struct vm_cancel **out); /* 0 or -ENOMEM */
void vm_cancel_fire(struct vm_cancel *c);     /* any thread */
/* 1 while a vm_boot_cancellable() with c is running the guest's init. */
int vm_cancel_booting(struct vm_cancel *c);
void vm_cancel_destroy(struct vm_cancel *c); /* NULL ok; no boot using c */

/* vm_boot that vm_cancel_fire(cancel) can end (cancel NULL: vm_boot). */
int vm_boot_cancellable(struct vmm *vmm, const struct image *img,
			const struct vm_config *cfg, struct vm_cancel *cancel,
			vm_log_fn log, void *log_opaque,
			struct vm_snapshot **snap_out, struct vm **vm_out,
			struct vm_boot_stats *stats, struct vm_error *err);

void vm_snapshot_ref(struct vm_snapshot *snap);
void vm_snapshot_unref(struct vm_snapshot *snap); /* NULL ok */
const struct vm_config *vm_snapshot_config(const struct vm_snapshot *snap);
/* Guest layout the snapshot was built with (plain data). */
const struct glint_boot_info *vm_snapshot_layout(const struct vm_snapshot *s);

/* A new VM from the snapshot, sharing its memory copy-on-write. */
int vm_clone(struct vm_snapshot *snap, struct vm **out, struct vm_error *err);

/* ---- calls ------------------------------------------------------------ */

/* A host call the guest made (GLINT_PORT_HOSTCALL), already checked: op is
 * known, the request lies in memory the guest may read and is well formed
 * for op (glint_abi.h), the response range in memory it may write. */
struct vm_hostcall {
	enum glint_hostcall_op op;
	const void *req; /* the request in guest memory: valid until the VM
	                    runs again (vm_resume) or is restored */
	size_t req_len;
	void *resp; /* the response range in guest memory, same lifetime */
	size_t resp_cap;
};

/* Synchronous host calls: called on vm_call's thread inside the call, with
 * the guest stopped. Returns 1 after writing at most hc->resp_cap bytes to
 * hc->resp and setting *result (bytes written or a negative enum
 * glint_error): the guest continues at once, for the price of one exit.
 * Returns 0 when the operation must wait: vm_call/vm_resume then return
 * -EINPROGRESS and the VM is parked. */
typedef int (*vm_hostcall_fn)(void *opaque, const struct vm_hostcall *hc,
			      int64_t *result);

/* Per-call host-call limits; 0 = unlimited. A host call beyond them is not
 * performed: the guest gets GLINT_E_LIMIT and may carry on. */
struct vm_hostcall_limits {
	uint32_t calls_max;	/* host calls per call */
	uint64_t in_bytes_max;	/* request bytes, summed over the call */
	uint64_t out_bytes_max; /* response bytes, summed over the call */
};

/* A byte string (not NUL-terminated). */
struct vm_str {
	const char *p;
	size_t len;
};

struct vm_kv {
	struct vm_str name, value;
};

/* What the guest sees of an HTTP request besides the body (see struct
 * glint_request). Borrowed for the duration of vm_call only. */
struct vm_request {
	struct vm_str method, path_raw, path, query_raw;
	struct vm_str client_addr, scheme, request_id;
	unsigned client_port;
	const struct vm_kv *headers; /* arrival order, repeats kept */
	size_t nheaders;
	const struct vm_kv *query; /* decoded parameters, in order */
	size_t nquery;
};

struct vm_call_args {
	const struct vm_request *request; /* NULL: the raw body only,
	                                     which the SDK sees as a POST */
	const void *input;		  /* the body */
	size_t input_len;
	uint64_t call_id;    /* shown to the guest and passed to log */
	uint32_t timeout_ms; /* 0 = no deadline */
	/* 0, or how long this thread may run the guest before vm_call
	 * returns -EAGAIN with the call preempted (see vm_continue) */
	uint32_t slice_us;
	vm_log_fn log; /* NULL: guest log lines are discarded */
	void *log_opaque;
	/* Host calls: NULL sync = every valid host call parks the VM. */
	vm_hostcall_fn hostcall_sync;
	void *hostcall_opaque;
	struct vm_hostcall_limits hostcall_limits;
};

struct vm_call_result {
	enum glint_status status; /* OK: output is the body;
	                             ERROR: output is the function's message */
	const uint8_t *output;	  /* points into guest memory; valid until
	                             vm_restore() or vm_destroy() */
	size_t output_len;
	char content_type[GLINT_CONTENT_TYPE_MAX]; /* never empty */
	unsigned http_status; /* checked: 100-599 except 101; 200 if unset */
	const uint8_t *head;  /* checked response headers in guest memory,
	                         valid like output; read with
	                         vm_result_header() */
	uint32_t head_bytes;
	uint32_t nheaders;
	uint64_t run_ns; /* time inside KVM_RUN, all exits and host calls
	                    answered in place included; not time parked */
	uint32_t exits;	 /* VM exits during the call (1 when no host calls) */
	uint32_t log_lines;
	uint32_t log_dropped;
	uint32_t diag;	    /* GLINT_DIAG_* bits the guest set (glint_abi.h) */
	uint32_t hostcalls; /* host calls the guest made */
	uint32_t hostcalls_limited; /* of those, refused with GLINT_E_LIMIT */
	uint32_t limited_by_op[GLINT_HOSTCALL_OP_COUNT]; /* the same by op */
	/* -EINPROGRESS: the host call the parked VM waits on */
	struct vm_hostcall hostcall;
};

/* Runs one call. Returns 0 when the guest finished the call (status OK or
 * ERROR, see res); returns -EIO when the call failed and err says how
 * (exception, abort, timeout, ...); other negative errnos for bad arguments
 * (-E2BIG: input larger than the input area; -EBUSY: VM not restored). */
int vm_call(struct vm *vm, const struct vm_call_args *args,
	    struct vm_call_result *res, struct vm_error *err);

/*
 * Parking. vm_call (and vm_resume) return -EINPROGRESS when the guest made
 * a host call that args->hostcall_sync did not complete: res->hostcall says
 * what it asks, the VM keeps its vCPU state and waits, holding no thread.
 * The call's deadline (args->timeout_ms from the start of vm_call) keeps
 * running. Then, on any thread, exactly one of:
 *
 *   vm_resume(vm, result, resp, len, res, err)   the answer: resp (len
 *       bytes, <= hostcall.resp_cap) is copied to the guest's response
 *       range, rax = result, and the same call continues; returns as
 *       vm_call does (0, -EIO, or -EINPROGRESS again). A deadline that
 *       passed while parked ends the call as VM_ERR_TIMEOUT at once.
 *   vm_abandon(vm, kind, message, res, err)      ends the call without
 *       running the guest again (deadline, shutdown, a failed operation):
 *       returns -EIO with err = kind and message; the guest's log lines
 *       are delivered as for any ending call.
 *   vm_restore(vm) / vm_destroy(vm)              drop it silently.
 *
 * Result bytes written count against the out-bytes limit: a resp larger
 * than what is left gives the guest GLINT_E_LIMIT instead. vm_interrupt()
 * does not reach a parked VM (no thread runs it): abandon it instead.
 */
int vm_resume(struct vm *vm, int64_t result, const void *resp, size_t len,
	      struct vm_call_result *res, struct vm_error *err);
int vm_abandon(struct vm *vm, enum vm_error_kind kind, const char *message,
	       struct vm_call_result *res, struct vm_error *err);

/*
 * Preemption. With args->slice_us set, a call still running slice_us after
 * vm_call began (and before its own deadline) is stopped and vm_call
 * returns -EAGAIN: the VM keeps its vCPU state, like a parked one, so that
 * a thread which must not be held long (an event loop) can run short calls
 * itself and hand long ones on. Then, on any thread, exactly one of
 * vm_continue (the same call runs on without a slice, under its own
 * deadline, and returns as vm_call does), vm_abandon, or vm_restore /
 * vm_destroy. The time the VM waited counts against the deadline.
 */
int vm_continue(struct vm *vm, struct vm_call_result *res,
		struct vm_error *err);

/* Response headers of a successful call, in the order the function set
 * them: set *cursor to 0, then each call returns 1 and the next header
 * (valid RFC 9110 name and value, no framing header), 0 at the end. */
int vm_result_header(const struct vm_call_result *res, uint32_t *cursor,
		     struct vm_str *name, struct vm_str *value);

struct vm_restore_stats {
	uint64_t restore_ns;	/* host time this restore took, after the call
	                         and outside its deadline: charge it to the
	                         function (0 when the VM was already pristine) */
	uint32_t dirty_pages;	/* pages copied back from the snapshot */
	int full_copy;		/* 1 for a whole-copy restore: every private
	                           page copied back, dirty_pages of them */
	uint32_t dropped_pages; /* private pages handed back to the snapshot
	                           (MADV_DONTNEED) on entering whole-copy
	                           mode: the function faults them in again if
	                           it touches them, inside its own run time */
	uint64_t private_bytes; /* vm_private_bytes() after this restore */
};

/* Rolls the VM back to its snapshot. Safe after any call outcome. Its cost
 * follows the pages the calls write, not the VM's size. While calls dirty
 * up to 64 pages, the dirty pages (KVM's dirty log) are copied back, about
 * 1 us each, and stay private to the VM. A call that dirties more puts the
 * VM in whole-copy mode: the private pages that call did not write are
 * handed back to the snapshot, dirty logging goes off (the guest's writes
 * cost no fault), and each restore copies back every page the VM holds
 * privately, i.e. the pages its calls wrote (found by PAGEMAP_SCAN, Linux
 * >= 6.7; older kernels copy all of RAM). The log is tried again after 64
 * calls, or sooner when the private set doubles. Pages never written stay
 * shared with the snapshot. stats->restore_ns is host time after the
 * call, outside its deadline: charge it to the function. Returns 0, or a
 * negative errno when the VM can no longer be used (the caller should
 * destroy it). */
int vm_restore(struct vm *vm, struct vm_restore_stats *stats);

/* Bytes of guest RAM the VM holds privately, i.e. pages it does not share
 * with its snapshot (and so with the function's other VMs), as counted at
 * the end of the last vm_restore() or vm_trim(): an upper bound then, and
 * exact unless a restore copied a page the guest had not written. While a
 * call runs the VM may hold up to its mem_bytes more than this. The
 * snapshot's own memory (shared by all its VMs) is not included. Any
 * thread, any time while the VM exists; costs one relaxed atomic load. */
uint64_t vm_private_bytes(const struct vm *vm);

/* Hands every private page of a restored VM back to the snapshot
 * (MADV_DONTNEED), so that an idle VM costs no memory of its own; its
 * contents do not change. Meant for an idle-reclaim timer. Its cost follows
 * the private pages (`vmbench -m restore` measures it); the next call
 * faults the dropped pages it touches in again, inside its own run time
 * (a small call: tens of microseconds more). Same thread rules as
 * vm_restore(). Returns 0 and (if released is not NULL) the bytes
 * released; -EBUSY when the VM is not restored (a call ran since the last
 * vm_restore()); another negative errno when the VM can no longer be used
 * (destroy it). Costs nothing when vm_private_bytes() is 0. */
int vm_trim(struct vm *vm, uint64_t *released);

/* Stops the vm_call running on vm, if any, within tens of microseconds; it
 * returns -EIO with VM_ERR_TIMEOUT. A call that starts after vm_interrupt()
 * returned is not affected. Any thread; not async-signal-safe. */
void vm_interrupt(struct vm *vm);

void vm_destroy(struct vm *vm); /* NULL ok */

struct vm_snapshot *vm_get_snapshot(struct vm *vm); /* borrowed */

#endif /* GLINT_VM_H */
