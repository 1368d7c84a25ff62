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
 * already holds (never more than fn_slots_max), calls are chained only
 * while no other function has calls waiting, and only for a function whose
 * calls are short, so a call of another function that arrives meanwhile
 * waits for at most CHAIN_MAX short calls before the slot comes back to the
 * round-robin. A chained call is still a queued call to everything else:
 * a deadline, a deletion or a shutdown puts it back in its function's wait
 * queue first (chain_reclaim) and it ends there as any waiter does.
 *
 * Threads: the loop adds (chain_attach) and takes back (chain_reclaim);
 * the worker running the VM takes the next call (chain_next) or closes the
 * chain (chain_close). p->chain, p->nchained and p->chain_open are under
 * e->chain_lock; a chained call belongs to whoever took it off the chain.
 */
#define CHAIN_MAX 2
#define CHAIN_RUN_NS_MAX 250000

void chain_open(struct pvm *p)
{
	p->chain_open = 1;
}

/* Loop: the waiters of the one function with calls waiting go onto its
 * VMs at work, oldest first, up to CHAIN_MAX each. */
void chain_attach(struct engine *e)
{
	struct fn_version *ver;
	struct fn *fn;

	if (e->nrunnable != 1 || e->shutting_down)
		return;
	fn = container_of(e->runnable.next, struct fn, run_link);
	ver = fn->live;
	if (ver == NULL || fn->avg_run_ns >= CHAIN_RUN_NS_MAX)
		return;
	pthread_mutex_lock(&e->chain_lock);
	for (struct dlist *l = ver->busy.next;
	     l != &ver->busy && fn->nwaiters > 0; l = l->next) {
		struct pvm *p = container_of(l, struct pvm, link);

		while (p->chain_open && p->nchained < CHAIN_MAX &&
		       fn->nwaiters > 0) {
			struct call *c = container_of(fn->waiters.next,
						      struct call, wait_link);

			invoke_waiter_remove(fn, c);
			invoke_prepare(c, p);
			dlist_push_tail(&p->chain, &c->wait_link);
			p->nchained++;
			__atomic_add_fetch(&fn->nchained, 1, __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_unlock(&e->chain_lock);
}

/* Worker, p restored: the call to run on it next (started: p->call is
 * it), or NULL with the chain closed, p then going back to the loop. */
struct call *chain_next(struct pvm *p)
{
	struct engine *e = p->ver->fn->e;
	struct call *c = NULL;

	pthread_mutex_lock(&e->chain_lock);
	if (p->nchained > 0) {
		c = container_of(p->chain.next, struct call, wait_link);
		dlist_remove(&c->wait_link);
		p->nchained--;
		__atomic_sub_fetch(&p->ver->fn->nchained, 1, __ATOMIC_RELAXED);
	} else {
		p->chain_open = 0;
	}
	pthread_mutex_unlock(&e->chain_lock);
	if (c)
		invoke_started(c);
	return c;
}

/* Worker: p will not run another call of this dispatch (it parks, or its
 * restore failed); what is chained goes back when the loop has p. */
void chain_close(struct pvm *p)
{
	struct engine *e = p->ver->fn->e;

	pthread_mutex_lock(&e->chain_lock);
	p->chain_open = 0;
	pthread_mutex_unlock(&e->chain_lock);
}

/* Loop: p's chained calls go back to the head of their function's wait
 * queue, in their order. An open chain stays open: the worker closes it. */
void chain_reclaim(struct pvm *p)
{
	struct fn *fn = p->ver->fn;
	struct engine *e = fn->e;

	pthread_mutex_lock(&e->chain_lock);
	while (p->nchained > 0) {
		struct call *c =
			container_of(p->chain.prev, struct call, wait_link);

		dlist_remove(&c->wait_link);
		p->nchained--;
		__atomic_sub_fetch(&fn->nchained, 1, __ATOMIC_RELAXED);
		c->pvm = NULL;
		invoke_waiter_requeue(fn, c);
	}
	pthread_mutex_unlock(&e->chain_lock);
}

/* Loop: every chained call of fn (of every function when fn is NULL)
 * back in its wait queue. */
void chain_reclaim_all(struct engine *e, const struct fn *fn)
{
	for (struct dlist *l = e->versions.next; l != &e->versions;
	     l = l->next) {
		struct fn_version *ver =
			container_of(l, struct fn_version, link);

		if (fn && ver->fn != fn)
			continue;
		for (struct dlist *b = ver->busy.next; b != &ver->busy;
		     b = b->next)
			chain_reclaim(container_of(b, struct pvm, link));
	}
}
