/* engine_internal.h: the engine's private structures, shared by its .c files. */
#ifndef GLINT_ENGINE_INTERNAL_H
#define GLINT_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "fnlog.h"
#include "imagesym.h"
#include "fnconfig.h"
#include "monotime.h"
#include "sha256.h"
#include "store.h"
#include "vm.h"
#include "worker.h"

/*
 * Ownership, all on the loop thread unless said otherwise:
 *
 *   engine ─┬─ fn (one per name, sorted list)  ── waiters (struct call)
 *           │    └─ live ─▶ fn_version ── pvm (ready list, busy list)
 *           └─ versions (every version alive, live or retired)
 *
 * A fn_version is the snapshot of one deployed image and the VMs cloned
 * from it. Replacing or deleting a function retires its version: idle VMs
 * are destroyed at once, busy ones when their call returns, and the
 * version (its snapshot) is released on a worker when its last VM is gone.
 * Worker threads only touch a pvm's VM, a call's invocation fields and the
 * immutable parts of a version (snapshot, settings, fn->name) while a job
 * on them is running.
 */

struct dlist {
	struct dlist *prev, *next;
};

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void dlist_init(struct dlist *l)
{
	l->prev = l->next = l;
}

static inline int dlist_empty(const struct dlist *l)
{
	return l->next == l;
}

static inline void dlist_insert_after(struct dlist *pos, struct dlist *n)
{
	n->prev = pos;
	n->next = pos->next;
	pos->next->prev = n;
	pos->next = n;
}

static inline void dlist_push_head(struct dlist *l, struct dlist *n)
{
	dlist_insert_after(l, n);
}

static inline void dlist_push_tail(struct dlist *l, struct dlist *n)
{
	dlist_insert_after(l->prev, n);
}

static inline void dlist_remove(struct dlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

enum pvm_state {
	PVM_CREATING,
	PVM_READY,
	PVM_BUSY,
	PVM_TRIMMING,
	PVM_DESTROYING,
};

/* One pooled VM. */
struct pvm {
	struct worker_item item; /* clone, destroy, and the return after a
	                            call's restore */
	struct dlist link;	 /* in ver->ready or ver->busy */
	struct fn_version *ver;
	struct vm *vm;
	enum pvm_state state;
	int failed; /* clone or restore failed: destroy, do not reuse */
	char err[256];
	uint64_t idle_since_ns;
	/* BUSY: the call running on it; atomic, as a worker starts the
	 * calls chained on it (chain.c). */
	struct call *call;
	/* Calls to run right after the current one (chain.c), linked by
	 * their wait_link; under e->chain_lock. */
	struct dlist chain;
	unsigned nchained;
	int chain_open; /* its call runs on a worker: more may be chained */
	uint32_t charged_mb; /* memory charged to the budget while alive */
	/* Worker, before the return: what the last restore left private,
	 * and 1 when that is worth handing back once idle (pool.c). */
	uint64_t private_bytes;
	int heavy;
};

/* Whose guest log lines these are: the opaque of engine_guest_log. */
struct guest_log_src {
	struct fn *fn;
	uint32_t version;
	struct metrics_fn *mf; /* where dropped lines are counted; NULL: not */
};

/* A kept image ("<name>@<version>.img"), for versions and rollback. */
struct fn_release {
	uint32_t version;
	int64_t deployed_at_ms;
	uint8_t sha256[SHA256_DIGEST_BYTES];
	size_t image_len;
};

struct fn_version {
	struct dlist link; /* in engine->versions */
	struct fn *fn;
	struct guest_log_src log_src;
	struct worker_item item; /* releasing the snapshot */
	uint32_t version;
	struct function_settings settings;
	struct vm_snapshot *snap;
	struct image_syms *syms; /* for crash reports; NULL: none */
	uint64_t in_cap;
	uint8_t sha256[SHA256_DIGEST_BYTES];
	size_t image_len;
	int64_t deployed_at_ms;
	uint64_t boot_ns, init_ns, snapshot_ns;
	int wasm;
	uint64_t compile_ns;
	struct dlist ready, busy;
	unsigned nready, nbusy, ncreating;
	unsigned ntrimming; /* idle VMs handing their private pages back */
	unsigned refs;	    /* VMs alive, plus one while it is fn->live */
	int retired;
	struct metrics_fn *mf; /* fn->mf when it went live; NULL: none */
	int charged; /* its snapshot is charged to the memory budget */
};

enum op_kind {
	OP_DEPLOY,
	OP_LOAD,
	OP_REMOVE,
};

/* A change to one function's deployed state; a function runs its ops one
 * at a time, in order, so its file is never written by two at once. */
struct op {
	struct worker_item item;
	struct dlist link;	/* in fn->ops while waiting */
	struct dlist boot_link; /* in engine->boot_queue while waiting */
	enum op_kind kind;
	int holds_worker;	  /* a boot: dispatched, holds a worker slot */
	struct vm_cancel *cancel; /* ends its boot's init (shutdown) */
	struct engine *e;
	struct fn *fn;
	struct guest_log_src log_src; /* the init's lines */
	struct engine_deploy *d;      /* OP_DEPLOY */
	uint8_t *image;		      /* OP_DEPLOY: our copy */
	size_t image_len;
	struct store_record rec; /* what is (or was) stored */
	/* What the boot sees and what is kept on success (prepared on the
	 * loop when the op starts, or read from disk by a load). */
	enum engine_change change;
	json_t *env; /* NULL: none */
	struct fn_secrets secrets;
	char *env_block, *sec_block;
	size_t env_len, sec_len;
	char *env_file;	    /* ENV: the JSON to store */
	char *secret_value; /* SECRET_PUT: our copy */
	size_t secret_len;
	uint8_t *sec_file;	 /* SECRET_*: the file to store */
	struct fn_release *hist; /* LOAD: read from disk */
	size_t nhist;
	uint32_t drop[8]; /* IMAGE: kept images to delete after storing */
	unsigned ndrop;
	int not_kept; /* IMAGE: stored but not kept for rollback */
	int fresh;    /* IMAGE: the name has no live version */
	size_t sec_file_len;

	/* results, written by the worker */
	enum engine_outcome outcome;
	char message[512];
	struct vm_snapshot *snap;
	struct image_syms *syms;
	struct vm *vm;
	struct vm_boot_stats stats;
	uint64_t in_cap;
	int wasm;	     /* the image is a Wasm module */
	uint64_t compile_ns; /* its translation and compile; 0 when cached */
};

/* One function name. */
struct fn {
	struct dlist link; /* in engine->fns, sorted by name */
	struct engine *e;
	char name[64];
	struct fn_version *live;
	int visible;		 /* invocations may find it */
	unsigned delete_pending; /* removes queued or running */
	struct dlist waiters;	 /* struct call, FIFO */
	unsigned nwaiters;
	unsigned nchained;	/* more queued on its VMs (chain.c); atomic */
	struct dlist run_link;	/* in engine->runnable while nwaiters > 0 */
	unsigned nrunning;	/* workers held by its calls */
	unsigned nparked;	/* calls parked on host calls (hostcall.c):
	                           their VMs count as busy, they hold no
	                           worker */
	unsigned ndeploys;	/* OP_DEPLOY ops queued or running */
	const char *blocked_by; /* budget that stopped its pool growing last,
	                           or NULL */
	struct dlist ops;	/* struct op, waiting */
	struct op *op_running;
	unsigned refs; /* versions and ops */
	uint32_t last_version;
	json_t *env;		 /* committed environment, or NULL */
	struct fn_release *hist; /* kept images, oldest first */
	size_t nhist;
	struct fn_secrets secrets; /* committed secrets */
	uint64_t counts[ENGINE_CALL_OUTCOMES];
	uint64_t avg_run_ns;
	/* Its series in /metrics, from its first version that went live
	 * until it is deleted; loop thread only. What a call or VM records
	 * goes to its version's series (fn_version.mf), which outlive a
	 * delete until the function's record is freed. */
	struct metrics_fn *mf;
	struct fnlog *log; /* recent guest lines; NULL when out of memory */
	/* guest log lines in the current second, from any worker */
	uint64_t log_sec;
	unsigned log_sec_lines;
};

/* How a worker continues a parked call. */
enum call_resume {
	RESUME_ANSWER,	 /* vm_resume with hc_result */
	RESUME_EXPIRED,	 /* the deadline passed while parked */
	RESUME_SHUTDOWN, /* glintd stops: vm_abandon */
	RESUME_PROTOCOL, /* the request was malformed: vm_abandon with
	                    hc_msg as a protocol error */
};

struct hc_op;

/* One invocation inside the engine (inv->engine_private). */
struct call {
	struct worker_item run;	   /* worker: vm_call */
	struct worker_item result; /* loop: deliver */
	struct dlist wait_link;	   /* in fn->waiters or a pvm's chain */
	struct engine *e;
	struct engine_invocation *inv;
	struct fn *fn;
	struct pvm *pvm;
	uint64_t start_ns;
	uint64_t deadline_ns; /* end of the wait for a VM and a worker */
	uint32_t timeout_ms;
	int interrupted; /* set by shutdown, read by the worker */
	int on_loop;	 /* ran on the loop thread: its result and its VM's
	                    restore go through workers_defer */
	int inline_ok;	 /* inside engine_invoke, and its caller allows
	                    done() there: a result on the loop is
	                    delivered at once (invoke.c) */

	/* Host calls (hostcall.c). A parked call holds its VM (busy, with
	 * its vCPU state) but no worker slot: from the park item until it
	 * is dispatched again it counts in e->nparked, not slots_used. */
	struct worker_item park;  /* worker -> loop: the VM parked */
	struct dlist park_link;	  /* in e->parked, then e->resumes */
	struct vm_hostcall hc;	  /* what it waits on (worker writes) */
	uint64_t run_deadline_ns; /* dispatch + timeout_ms; 0 = none */
	uint64_t wake_ns;	  /* SLEEP: when the answer is due */
	uint64_t parked_ns;	  /* when it parked */
	int64_t hc_result;	  /* the answer for vm_resume */
	enum call_resume resume;  /* how the worker continues it */
	/* FETCH and KV (hcops.c): the operation in flight on the loop
	 * (NULL when none), the response bytes for vm_resume (malloc'd,
	 * freed by the worker once copied), why a request was refused. */
	struct hc_op *hc_op;
	void *hc_resp;
	size_t hc_resp_len;
	unsigned nfetches; /* outbound requests started in this call */
	char hc_msg[256];
};

struct engine {
	uv_loop_t *loop;
	struct engine_config cfg;
	char *state_dir;
	int dirfd;
	struct vmm *vmm;
	struct metrics *metrics;
	struct workers *workers;
	struct dlist fns;
	struct dlist versions;

	/* Workers as slots (see engine.h): slots_used counts dispatched
	 * calls until their VM is back and boots until their op is done. */
	unsigned slots_total, slots_used;
	unsigned nrunnable;
	unsigned fn_slots_max, boot_slots_max, boots_running;
	struct dlist runnable;	 /* struct fn with waiters, round-robin */
	struct dlist boot_queue; /* struct op waiting for a boot slot */

	/* Budgets in force and what is charged against them. */
	struct engine_budget budget;

	/* results decided on the loop, delivered on a later iteration;
	 * linked through inv->engine_private */
	struct engine_invocation *immediate;
	struct worker_item immediate_item;
	int immediate_scheduled;

	uv_timer_t queue_timer;
	uint64_t queue_due_ns; /* 0: not armed */
	uv_timer_t idle_timer;
	uv_timer_t grace_timer;
	struct worker_item scan_item;

	/* VMs running a call or restoring after one; while exactly one is,
	 * the loop polls for its result for up to loop_poll_us instead of
	 * sleeping (0: never). */
	unsigned nvms_busy;
	unsigned loop_poll_us;
	int loop_runs;		/* short calls may run on the loop (invoke.c) */
	unsigned loop_restores; /* of nvms_busy: restores deferred on it */
	pthread_mutex_t chain_lock; /* every pvm's chain (chain.c) */
	unsigned nchained;	    /* calls chained, all functions; atomic */
	struct fn *chained_fn; /* the one function they belong to, or NULL */

	/* Parked calls (hostcall.c): waiting on a host call, then waiting
	 * for a worker to resume them; one timer for their sleeps and
	 * deadlines. */
	struct dlist parked, resumes;
	unsigned nparked;
	uv_timer_t park_timer;
	uint64_t park_due_ns; /* 0: not armed */

	/* What host calls reach (services.c): open from engine_create until
	 * the last call has ended in shutdown. */
	struct kv *kv;
	struct fetch *fetch;

	int scan_done;
	unsigned loads_pending;
	unsigned npvms, ncalls, nops; /* alive, for shutdown */
	unsigned ndestroying;	      /* VMs being torn down */
	unsigned ndeferred;	      /* deploy callbacks not yet run */

	int shutting_down;
	int shutdown_finished;
	unsigned handles_open;
	void (*shutdown_cb)(void *);
	void *shutdown_opaque;
};

/* engine.c */
void engine_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void engine_finish_now(struct engine *e, struct engine_invocation *inv,
		       enum engine_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct fn *engine_fn_find(struct engine *e, const char *name);
struct fn *engine_fn_get(struct engine *e, const char *name);
void engine_fn_maybe_free(struct fn *fn);
void engine_fn_went_live(struct fn *fn);     /* creates its metrics series */
void engine_fn_series_retire(struct fn *fn); /* deleted: out of /metrics */
void engine_check_shutdown(struct engine *e);
void engine_guest_log(void *opaque, uint64_t call_id, int level,
		      const char *line, size_t len);
/* Writes the calling thread's batch of guest lines; after every call or
 * boot that may have logged. */
void engine_guest_log_flush(void);
/* Lines the guest itself dropped (its log buffer was full): counted with
 * the host's drops in the call's one summary line and the metric. */
void engine_guest_log_dropped(const struct guest_log_src *src, uint64_t call_id,
			      uint32_t lines);

/* budget.c: limits derived at start, charges and deploy admission */
int budget_init(struct engine *e, char *err, size_t err_len);
unsigned budget_warm_of(const struct function_settings *s);
int budget_admit_deploy(struct engine *e, const struct fn *fn,
			const struct function_settings *s, char *msg,
			size_t msg_len);
int budget_fit_load(struct engine *e, struct fn *fn,
		    struct function_settings *s, char *msg, size_t msg_len);
const char *budget_vm_blocker(const struct engine *e, uint32_t memory_mb);
void budget_charge_vm(struct engine *e, int sign, uint32_t memory_mb);

/* pool.c: VMs of each version */
void pool_retire(struct fn_version *ver);
void pool_version_unref(struct fn_version *ver);
void pool_top_up(struct fn_version *ver);
/* One more VM, cloned on a worker; -ENOSPC (fn->blocked_by set) when a
 * budget has no room, after asking an idle VM elsewhere to make some. */
int pool_spawn(struct fn_version *ver);
void pool_add_booted(struct fn_version *ver, struct vm *vm);
void pool_vm_returned(struct worker_item *it); /* after a call's restore */
void pool_reclaim_idle(struct engine *e);
void pool_interrupt_all(struct engine *e);
void pool_publish(struct fn *fn);

/* Calls of fn waiting to start: in its queue or chained on a VM. */
static inline unsigned fn_queued(const struct fn *fn)
{
	return fn->nwaiters + __atomic_load_n(&fn->nchained, __ATOMIC_RELAXED);
}

/* VMs of ver that exist or are being made. */
static inline unsigned pool_vm_count(const struct fn_version *ver)
{
	return ver->nready + ver->nbusy + ver->ncreating + ver->ntrimming;
}

/* invoke.c: calls and their wait queue */
/* Worker slots free: boots first (bounded), then calls round-robin. */
void engine_dispatch(struct engine *e);
void invoke_release_slot(struct fn *fn); /* a call's VM is back */
void pool_serve_waiters(struct fn *fn);
void pool_grow_blocked(struct engine *e); /* budget room was freed */
void pool_fail_waiters(struct fn *fn, enum engine_outcome o, const char *msg);
void pool_expire_waiters(struct engine *e);
/* The outcome of a vm_call that returned ret < 0 with err: the guest's
 * faults are ENGINE_GUEST_CRASHED, KVM's and the host's ENGINE_INTERNAL;
 * interrupted: the engine stopped the call (shutdown). */
enum engine_outcome invoke_error_outcome(int ret, const struct vm_error *err,
					 int interrupted);
/* Retry-After seconds for a full queue: 1..60, growing with the queue. */
unsigned invoke_retry_after(unsigned nwaiters, uint64_t avg_run_ns,
			    uint32_t max_concurrency);

/* The wait queue, for chain.c: a call leaves it, or goes back to its
 * head; invoke_prepare readies a call to run on p (loop),
 * invoke_started marks it running (the thread that runs it). */
void invoke_waiter_remove(struct fn *fn, struct call *c);
void invoke_waiter_requeue(struct fn *fn, struct call *c);
void invoke_prepare(struct call *c, struct pvm *p);
void invoke_started(struct call *c);

/* chain.c: calls queued on a VM at work, run by its worker next. */
/* Loop: p goes to a worker, and may take chained calls. */
void chain_open(struct pvm *p);
/* Loop, whenever calls queued: chains the one waiting function's calls,
 * or, if another one waits too, puts every chained call back. */
void chain_attach(struct engine *e);
/* Worker, p restored: the call to run on it next, started (p->call is
 * it), or NULL with p's chain closed: p then goes back to the loop. */
struct call *chain_next(struct pvm *p);
/* Worker: p runs no further call of this dispatch (it parks, or its
 * restore failed); the loop takes back what is chained. */
void chain_close(struct pvm *p);
/* Loop: chained calls back at the head of their wait queue, in order:
 * p's; those on fn's live VMs; fn's on any version (every function's
 * when fn is NULL). An open chain stays open. */
void chain_reclaim(struct pvm *p);
void chain_reclaim_fn(struct fn *fn);
void chain_reclaim_all(struct engine *e, const struct fn *fn);
/* Loop: the chained calls back in their queue if their function has a
 * ready VM and may_run says it may take a worker now. */
void chain_reclaim_servable(struct engine *e,
			    int (*may_run)(const struct fn *fn));

/* hostcall.c: host calls and parked calls */
/* Synchronous operations on the worker (vm_hostcall_fn; opaque = call). */
int hostcall_sync(void *opaque, const struct vm_hostcall *hc, int64_t *result);
void hostcall_parked(struct worker_item *it); /* loop: c->park */
/* Worker, at the call's end: its host calls refused by a limit. */
void hostcall_count_limited(struct call *c, const struct vm_call_result *res);
void hostcall_interrupt_all(struct engine *e); /* shutdown: abandon all */
/* invoke.c: continue a parked call on a worker (it holds a slot again). */
void invoke_resume(struct call *c);
/* The oldest call in e->resumes whose function may have a worker now,
 * taken off the list (nparked counts it no more), or NULL. */
struct call *hostcall_next_resume(struct engine *e,
				  int (*can_run)(const struct fn *fn));

/* hcops.c: FETCH and KV host calls on the loop. Starts c's operation:
 * returns 1 when it is in flight (its answer calls hostcall_answered
 * later), 0 when c->hc_result (or c->resume = RESUME_PROTOCOL) already
 * holds the answer. */
int hcops_start(struct call *c);
/* The call stops waiting (deadline, shutdown): its operation is
 * cancelled or left to finish harmlessly; c is not touched again. */
void hcops_detach(struct call *c);
/* Checks a function's allow_fetch list as the client will read it:
 * 0, or -EINVAL with err naming the bad entry. */
int hcops_check_allow_fetch(const char *list, char *err, size_t err_len);
/* hostcall.c: c's operation answered (hc_result, hc_resp set). */
void hostcall_answered(struct call *c);

/* services.c: the key-value store and the outbound HTTP client */
int services_open(struct engine *e, char *err, size_t err_len);
void services_close(struct engine *e); /* after the last call ended */

/* deploy.c (deploy_internal.h: what its split files share) */
void deploy_run_next(struct fn *fn);
void deploy_start_load(struct engine *e, const char *name);
void deploy_cancel_pending(struct fn *fn);
/* Ends the init of fn's running boot, if any (shutdown): it fails with
 * ENGINE_UNAVAILABLE instead of running to its init timeout. */
void deploy_interrupt_running(struct fn *fn);
int deploy_boot_next(struct engine *e); /* 1 when a boot was dispatched */
/* deploy_describe.c */
json_t *deploy_describe_version(const struct fn_version *ver);

#endif /* GLINT_ENGINE_INTERNAL_H */
