/* hostcall.c: functions' host calls: quick ones on the worker, waiting ones
 * parked on the loop without a worker. */
#include "config.h"

#include <stdio.h>

#include "engine_internal.h"
#include "hcdecode.h"
#include "log.h"
#include "metrics.h"

/*
 * A call parks when its guest makes a host call that must wait (SLEEP,
 * FETCH and the KV operations). Its worker posts c->park and is free at
 * once; the loop releases the call's worker slot, keeps its VM busy (vCPU
 * state intact) and waits for the answer or the call's deadline, whichever
 * comes first, on one timer for all parked calls. SLEEP's answer is due
 * at a time; FETCH and KV start an operation on the loop (hcops.c) whose
 * callback makes the call ready, or which is detached when the deadline
 * comes first. The call then waits in
 * e->resumes for a worker slot, which engine_dispatch hands out before
 * any new call (the call holds a VM already); the worker resumes or
 * abandons the VM and the call ends as any other does.
 */

static const char *op_name(enum glint_hostcall_op op)
{
	return hc_op_name(op);
}

/* The outcome label of an answered host call. */
static const char *answer_outcome(const struct call *c)
{
	if (c->resume == RESUME_PROTOCOL)
		return "protocol";
	if (c->hc_result >= 0)
		return "ok";
	if (c->hc_result == GLINT_E_LIMIT)
		return "limit";
	if (c->hc_result == GLINT_E_DENIED)
		return "denied";
	return "error";
}

int hostcall_sync(void *opaque, const struct vm_hostcall *hc, int64_t *result)
{
	struct call *c = opaque;

	if (hc->op != GLINT_HOSTCALL_NOOP)
		return 0;
	*result = 0;
	metrics_hostcall_add(c->pvm->ver->mf, op_name(hc->op), "ok", 1);
	return 1;
}

void hostcall_count_limited(struct call *c, const struct vm_call_result *res)
{
	for (unsigned op = 0; op < GLINT_HOSTCALL_OP_COUNT; op++)
		if (res->limited_by_op[op])
			metrics_hostcall_add(c->pvm->ver->mf, op_name(op),
					     "limit", res->limited_by_op[op]);
}

/* The answer came or the wait is over: queue c for a worker. */
static void make_ready(struct call *c, enum call_resume how)
{
	static const char *const outcome[] = {
		[RESUME_EXPIRED] = "deadline",
		[RESUME_SHUTDOWN] = "shutdown",
	};

	dlist_remove(&c->park_link);
	c->resume = how;
	if (how == RESUME_EXPIRED || how == RESUME_SHUTDOWN)
		hcops_detach(c);
	metrics_hostcall_add(c->pvm->ver->mf, op_name(c->hc.op),
			     how == RESUME_EXPIRED || how == RESUME_SHUTDOWN
				     ? outcome[how]
				     : answer_outcome(c),
			     1);
	metrics_parked_record(c->pvm->ver->mf, monotime_ns() - c->parked_ns);
	dlist_push_tail(&c->e->resumes, &c->park_link);
}

static void on_park_timer(uv_timer_t *t);

/* Timers run in whole milliseconds: a wait due within this is over. */
#define PARK_SLACK_NS 500000u

static void arm(struct engine *e, uint64_t due_ns)
{
	uint64_t now = monotime_ns(), ms = 0;

	/* UINT64_MAX: an operation in flight with no deadline. */
	if (due_ns == UINT64_MAX ||
	    (e->park_due_ns != 0 && e->park_due_ns <= due_ns))
		return;
	e->park_due_ns = due_ns;
	if (due_ns > now)
		ms = (due_ns - now + 999999) / 1000000;
	uv_timer_start(&e->park_timer, on_park_timer, ms, 0);
}

/* Whichever comes first of its answer and its deadline. */
static uint64_t due_of(const struct call *c)
{
	if (c->run_deadline_ns && c->run_deadline_ns < c->wake_ns)
		return c->run_deadline_ns;
	return c->wake_ns;
}

static void on_park_timer(uv_timer_t *t)
{
	struct engine *e = t->data;
	uint64_t now = monotime_ns(), next = 0;
	int woke = 0;

	e->park_due_ns = 0;
	for (struct dlist *l = e->parked.next; l != &e->parked;) {
		struct call *c = container_of(l, struct call, park_link);
		uint64_t due = due_of(c);

		l = l->next;
		if (due > now + PARK_SLACK_NS) {
			if (next == 0 || due < next)
				next = due;
			continue;
		}
		make_ready(c,
			   due == c->wake_ns ? RESUME_ANSWER : RESUME_EXPIRED);
		woke = 1;
	}
	if (next)
		arm(e, next);
	if (woke)
		engine_dispatch(e);
}

/* When the operation's answer is due; the request was checked by the
 * vmm and the guest cannot change it while parked. */
static uint64_t wake_of(const struct call *c, int64_t *result)
{
	const struct glint_hostcall_sleep *sl = c->hc.req;

	*result = 0;
	if (c->hc.op == GLINT_HOSTCALL_SLEEP)
		return c->parked_ns + (uint64_t)sl->ms * 1000000;
	if (c->hc.op == GLINT_HOSTCALL_NOOP)
		return c->parked_ns;
	return UINT64_MAX; /* when its operation answers */
}

void hostcall_answered(struct call *c)
{
	/* A fetch has the rest of the call's deadline as its own timeout, so
	 * its answer and the park timer race at the deadline: whichever comes
	 * first, a wait that lasted until the deadline ends as the deadline
	 * (504, counted as "deadline"), as it would a moment later anyway. */
	if (c->run_deadline_ns &&
	    monotime_ns() + PARK_SLACK_NS >= c->run_deadline_ns)
		make_ready(c, RESUME_EXPIRED);
	else
		make_ready(c, RESUME_ANSWER);
	engine_dispatch(c->e);
}

void hostcall_parked(struct worker_item *it)
{
	struct call *c = container_of(it, struct call, park);
	struct engine *e = c->e;

	invoke_release_slot(c->fn);
	if (--e->nvms_busy == 0)
		workers_poll_stop(e->workers);
	chain_reclaim(c->pvm); /* not to wait behind the host call */
	e->nparked++;
	c->fn->nparked++;
	c->parked_ns = monotime_ns();
	c->wake_ns = wake_of(c, &c->hc_result);
	c->resume = RESUME_ANSWER;
	dlist_push_tail(&e->parked, &c->park_link);
	if (__atomic_load_n(&c->interrupted, __ATOMIC_ACQUIRE))
		make_ready(c, RESUME_SHUTDOWN);
	else if (c->wake_ns == UINT64_MAX && hcops_start(c) == 0)
		make_ready(c, c->resume); /* answered (or refused) at once */
	else
		arm(e, due_of(c));
	engine_dispatch(e);
}

void hostcall_interrupt_all(struct engine *e)
{
	while (!dlist_empty(&e->parked)) {
		struct call *c =
			container_of(e->parked.next, struct call, park_link);

		__atomic_store_n(&c->interrupted, 1, __ATOMIC_RELEASE);
		make_ready(c, RESUME_SHUTDOWN);
	}
	/* Answered but not yet resumed: they end without running again. */
	for (struct dlist *l = e->resumes.next; l != &e->resumes; l = l->next) {
		struct call *c = container_of(l, struct call, park_link);

		__atomic_store_n(&c->interrupted, 1, __ATOMIC_RELEASE);
		c->resume = RESUME_SHUTDOWN;
	}
	engine_dispatch(e);
}

struct call *hostcall_next_resume(struct engine *e,
				  int (*can_run)(const struct fn *fn))
{
	for (struct dlist *l = e->resumes.next; l != &e->resumes; l = l->next) {
		struct call *c = container_of(l, struct call, park_link);

		if (!can_run(c->fn))
			continue;
		dlist_remove(&c->park_link);
		e->nparked--;
		c->fn->nparked--;
		return c;
	}
	return NULL;
}
