/* pool.c: per-function VM pools: versions, VMs made, kept warm, reclaimed. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "log.h"
#include "metrics.h"

#define TRIM_IDLE_MS 1000

static void pvm_make_ready(struct pvm *p);
static void pvm_destroy(struct pvm *p);

void pool_publish(struct fn *fn)
{
	struct fn_version *v = fn->live;

	if (fn->mf == NULL)
		return;
	metrics_pool_set(fn->mf, v ? v->nready : 0, v ? v->nbusy : 0,
			 fn_queued(fn));
}

/* ---- versions ---------------------------------------------------------- */

static void version_released(struct worker_item *it)
{
	struct fn_version *ver = container_of(it, struct fn_version, item);
	struct fn *fn = ver->fn;
	struct engine *e = fn->e;

	dlist_remove(&ver->link);
	if (ver->charged)
		e->budget.memory_mb -= ver->settings.memory_mb;
	image_syms_free(ver->syms);
	free(ver);
	fn->refs--;
	engine_fn_maybe_free(fn);
	engine_check_shutdown(e);
}

static void version_release_run(struct worker_item *it)
{
	struct fn_version *ver = container_of(it, struct fn_version, item);

	vm_snapshot_unref(ver->snap);
	ver->snap = NULL;
	ver->item.fn = version_released;
	workers_post(ver->fn->e->workers, &ver->item);
}

void pool_version_unref(struct fn_version *ver)
{
	if (--ver->refs > 0)
		return;
	/* Unmapping a snapshot is teardown: keep it off the loop. */
	ver->item.fn = version_release_run;
	workers_submit(ver->fn->e->workers, &ver->item, 0);
}

void pool_retire(struct fn_version *ver)
{
	struct fn *fn = ver->fn;

	if (ver->retired)
		return;
	ver->retired = 1;
	while (!dlist_empty(&ver->ready)) {
		struct pvm *p = container_of(ver->ready.next, struct pvm, link);

		dlist_remove(&p->link);
		ver->nready--;
		pvm_destroy(p);
	}
	if (fn->live == ver)
		fn->live = NULL;
	pool_version_unref(ver); /* the live reference */
	pool_publish(fn);
}

/* ---- VMs --------------------------------------------------------------- */

static void pvm_destroyed(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct engine *e = p->ver->fn->e;

	budget_charge_vm(e, -1, p->charged_mb);
	pool_version_unref(p->ver);
	free(p);
	e->npvms--;
	e->ndestroying--;
	/* The budget has room again for a pool that could not grow. */
	if (!e->shutting_down)
		pool_grow_blocked(e);
	engine_check_shutdown(e);
}

static void pvm_destroy_run(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);

	vm_destroy(p->vm);
	p->vm = NULL;
	metrics_vm_destroyed_inc(p->ver->mf);
	p->item.fn = pvm_destroyed;
	workers_post(p->ver->fn->e->workers, &p->item);
}

static void pvm_destroy(struct pvm *p)
{
	p->state = PVM_DESTROYING;
	p->ver->fn->e->ndestroying++;
	if (p->vm == NULL) {
		p->item.fn = pvm_destroyed;
		workers_post(p->ver->fn->e->workers, &p->item);
		return;
	}
	p->item.fn = pvm_destroy_run;
	workers_submit(p->ver->fn->e->workers, &p->item, 0);
}

static struct pvm *pvm_new(struct fn_version *ver)
{
	struct pvm *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	dlist_init(&p->link);
	dlist_init(&p->chain);
	p->ver = ver;
	p->charged_mb = ver->settings.memory_mb;
	budget_charge_vm(ver->fn->e, 1, p->charged_mb);
	ver->refs++;
	ver->fn->e->npvms++;
	return p;
}

static void pvm_created(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct fn_version *ver = p->ver;
	struct fn *fn = ver->fn;

	ver->ncreating--;
	if (p->failed) {
		engine_log(LOG_LEVEL_ERROR,
			   "function %s: cannot create a VM: %s", fn->name,
			   p->err);
		/* Nobody else will serve the queue if no VM exists at all. */
		if (!ver->retired && fn->live == ver &&
		    ver->nready + ver->nbusy + ver->ncreating == 0)
			pool_fail_waiters(fn, ENGINE_INTERNAL,
					  "could not create a VM for the call");
		pvm_destroy(p);
		return;
	}
	metrics_vm_created_inc(ver->mf);
	pvm_make_ready(p);
}

static void pvm_clone_run(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct vm_error err = {0};
	int ret;

	ret = vm_clone(p->ver->snap, &p->vm, &err);
	if (ret < 0) {
		p->failed = 1;
		p->vm = NULL;
		snprintf(p->err, sizeof(p->err), "%s",
			 err.kind ? err.message : strerror(-ret));
	}
	p->item.fn = pvm_created;
	workers_post(p->ver->fn->e->workers, &p->item);
}

/* Destroys the longest-idle VM above its function's min_warm, other than
 * skip's, to make room in the budgets; 0 when there is none. */
static int reclaim_one(struct engine *e, const struct fn_version *skip)
{
	struct pvm *victim = NULL;

	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn_version *ver = container_of(l, struct fn, link)->live;
		struct pvm *p;

		if (ver == NULL || ver == skip || dlist_empty(&ver->ready) ||
		    pool_vm_count(ver) <= ver->settings.min_warm)
			continue;
		p = container_of(ver->ready.prev, struct pvm, link);
		if (victim == NULL || p->idle_since_ns < victim->idle_since_ns)
			victim = p;
	}
	if (victim == NULL)
		return 0;
	dlist_remove(&victim->link);
	victim->ver->nready--;
	pool_publish(victim->ver->fn);
	pvm_destroy(victim);
	return 1;
}

int pool_spawn(struct fn_version *ver)
{
	struct engine *e = ver->fn->e;
	const char *blocker = budget_vm_blocker(e, ver->settings.memory_mb);
	struct pvm *p;

	if (blocker) {
		/* Room comes back when a teardown finishes (pvm_destroyed);
		 * one in flight at a time is enough to keep things moving. */
		if (e->ndestroying == 0)
			reclaim_one(e, ver);
		ver->fn->blocked_by = blocker;
		return -ENOSPC;
	}
	ver->fn->blocked_by = NULL;
	p = pvm_new(ver);
	if (p == NULL)
		return -ENOMEM;
	p->state = PVM_CREATING;
	ver->ncreating++;
	p->item.fn = pvm_clone_run;
	workers_submit(ver->fn->e->workers, &p->item, 0);
	return 0;
}

void pool_top_up(struct fn_version *ver)
{
	if (ver->retired || ver->fn->e->shutting_down)
		return;
	while (pool_vm_count(ver) < ver->settings.min_warm)
		if (pool_spawn(ver) < 0)
			break;
}

void pool_add_booted(struct fn_version *ver, struct vm *vm)
{
	struct pvm *p = pvm_new(ver);

	if (p == NULL) {
		/* Without a struct to track it, tear it down right here: a
		 * rare path, and the loop is the only place left. */
		vm_destroy(vm);
		return;
	}
	p->vm = vm;
	metrics_vm_created_inc(ver->mf);
	pvm_make_ready(p);
}

void pool_vm_returned(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct fn_version *ver = p->ver;

	struct engine *e = ver->fn->e;

	dlist_remove(&p->link);
	ver->nbusy--;
	__atomic_store_n(&p->call, NULL, __ATOMIC_RELAXED);
	chain_reclaim(p); /* what a failed restore left chained */
	/* The worker was held through the restore: the function that
	 * dirtied the memory pays for putting it back. */
	invoke_release_slot(ver->fn);
	if (--e->nvms_busy == 0)
		workers_poll_stop(e->workers);
	if (p->failed) {
		engine_log(LOG_LEVEL_WARN, "function %s: VM replaced: %s",
			   ver->fn->name, p->err);
		pvm_destroy(p);
		pool_top_up(ver);
		pool_serve_waiters(ver->fn);
		pool_publish(ver->fn);
	} else {
		pvm_make_ready(p);
	}
	engine_dispatch(e);
}

/* A VM with nothing to do: park it where the dispatcher finds it. */
static void pvm_make_ready(struct pvm *p)
{
	struct fn_version *ver = p->ver;
	struct fn *fn = ver->fn;

	if (ver->retired || fn->e->shutting_down) {
		pvm_destroy(p);
		pool_publish(fn);
		return;
	}
	p->state = PVM_READY;
	p->idle_since_ns = monotime_ns();
	dlist_push_head(&ver->ready, &p->link);
	ver->nready++;
	/* Waiters get it in their round-robin turn for a worker; calls
	 * chained on busy VMs first come back to be spread again. */
	if (fn->live == ver && fn_queued(fn)) {
		chain_reclaim_fn(fn);
		engine_dispatch(fn->e);
	}
	pool_publish(fn);
}

static void pvm_trimmed(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct fn_version *ver = p->ver;

	ver->ntrimming--;
	if (p->failed) {
		engine_log(LOG_LEVEL_WARN, "function %s: VM replaced: %s",
			   ver->fn->name, p->err);
		pvm_destroy(p);
		pool_top_up(ver);
		pool_publish(ver->fn);
		return;
	}
	p->heavy = 0;
	pvm_make_ready(p);
}

static void pvm_trim_run(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	uint64_t released = 0;
	int ret = vm_trim(p->vm, &released);

	if (ret < 0) {
		p->failed = 1;
		snprintf(p->err, sizeof(p->err), "trim failed: %s",
			 strerror(-ret));
	}
	p->private_bytes = vm_private_bytes(p->vm);
	p->item.fn = pvm_trimmed;
	workers_post(p->ver->fn->e->workers, &p->item);
}

/*
 * Pages a restore copies back stay private to the VM, and a whole-copy
 * restore copies every page the calls wrote: after one heavy call a VM
 * would hold up to its whole memory_mb for as long as it lives. Once such
 * a VM has been idle TRIM_IDLE_MS its private pages go back to the
 * snapshot (vm_trim, MADV_DONTNEED) on a worker, off the ready list
 * meanwhile; its contents do not change. One per version per scan, the
 * longest idle first. Returns 1 when it started one.
 */
static int trim_idle(struct fn_version *ver, uint64_t now)
{
	for (struct dlist *l = ver->ready.prev; l != &ver->ready; l = l->prev) {
		struct pvm *p = container_of(l, struct pvm, link);

		if (now - p->idle_since_ns < (uint64_t)TRIM_IDLE_MS * 1000000)
			return 0; /* the rest are younger */
		if (!p->heavy)
			continue;
		dlist_remove(&p->link);
		ver->nready--;
		ver->ntrimming++;
		p->state = PVM_TRIMMING;
		p->item.fn = pvm_trim_run;
		workers_submit(ver->fn->e->workers, &p->item, 0);
		return 1;
	}
	return 0;
}

/* Idle VMs above min_warm, oldest first (the ready list's tail), and the
 * private memory of idle VMs. */
void pool_reclaim_idle(struct engine *e)
{
	uint64_t now = monotime_ns();

	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);
		struct fn_version *ver = fn->live;
		int changed = ver && !e->shutting_down && trim_idle(ver, now);

		while (ver && !dlist_empty(&ver->ready) &&
		       pool_vm_count(ver) > ver->settings.min_warm) {
			struct pvm *p =
				container_of(ver->ready.prev, struct pvm, link);

			if (now - p->idle_since_ns <
			    (uint64_t)ver->settings.idle_ms * 1000000)
				break;
			dlist_remove(&p->link);
			ver->nready--;
			pvm_destroy(p);
			changed = 1;
		}
		if (changed)
			pool_publish(fn);
	}
}

void pool_interrupt_all(struct engine *e)
{
	for (struct dlist *l = e->versions.next; l != &e->versions;
	     l = l->next) {
		struct fn_version *ver =
			container_of(l, struct fn_version, link);

		for (struct dlist *b = ver->busy.next; b != &ver->busy;
		     b = b->next) {
			struct pvm *p = container_of(b, struct pvm, link);

			struct call *c =
				__atomic_load_n(&p->call, __ATOMIC_ACQUIRE);

			if (c)
				__atomic_store_n(&c->interrupted, 1,
						 __ATOMIC_RELEASE);
			vm_interrupt(p->vm);
		}
	}
}
