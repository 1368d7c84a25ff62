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

static void pvm_make_ready(struct pvm *p);
static void pvm_destroy(struct pvm *p);

void pool_publish(struct fn *fn)
{
	struct fn_version *v = fn->live;

	if (fn->mf == NULL)
		return;
	metrics_pool_set(fn->mf, v ? v->nready : 0, v ? v->nbusy : 0,
			 fn->nwaiters);
}

/* ---- versions ---------------------------------------------------------- */

static void version_released(struct worker_item *it)
{
	struct fn_version *ver = container_of(it, struct fn_version, item);
	struct fn *fn = ver->fn;
	struct engine *e = fn->e;

	dlist_remove(&ver->link);
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

	pool_version_unref(p->ver);
	free(p);
	e->npvms--;
	engine_check_shutdown(e);
}

static void pvm_destroy_run(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);

	vm_destroy(p->vm);
	p->vm = NULL;
	if (p->ver->fn->mf)
		metrics_vm_destroyed_inc(p->ver->fn->mf);
	p->item.fn = pvm_destroyed;
	workers_post(p->ver->fn->e->workers, &p->item);
}

static void pvm_destroy(struct pvm *p)
{
	p->state = PVM_DESTROYING;
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
	p->ver = ver;
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
	if (fn->mf)
		metrics_vm_created_inc(fn->mf);
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

int pool_spawn(struct fn_version *ver)
{
	struct pvm *p = pvm_new(ver);

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
	if (ver->fn->mf)
		metrics_vm_created_inc(ver->fn->mf);
	pvm_make_ready(p);
}

void pool_vm_returned(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);
	struct fn_version *ver = p->ver;

	dlist_remove(&p->link);
	ver->nbusy--;
	p->call = NULL;
	if (--ver->fn->e->nvms_busy == 0)
		workers_poll_stop(ver->fn->e->workers);
	if (p->failed) {
		engine_log(LOG_LEVEL_WARN, "function %s: VM replaced: %s",
			   ver->fn->name, p->err);
		pvm_destroy(p);
		pool_top_up(ver);
		pool_serve_waiters(ver->fn);
		pool_publish(ver->fn);
		return;
	}
	pvm_make_ready(p);
}

/* A VM with nothing to do: serve the oldest waiter or park it. */
static void pvm_make_ready(struct pvm *p)
{
	struct fn_version *ver = p->ver;
	struct fn *fn = ver->fn;

	if (ver->retired || fn->e->shutting_down) {
		pvm_destroy(p);
		pool_publish(fn);
		return;
	}
	if (fn->live == ver && !dlist_empty(&fn->waiters)) {
		struct call *c =
			container_of(fn->waiters.next, struct call, wait_link);

		dlist_remove(&c->wait_link);
		fn->nwaiters--;
		invoke_start(c, p);
	} else {
		p->state = PVM_READY;
		p->idle_since_ns = monotime_ns();
		dlist_push_head(&ver->ready, &p->link);
		ver->nready++;
	}
	pool_publish(fn);
}

/* Idle VMs above min_warm, oldest first (the ready list's tail). */
void pool_reclaim_idle(struct engine *e)
{
	uint64_t now = monotime_ns();

	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);
		struct fn_version *ver = fn->live;
		int changed = 0;

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

			if (p->call)
				__atomic_store_n(&p->call->interrupted, 1,
						 __ATOMIC_RELEASE);
			vm_interrupt(p->vm);
		}
	}
}
