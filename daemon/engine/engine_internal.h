/* engine_internal.h: the engine's private structures, shared by its .c files. */
#ifndef GLINT_ENGINE_INTERNAL_H
#define GLINT_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
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
	struct call *call; /* BUSY: the call running on it */
};

struct fn_version {
	struct dlist link; /* in engine->versions */
	struct fn *fn;
	struct worker_item item; /* releasing the snapshot */
	uint32_t version;
	struct function_settings settings;
	struct vm_snapshot *snap;
	uint64_t in_cap;
	uint8_t sha256[SHA256_DIGEST_BYTES];
	size_t image_len;
	int64_t deployed_at_ms;
	uint64_t boot_ns, init_ns, snapshot_ns;
	int wasm;
	uint64_t compile_ns;
	struct dlist ready, busy;
	unsigned nready, nbusy, ncreating;
	unsigned refs; /* VMs alive, plus one while it is fn->live */
	int retired;
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
	struct dlist link; /* in fn->ops while waiting */
	enum op_kind kind;
	struct engine *e;
	struct fn *fn;
	struct engine_deploy *d; /* OP_DEPLOY */
	uint8_t *image;		 /* OP_DEPLOY: our copy */
	size_t image_len;
	struct store_record rec; /* what is (or was) stored */

	/* results, written by the worker */
	int status;
	char code[32];
	char message[512];
	struct vm_snapshot *snap;
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
	struct dlist ops; /* struct op, waiting */
	struct op *op_running;
	unsigned refs; /* versions and ops */
	uint32_t last_version;
	uint64_t counts[ENGINE_OUTCOME_COUNT];
	uint64_t avg_run_ns;
	struct metrics_fn *mf;
	/* guest log lines in the current second, from any worker */
	uint64_t log_sec;
	unsigned log_sec_lines;
};

/* One invocation inside the engine (inv->engine_private). */
struct call {
	struct worker_item run;	   /* worker: vm_call */
	struct worker_item result; /* loop: deliver */
	struct dlist wait_link;	   /* in fn->waiters while queued */
	struct engine *e;
	struct engine_invocation *inv;
	struct fn *fn;
	struct pvm *pvm;
	uint64_t start_ns;
	uint64_t deadline_ns; /* end of the queue wait */
	uint32_t timeout_ms;
	int interrupted; /* set by shutdown, read by the worker */
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

	int scan_done;
	unsigned loads_pending;
	unsigned npvms, ncalls, nops; /* alive, for shutdown */
	unsigned ndeferred;	      /* deploy callbacks not yet run */

	int shutting_down;
	int shutdown_finished;
	unsigned handles_open;
	void (*shutdown_cb)(void *);
	void *shutdown_opaque;
};

/* engine.c */
uint64_t engine_now_ns(void);
void engine_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void engine_finish_now(struct engine *e, struct engine_invocation *inv,
		       enum engine_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct fn *engine_fn_find(struct engine *e, const char *name);
struct fn *engine_fn_get(struct engine *e, const char *name);
void engine_fn_maybe_free(struct fn *fn);
void engine_fn_went_live(struct fn *fn); /* creates its metrics series */
void engine_check_shutdown(struct engine *e);
void engine_guest_log(void *opaque, uint64_t call_id, int level,
		      const char *line, size_t len);
/* Writes the calling thread's batch of guest lines; after every call or
 * boot that may have logged. */
void engine_guest_log_flush(void);

/* pool.c: VMs of each version */
void pool_retire(struct fn_version *ver);
void pool_version_unref(struct fn_version *ver);
void pool_top_up(struct fn_version *ver);
int pool_spawn(struct fn_version *ver); /* one more VM, cloned on a worker */
void pool_add_booted(struct fn_version *ver, struct vm *vm);
void pool_vm_returned(struct worker_item *it); /* after a call's restore */
void pool_reclaim_idle(struct engine *e);
void pool_interrupt_all(struct engine *e);
void pool_publish(struct fn *fn);

/* VMs of ver that exist or are being made. */
static inline unsigned pool_vm_count(const struct fn_version *ver)
{
	return ver->nready + ver->nbusy + ver->ncreating;
}

/* invoke.c: calls and their wait queue */
void invoke_start(struct call *c, struct pvm *p); /* c runs on p */
void pool_serve_waiters(struct fn *fn);
void pool_fail_waiters(struct fn *fn, enum engine_outcome o, const char *msg);
void pool_expire_waiters(struct engine *e);

/* deploy.c */
void deploy_run_next(struct fn *fn);
void deploy_start_load(struct engine *e, const char *name);
void deploy_cancel_pending(struct fn *fn);
json_t *deploy_describe_version(const struct fn_version *ver);

#endif /* GLINT_ENGINE_INTERNAL_H */
