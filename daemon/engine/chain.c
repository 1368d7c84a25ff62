/* chain.c: calls queued on a VM at work, to run on its worker right after
 * the current call, without a return to the loop in between. */
#include "config.h"

#include <pthread.h>

#include "engine_internal.h"

/*
 * Why: a call on a worker ends with two hand-offs before its VM takes the
 * next one: the worker posts the VM back to the loop and sleeps, the loop
 * wakes, dispatches the next waiter and wakes a worker. On a host where a
 * wake-up costs tens of microseconds (an IPI inside a VM) that round trip
 * left a function's VMs idle a third of the time at 64 connections. A VM
 * that already holds a worker slot therefore takes up to CHAIN_MAX of its
 * function's waiters with it: the worker restores the VM and runs the next
 * one at once, on the same thread and slot.
 *
 * Fairness is that of the slots: a chain only extends a slot its function
 * already holds (never more than fn_slots_max), and calls are chained only
 * for a function whose calls are short, while no other function has calls
 * waiting: once one has, every chained call goes back to its queue and the
 * slots go round-robin again as they free. A chained call is still a
 * queued call to everything else: it counts in queue_max and pool.queued,
 * and a deadline, a deletion or a shutdown puts it back in its function's
 * wait queue first, where it ends as any waiter does. A VM of the function
 * that becomes ready takes the chained calls back too, to spread them
 * again (a VM whose chain ran dry, or a new one).
 *
 * A chain must never hold calls that a VM and a worker could serve now:
 * the VMs counted for them (invoke.c, grow_for_waiters) would sit idle,
 * or go to a later call, while they wait behind a call that may park on a
 * host call for as long as its deadline. So whenever the function has a
 * ready VM and a worker it may take (a slot freed by a call that parked,
 * or by another function), its chained calls come back to its queue
 * (chain_reclaim_servable, at each dispatch) and are served there.
 *
 * Threads: the loop adds (chain_attach) and takes back (chain_reclaim);
 * the worker running the VM takes the next call (chain_next) or closes the
 * chain (chain_close). p->chain, p->nchained, p->chain_open, e->nchained,
 * e->chained_fn and fn->nchained are under e->chain_lock (the counts are
 * also read without it, atomically); a chained call belongs to whoever
 * took it off the chain. Every chained call belongs to one function,
 * e->chained_fn: chain_attach chains a function's calls only while no
 * other function's are chained.
 */
#define CHAIN_MAX 32
#define CHAIN_RUN_NS_MAX 250000

static void count(struct fn *fn, int delta)
{
	struct engine *e = fn->e;

	if (__atomic_add_fetch(&e->nchained, delta, __ATOMIC_RELAXED) == 0)
		e->chained_fn = NULL;
	else
		e->chained_fn = fn;
	__atomic_add_fetch(&fn->nchained, delta, __ATOMIC_RELAXED);
}

void chain_open(struct pvm *p)
{
	p->chain_open = 1;
}

/* p's chained calls back at the head of their queue, in their order. */
static void unchain_locked(struct pvm *p)
{
	struct fn *fn = p->ver->fn;

	while (p->nchained > 0) {
		struct call *c =
			container_of(p->chain.prev, struct call, wait_link);

		dlist_remove(&c->wait_link);
		p->nchained--;
		count(fn, -1);
		c->pvm = NULL;
		invoke_waiter_requeue(fn, c);
	}
}

static void unchain_busy_locked(struct fn_version *ver)
{
	for (struct dlist *l = ver->busy.next; l != &ver->busy; l = l->next)
		unchain_locked(container_of(l, struct pvm, link));
}

/* fn (every function when NULL), on every version. */
static void unchain_all_locked(struct engine *e, const struct fn *fn)
{
	for (struct dlist *l = e->versions.next;
	     l != &e->versions && e->nchained > 0; l = l->next) {
		struct fn_version *ver =
			container_of(l, struct fn_version, link);

		if (fn == NULL || ver->fn == fn)
			unchain_busy_locked(ver);
	}
}

/* fn's waiters, oldest first, one per open chain in turn. */
static void attach_locked(struct fn *fn)
{
	struct fn_version *ver = fn->live;
	int more = 1;

	while (more) {
		more = 0;
		for (struct dlist *l = ver->busy.next;
		     l != &ver->busy && fn->nwaiters > 0; l = l->next) {
			struct pvm *p = container_of(l, struct pvm, link);
			struct call *c;

			if (!p->chain_open || p->nchained >= CHAIN_MAX)
				continue;
			c = container_of(fn->waiters.next, struct call,
					 wait_link);
			invoke_waiter_remove(fn, c);
			invoke_prepare(c, p);
			dlist_push_tail(&p->chain, &c->wait_link);
			p->nchained++;
			count(fn, 1);
			more = 1;
		}
	}
}

void chain_attach(struct engine *e)
{
	struct fn *fn = NULL;

	if (e->nrunnable == 0)
		return; /* nothing waits outside the chains */
	if (e->nrunnable == 1 && !e->shutting_down) {
		fn = container_of(e->runnable.next, struct fn, run_link);
		if (fn->live == NULL || fn->avg_run_ns >= CHAIN_RUN_NS_MAX)
			fn = NULL;
	}
	pthread_mutex_lock(&e->chain_lock);
	if (e->nchained > (fn ? fn->nchained : 0))
		unchain_all_locked(e, NULL); /* someone else waits */
	else if (fn)
		attach_locked(fn);
	pthread_mutex_unlock(&e->chain_lock);
}

struct call *chain_next(struct pvm *p)
{
	struct engine *e = p->ver->fn->e;
	struct call *c = NULL;

	pthread_mutex_lock(&e->chain_lock);
	if (p->nchained > 0) {
		c = container_of(p->chain.next, struct call, wait_link);
		dlist_remove(&c->wait_link);
		p->nchained--;
		count(p->ver->fn, -1);
	} else {
		p->chain_open = 0;
	}
	pthread_mutex_unlock(&e->chain_lock);
	if (c)
		invoke_started(c);
	return c;
}

void chain_close(struct pvm *p)
{
	struct engine *e = p->ver->fn->e;

	pthread_mutex_lock(&e->chain_lock);
	p->chain_open = 0;
	pthread_mutex_unlock(&e->chain_lock);
}

void chain_reclaim(struct pvm *p)
{
	struct engine *e = p->ver->fn->e;

	pthread_mutex_lock(&e->chain_lock);
	unchain_locked(p);
	pthread_mutex_unlock(&e->chain_lock);
}

void chain_reclaim_fn(struct fn *fn)
{
	if (fn->live == NULL ||
	    __atomic_load_n(&fn->nchained, __ATOMIC_RELAXED) == 0)
		return;
	pthread_mutex_lock(&fn->e->chain_lock);
	unchain_busy_locked(fn->live);
	pthread_mutex_unlock(&fn->e->chain_lock);
}

void chain_reclaim_servable(struct engine *e,
			    int (*may_run)(const struct fn *fn))
{
	struct fn *fn;

	if (__atomic_load_n(&e->nchained, __ATOMIC_RELAXED) == 0)
		return;
	pthread_mutex_lock(&e->chain_lock);
	fn = e->chained_fn;
	if (fn && fn->live && !dlist_empty(&fn->live->ready) && may_run(fn))
		unchain_busy_locked(fn->live);
	pthread_mutex_unlock(&e->chain_lock);
}

void chain_reclaim_all(struct engine *e, const struct fn *fn)
{
	pthread_mutex_lock(&e->chain_lock);
	unchain_all_locked(e, fn);
	pthread_mutex_unlock(&e->chain_lock);
}
