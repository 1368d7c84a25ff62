/* invoke.c: engine_invoke: admitting a call, its wait queue, running it on a
 * worker and delivering its result. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "log.h"
#include "metrics.h"
#include "text.h"

enum engine_outcome invoke_error_outcome(int ret, const struct vm_error *err,
					 int interrupted)
{
	if (ret == -E2BIG)
		return ENGINE_INPUT_TOO_LARGE;
	if (ret != -EIO)
		return ENGINE_INTERNAL;
	switch (err->kind) {
	case VM_ERR_TIMEOUT:
		return interrupted ? ENGINE_UNAVAILABLE : ENGINE_DEADLINE;
	case VM_ERR_ABORT:
		return ENGINE_GUEST_ABORTED;
	case VM_ERR_EXCEPTION:
	case VM_ERR_TRIPLE_FAULT:
	case VM_ERR_PROTOCOL:
		return ENGINE_GUEST_CRASHED;
	case VM_ERR_RESPONSE:
		return ENGINE_GUEST_PROTOCOL;
	case VM_ERR_OUTPUT_TOO_LARGE:
		return ENGINE_OUTPUT_TOO_LARGE;
	default: /* VM_ERR_HOST, and kinds a call cannot have */
		return ENGINE_INTERNAL;
	}
}

/* The fault, and the function (and source line, with debug information)
 * it hit by the image's own symbols. */
static void describe_crash(struct call *c, const struct vm_error *err)
{
	const struct image_syms *syms = c->pvm->ver->syms;
	struct engine_invocation *inv = c->inv;
	char where[IMAGESYM_NAME_MAX + 32], line[IMAGESYM_LINE_CAP];
	int fault = err->kind == VM_ERR_EXCEPTION ||
		    err->kind == VM_ERR_TRIPLE_FAULT;

	if (!fault ||
	    image_syms_describe(syms, err->rip, where, sizeof(where)) < 0)
		snprintf(inv->message, sizeof(inv->message), "%s",
			 err->message);
	else if (image_syms_line(syms, err->rip, line, sizeof(line)) == 0)
		snprintf(inv->message, sizeof(inv->message), "%s in %s (%s)",
			 err->message, where, line);
	else
		snprintf(inv->message, sizeof(inv->message), "%s in %s",
			 err->message, where);
}

static void map_error(struct call *c, int ret, const struct vm_error *err)
{
	struct engine_invocation *inv = c->inv;
	int interrupted = __atomic_load_n(&c->interrupted, __ATOMIC_ACQUIRE);

	inv->outcome = invoke_error_outcome(ret, err, interrupted);
	switch (inv->outcome) {
	case ENGINE_INPUT_TOO_LARGE:
		/* The body alone fitted (engine_invoke checked): with a
		 * request, its path, query and headers may not have. */
		snprintf(inv->message, sizeof(inv->message),
			 "input of %zu bytes %s the function's %" PRIu64
			 "-byte input area",
			 inv->input_len,
			 inv->request ? "and the request's headers, path and "
					"query exceed"
				      : "exceeds",
			 c->pvm->ver->in_cap);
		break;
	case ENGINE_UNAVAILABLE:
		snprintf(inv->message, sizeof(inv->message),
			 "call interrupted: glintd is shutting down");
		break;
	case ENGINE_DEADLINE:
		snprintf(inv->message, sizeof(inv->message),
			 "deadline of %u ms exceeded", c->timeout_ms);
		break;
	case ENGINE_GUEST_ABORTED:
		snprintf(inv->message, sizeof(inv->message),
			 "function aborted: %s", err->message);
		break;
	case ENGINE_GUEST_CRASHED:
		describe_crash(c, err);
		break;
	case ENGINE_GUEST_PROTOCOL:
	case ENGINE_OUTPUT_TOO_LARGE:
		snprintf(inv->message, sizeof(inv->message), "%s",
			 err->message);
		break;
	default:
		if (ret != -EIO)
			snprintf(inv->message, sizeof(inv->message),
				 "the call could not run: %s", strerror(-ret));
		else
			snprintf(inv->message, sizeof(inv->message),
				 "host failure: %s", err->message);
		break;
	}
}

/* A crash after malloc found no room is most likely a NULL it did not
 * check: say so, it is the fix the user needs. */
static void note_heap(struct call *c, const struct vm_call_result *res)
{
	struct engine_invocation *inv = c->inv;
	size_t n = strlen(inv->message);

	if ((inv->outcome != ENGINE_GUEST_CRASHED &&
	     inv->outcome != ENGINE_GUEST_ABORTED) ||
	    !(res->diag & GLINT_DIAG_HEAP_EXHAUSTED))
		return;
	snprintf(inv->message + n, sizeof(inv->message) - n,
		 "; the heap was exhausted: malloc returned NULL earlier in "
		 "this call (deploy with more --memory, or check malloc's "
		 "result)");
}

/* A call the guest ended badly leaves its report in the function's log,
 * with the request id, whatever the HTTP client is shown. */
static void log_failure(const struct call *c)
{
	const struct engine_invocation *inv = c->inv;
	const struct fn_version *ver = c->pvm->ver;
	char line[sizeof(inv->message) + 48];
	int n;

	if (inv->outcome != ENGINE_GUEST_CRASHED &&
	    inv->outcome != ENGINE_GUEST_ABORTED &&
	    inv->outcome != ENGINE_DEADLINE)
		return;
	n = snprintf(line, sizeof(line), "call failed (%s): %s",
		     engine_outcome_code(inv->outcome), inv->message);
	if (n > 0)
		fnlog_append(ver->fn->log, LOG_LEVEL_ERROR, inv->request_id,
			     ver->version, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
}

/* The function's checked headers as "name\0value\0" pairs (checked values
 * hold no NUL, so the block is unambiguous). */
static int copy_headers(struct engine_invocation *inv,
			const struct vm_call_result *res)
{
	struct vm_str name, value;
	uint32_t cur = 0;
	size_t n = 0;

	if (res->nheaders == 0)
		return 0;
	/* head_bytes covers name and value bytes plus an 8-byte entry
	 * header each, which has room for the two NULs. */
	inv->headers = malloc(res->head_bytes);
	if (!inv->headers)
		return -ENOMEM;
	while (vm_result_header(res, &cur, &name, &value)) {
		memcpy(inv->headers + n, name.p, name.len);
		n += name.len;
		inv->headers[n++] = '\0';
		memcpy(inv->headers + n, value.p, value.len);
		n += value.len;
		inv->headers[n++] = '\0';
	}
	inv->headers_len = n;
	return 0;
}

static void map_result(struct call *c, const struct vm_call_result *res)
{
	struct engine_invocation *inv = c->inv;
	uint32_t max_out = c->pvm->ver->settings.max_output_bytes;

	inv->run_ns = res->run_ns;
	if (res->status == GLINT_STATUS_OK && res->output_len > max_out) {
		inv->outcome = ENGINE_OUTPUT_TOO_LARGE;
		snprintf(inv->message, sizeof(inv->message),
			 "output of %zu bytes exceeds the function's "
			 "max_output_bytes of %" PRIu32,
			 res->output_len, max_out);
		return;
	}
	if (res->status != GLINT_STATUS_OK) {
		inv->outcome = ENGINE_FUNCTION_ERROR;
		text_sanitize(inv->message, sizeof(inv->message), res->output,
			      res->output_len);
		if (inv->message[0] == '\0')
			snprintf(inv->message, sizeof(inv->message),
				 "the function reported an error");
		return;
	}
	inv->output = malloc(res->output_len ? res->output_len : 1);
	if (inv->output == NULL) {
		inv->outcome = ENGINE_INTERNAL;
		snprintf(inv->message, sizeof(inv->message),
			 "out of memory for the output");
		return;
	}
	memcpy(inv->output, res->output, res->output_len);
	inv->output_len = res->output_len;
	snprintf(inv->content_type, sizeof(inv->content_type), "%s",
		 res->content_type);
	inv->http_status = res->http_status;
	if (copy_headers(inv, res)) {
		free(inv->output);
		inv->output = NULL;
		inv->outcome = ENGINE_INTERNAL;
		snprintf(inv->message, sizeof(inv->message),
			 "out of memory for the response headers");
		return;
	}
	inv->outcome = ENGINE_OK;
}

/* A VM holding more than 1/16 of its memory privately is worth trimming
 * once idle (pool.c, trim_idle); below that the pages it keeps are the
 * ones every call writes anyway. */
static void note_private(struct pvm *p, const struct vm_restore_stats *rs)
{
	uint64_t mem_bytes = (uint64_t)p->ver->settings.memory_mb << 20;

	p->private_bytes = rs->private_bytes;
	p->heavy = rs->private_bytes * 16 >= mem_bytes;
}

/* Worker (or the loop, for a call run there): puts the VM back to its
 * snapshot and returns it to the pool: on a worker (done: p's item,
 * posted to the loop) unless a call is chained on it, which is returned
 * to run next; on the loop at once. */
static struct call *restore_and_return(struct pvm *p, struct worker_item *done)
{
	struct call *next = NULL;

	struct vm_restore_stats rs = {0};
	int ret = vm_restore(p->vm, &rs);

	if (ret < 0) {
		p->failed = 1;
		snprintf(p->err, sizeof(p->err), "restore failed: %s",
			 strerror(-ret));
		if (done)
			chain_close(p);
	} else {
		note_private(p, &rs);
		metrics_restore_record(p->ver->mf, rs.dirty_pages,
				       rs.restore_ns);
	}
	if (done && !p->failed && (next = chain_next(p)) != NULL)
		return next;
	p->item.fn = pool_vm_returned;
	if (done)
		workers_post(p->ver->fn->e->workers, done);
	else
		pool_vm_returned(&p->item);
	return NULL;
}

/* Loop: the restore of a VM whose call ran on the loop, deferred until
 * its response is on its way. */
static void restore_on_loop(struct worker_item *it)
{
	struct pvm *p = container_of(it, struct pvm, item);

	p->ver->fn->e->loop_restores--;
	restore_and_return(p, NULL);
}

static void call_delivered(struct worker_item *it);

/* The worker's part after vm_call/vm_resume returned: park, or deliver
 * and restore. Returns the call chained on the VM, which the worker runs
 * next (on the loop: NULL). */
static struct call *call_finish(struct call *c, int ret,
				struct vm_call_result *res,
				struct vm_error *err)
{
	struct pvm *p = c->pvm;

	if (ret == -EINPROGRESS) {
		/* The VM waits on a host call: the loop takes it from here
		 * and this worker is free; it resumes on a worker. Once
		 * posted, c is the loop's (an answer that comes at once may
		 * end and free it): on_loop is cleared before, not after. */
		int on_loop = c->on_loop;

		c->hc = res->hostcall;
		c->park.fn = hostcall_parked;
		c->on_loop = 0;
		if (on_loop) {
			workers_defer(c->e->workers, &c->park);
		} else {
			chain_close(p);
			workers_post(c->e->workers, &c->park);
		}
		return NULL;
	}
	engine_guest_log_dropped(&p->ver->log_src, c->inv->request_id,
				 res->log_dropped);
	engine_guest_log_flush();
	hostcall_count_limited(c, res);
	if (ret == 0)
		map_result(c, res);
	else
		map_error(c, ret, err);
	note_heap(c, res);
	log_failure(c);
	c->inv->run_ns = res->run_ns;
	/* The response goes out first; c belongs to the loop from here.
	 * On the loop, call_delivered defers the restore. Inside
	 * engine_invoke, where the caller allows it, the result goes to it
	 * at once: the HTTP layer then answers in the same run of
	 * libmicrohttpd, with no suspend, resume and further runs. */
	if (c->on_loop) {
		if (c->inline_ok)
			call_delivered(&c->result);
		else
			workers_defer(c->e->workers, &c->result);
		return NULL;
	}
	workers_post(c->e->workers, &c->result);
	return restore_and_return(p, &p->item);
}

/* What vm_call needs for c; slice_us 0 on a worker. */
static void call_args(struct call *c, uint32_t slice_us,
		      struct vm_call_args *args)
{
	const struct engine_config *cfg = &c->e->cfg;

	*args = (struct vm_call_args){
		.request = c->inv->request,
		.input = c->inv->input,
		.input_len = c->inv->input_len,
		.call_id = c->inv->request_id,
		.timeout_ms = c->timeout_ms,
		.slice_us = slice_us,
		.log = engine_guest_log,
		.log_opaque = &c->pvm->ver->log_src,
		.hostcall_sync = hostcall_sync,
		.hostcall_opaque = c,
		.hostcall_limits = {cfg->hostcalls_per_call,
				    cfg->hostcall_in_bytes_per_call,
				    cfg->hostcall_out_bytes_per_call},
	};
}

/* Worker: c, then the calls chained on its VM, one after the other. */
static void call_run(struct worker_item *it)
{
	struct call *c = container_of(it, struct call, run);
	struct vm_call_args args;
	struct vm_call_result res;
	int ret;

	do {
		struct vm_error err = {0};

		call_args(c, 0, &args);
		ret = vm_call(c->pvm->vm, &args, &res, &err);
		c = call_finish(c, ret, &res, &err);
	} while (c);
}

/* Worker: a parked call continues with its answer, or ends. */
static void call_resumed(struct worker_item *it)
{
	struct call *c = container_of(it, struct call, run);
	struct vm *vm = c->pvm->vm;
	struct vm_call_result res;
	struct vm_error err = {0};
	char msg[128];
	int ret;

	if (c->resume == RESUME_ANSWER) {
		ret = vm_resume(vm, c->hc_result, c->hc_resp, c->hc_resp_len,
				&res, &err);
	} else if (c->resume == RESUME_PROTOCOL) {
		ret = vm_abandon(vm, VM_ERR_PROTOCOL, c->hc_msg, &res, &err);
	} else {
		snprintf(msg, sizeof(msg), "deadline of %u ms exceeded",
			 c->timeout_ms);
		ret = vm_abandon(vm, VM_ERR_TIMEOUT, msg, &res, &err);
	}
	/* Copied into the guest (or not wanted): a next host call of the
	 * same call brings its own. */
	free(c->hc_resp);
	c->hc_resp = NULL;
	c->hc_resp_len = 0;
	c = call_finish(c, ret, &res, &err);
	if (c)
		call_run(&c->run);
}

/* Worker: a call the loop started and stopped at its slice runs on. */
static void call_continued(struct worker_item *it)
{
	struct call *c = container_of(it, struct call, run);
	struct vm_call_result res;
	struct vm_error err = {0};
	int ret;

	if (__atomic_load_n(&c->interrupted, __ATOMIC_ACQUIRE))
		ret = vm_abandon(c->pvm->vm, VM_ERR_TIMEOUT,
				 "call interrupted by the host", &res, &err);
	else
		ret = vm_continue(c->pvm->vm, &res, &err);
	c = call_finish(c, ret, &res, &err);
	if (c)
		call_run(&c->run);
}

static void call_delivered(struct worker_item *it)
{
	struct call *c = container_of(it, struct call, result);
	struct engine_invocation *inv = c->inv;
	struct fn *fn = c->fn;
	struct engine *e = c->e;

	inv->total_ns = monotime_ns() - c->start_ns;
	fn->counts[inv->outcome]++;
	fn->avg_run_ns = fn->avg_run_ns ? (fn->avg_run_ns * 7 + inv->run_ns) / 8
					: inv->run_ns;
	metrics_invocation_record(c->pvm->ver->mf, c->pvm->ver->version,
				  engine_outcome_code(inv->outcome),
				  inv->total_ns, inv->run_ns, inv->queue_ns);
	inv->engine_private = NULL;
	/* Unless a chained call already runs on it. */
	__atomic_compare_exchange_n(&c->pvm->call, &(struct call *){c}, NULL, 0,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	if (c->on_loop) {
		e->loop_restores++;
		c->pvm->item.fn = restore_on_loop;
		workers_defer(e->workers, &c->pvm->item);
	}
	free(c);
	e->ncalls--;
	inv->done(inv);
	engine_check_shutdown(e);
}

/* A worker is free for fn: in total, and within fn's share. */
static int can_run(const struct fn *fn)
{
	const struct engine *e = fn->e;

	return e->slots_used < e->slots_total && fn->nrunning < e->fn_slots_max;
}

static void waiter_push(struct fn *fn, struct call *c)
{
	dlist_push_tail(&fn->waiters, &c->wait_link);
	if (fn->nwaiters++ == 0) {
		dlist_push_tail(&fn->e->runnable, &fn->run_link);
		fn->e->nrunnable++;
	}
}

void invoke_waiter_remove(struct fn *fn, struct call *c)
{
	dlist_remove(&c->wait_link);
	if (--fn->nwaiters == 0) {
		dlist_remove(&fn->run_link);
		fn->e->nrunnable--;
	}
}

void invoke_waiter_requeue(struct fn *fn, struct call *c)
{
	dlist_push_head(&fn->waiters, &c->wait_link);
	if (fn->nwaiters++ == 0) {
		dlist_push_tail(&fn->e->runnable, &fn->run_link);
		fn->e->nrunnable++;
	}
}

/* c's VM goes to a worker, on a slot it holds until the VM is back
 * (restored) or parks on a host call. */
static void take_slot(struct call *c)
{
	c->fn->nrunning++;
	c->e->slots_used++;
	/* One VM at work leaves a core for the loop to poll on; with more,
	 * the cores are taken and polling would only slow the calls. */
	if (++c->e->nvms_busy == 1)
		workers_poll_start(c->e->workers, c->e->loop_poll_us);
	else
		workers_poll_stop(c->e->workers);
	workers_submit(c->e->workers, &c->run, 1);
}

/*
 * Run-to-completion: a call of a function whose calls are short, arriving
 * while no VM is at work, runs on the loop thread at once: no hand-off to
 * a worker, no wake-up either way. It still holds a worker slot, so limits
 * and fairness are those of any call. A slice bounds how long the loop is
 * held: a call still running at its end is stopped and continues on a
 * worker, and its function's estimate makes the next calls go there.
 */
#define LOOP_SLICE_US 1000

static int short_enough(const struct call *c)
{
	const struct engine *e = c->e;

	/* VMs waiting for their restore on the loop are not at work. */
	return e->loop_runs && e->nvms_busy == e->loop_restores &&
	       c->fn->avg_run_ns < LOOP_SLICE_US * 1000 / 4;
}

static void run_on_loop(struct call *c)
{
	struct vm_call_args args;
	struct vm_call_result res;
	struct vm_error err = {0};
	int ret;

	call_args(c, LOOP_SLICE_US, &args);
	c->on_loop = 1;
	c->fn->nrunning++;
	c->e->slots_used++;
	c->e->nvms_busy++;
	ret = vm_call(c->pvm->vm, &args, &res, &err);
	if (ret == -EAGAIN) {
		/* Long after all: a worker takes it on the slot it holds. */
		c->on_loop = 0;
		if (c->fn->avg_run_ns < LOOP_SLICE_US * 1000)
			c->fn->avg_run_ns = LOOP_SLICE_US * 1000;
		c->run.fn = call_continued;
		workers_poll_stop(c->e->workers);
		workers_submit(c->e->workers, &c->run, 1);
		return;
	}
	call_finish(c, ret, &res, &err);
}

void invoke_prepare(struct call *c, struct pvm *p)
{
	c->pvm = p;
	c->timeout_ms = p->ver->settings.timeout_ms;
	c->run.fn = call_run;
	c->result.fn = call_delivered;
}

void invoke_started(struct call *c)
{
	uint64_t now = monotime_ns();

	c->inv->queue_ns = now - c->start_ns;
	if (c->timeout_ms)
		c->run_deadline_ns = now + (uint64_t)c->timeout_ms * 1000000;
	__atomic_store_n(&c->pvm->call, c, __ATOMIC_RELEASE);
}

/* c runs on p, on a worker slot it holds until p is back (restored). */
static void invoke_start(struct call *c, struct pvm *p)
{
	struct fn_version *ver = p->ver;

	p->state = PVM_BUSY;
	dlist_push_tail(&ver->busy, &p->link);
	ver->nbusy++;
	invoke_prepare(c, p);
	invoke_started(c);
	if (short_enough(c)) {
		run_on_loop(c);
	} else {
		chain_open(p);
		take_slot(c);
	}
}

void invoke_resume(struct call *c)
{
	c->run.fn = call_resumed;
	take_slot(c);
}

void invoke_release_slot(struct fn *fn)
{
	fn->nrunning--;
	fn->e->slots_used--;
}

/* Starts fn's oldest waiter on a ready VM if fn may have a worker. */
static int serve_one(struct fn *fn)
{
	struct fn_version *ver = fn->live;
	struct pvm *p;
	struct call *c;

	if (ver == NULL || dlist_empty(&fn->waiters) ||
	    dlist_empty(&ver->ready) || !can_run(fn))
		return 0;
	p = container_of(ver->ready.next, struct pvm, link);
	dlist_remove(&p->link);
	ver->nready--;
	c = container_of(fn->waiters.next, struct call, wait_link);
	invoke_waiter_remove(fn, c);
	invoke_start(c, p);
	return 1;
}

void engine_dispatch(struct engine *e)
{
	unsigned idle = 0;

	/* Boots first: they are few (boot_slots_max) and would never get a
	 * worker under a steady stream of calls otherwise. */
	while (deploy_boot_next(e))
		;
	/* Parked calls whose answer came: they hold a VM already, and
	 * finishing them frees it. */
	while (e->slots_used < e->slots_total) {
		struct call *c = hostcall_next_resume(e, can_run);

		if (c == NULL)
			break;
		invoke_resume(c);
	}
	chain_reclaim_servable(e, can_run);
	/* One call per function per turn; a function that cannot run now
	 * (no ready VM, or at its share) keeps its place in the ring. */
	while (e->slots_used < e->slots_total && idle < e->nrunnable) {
		struct fn *fn =
			container_of(e->runnable.next, struct fn, run_link);

		dlist_remove(&fn->run_link);
		dlist_push_tail(&e->runnable, &fn->run_link);
		if (serve_one(fn)) {
			idle = 0;
			pool_publish(fn);
		} else {
			idle++;
		}
	}
	chain_attach(e);
}

static void on_queue_timer(uv_timer_t *t)
{
	struct engine *e = t->data;

	e->queue_due_ns = 0;
	pool_expire_waiters(e);
}

static void arm_queue_timer(struct engine *e, uint64_t deadline_ns)
{
	uint64_t now = monotime_ns(), ms = 0;

	if (e->queue_due_ns != 0 && e->queue_due_ns <= deadline_ns)
		return;
	e->queue_due_ns = deadline_ns;
	if (deadline_ns > now)
		ms = (deadline_ns - now + 999999) / 1000000;
	e->queue_timer.data = e;
	uv_timer_start(&e->queue_timer, on_queue_timer, ms, 0);
}

unsigned invoke_retry_after(unsigned nwaiters, uint64_t avg_run_ns,
			    uint32_t max_concurrency)
{
	uint64_t s = ((uint64_t)nwaiters + 1) * avg_run_ns /
		     (max_concurrency ? max_concurrency : 1) / 1000000000u;

	/* Whole seconds rounded up, at most a minute: never shorter for a
	 * longer queue. */
	return s >= 60 ? 60 : (unsigned)s + 1;
}

/* Grows the pool for the waiters not already covered by a ready VM (one
 * waiting for a worker) or a VM in creation. */
static void grow_for_waiters(struct fn *fn, unsigned extra)
{
	struct fn_version *ver = fn->live;

	while (ver && ver->ncreating + ver->nready < fn_queued(fn) + extra &&
	       pool_vm_count(ver) < ver->settings.max_concurrency)
		if (pool_spawn(ver) < 0)
			break;
}

void pool_serve_waiters(struct fn *fn)
{
	while (serve_one(fn))
		;
	grow_for_waiters(fn, 0);
	pool_publish(fn);
}

void pool_grow_blocked(struct engine *e)
{
	/* Calls waiting for a VM first, then pools below min_warm (a top-up
	 * the budgets stopped, e.g. while other pools had grown). */
	for (struct dlist *l = e->runnable.next; l != &e->runnable;
	     l = l->next) {
		struct fn *fn = container_of(l, struct fn, run_link);

		if (fn->blocked_by)
			grow_for_waiters(fn, 0);
	}
	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);

		if (fn->blocked_by && fn->live &&
		    pool_vm_count(fn->live) < fn->live->settings.min_warm)
			pool_top_up(fn->live);
	}
}

/* Ends a call that never ran: counted, recorded, delivered next iteration. */
static void call_fail(struct call *c, enum engine_outcome o, const char *msg)
{
	struct engine_invocation *inv = c->inv;
	struct fn *fn = c->fn;
	struct engine *e = c->e;

	inv->queue_ns = monotime_ns() - c->start_ns;
	fn->counts[o]++;
	if (fn->mf)
		metrics_invocation_record(
			fn->mf, fn->live ? fn->live->version : fn->last_version,
			engine_outcome_code(o), inv->queue_ns, 0,
			inv->queue_ns);
	free(c);
	e->ncalls--;
	engine_finish_now(e, inv, o, "%s", msg);
}

void pool_fail_waiters(struct fn *fn, enum engine_outcome o, const char *msg)
{
	chain_reclaim_all(fn->e, fn);
	while (!dlist_empty(&fn->waiters)) {
		struct call *c =
			container_of(fn->waiters.next, struct call, wait_link);

		invoke_waiter_remove(fn, c);
		call_fail(c, o, msg);
	}
	pool_publish(fn);
}

static void expired_message(const struct fn *fn, const struct call *c,
			    char *msg, size_t len)
{
	unsigned ms = (unsigned)((c->deadline_ns - c->start_ns) / 1000000);

	if (fn->live && fn->live->nready > 0)
		snprintf(msg, len,
			 "no worker became free for %s within %u ms (it may "
			 "hold %u of %u)",
			 fn->name, ms, fn->e->fn_slots_max, fn->e->slots_total);
	else if (fn->blocked_by)
		snprintf(msg, len,
			 "no VM of %s became free within %u ms (budget %s "
			 "has no room for another VM)",
			 fn->name, ms, fn->blocked_by);
	else
		snprintf(msg, len, "no VM of %s became free within %u ms",
			 fn->name, ms);
}

void pool_expire_waiters(struct engine *e)
{
	uint64_t now = monotime_ns(), next = 0;
	char msg[256];

	/* Chained calls wait too: they expire as waiters, and the rest are
	 * chained again below. */
	chain_reclaim_all(e, NULL);
	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);
		struct dlist *w = fn->waiters.next;
		int changed = 0;

		while (w != &fn->waiters) {
			struct call *c =
				container_of(w, struct call, wait_link);

			w = w->next;
			/* Timers run in whole milliseconds: allow for that. */
			if (c->deadline_ns > now + 500000) {
				if (next == 0 || c->deadline_ns < next)
					next = c->deadline_ns;
				continue;
			}
			invoke_waiter_remove(fn, c);
			changed = 1;
			expired_message(fn, c, msg, sizeof(msg));
			call_fail(c, ENGINE_QUEUE_TIMEOUT, msg);
		}
		if (changed)
			pool_publish(fn);
	}
	if (next)
		arm_queue_timer(e, next);
	chain_attach(e);
}

/* Decides what to do with a call whose function has a live version. */
static void invoke_admit(struct fn *fn, struct call *c)
{
	struct fn_version *ver = fn->live;
	struct engine_invocation *inv = c->inv;
	char msg[256];

	/* Straight to a VM only past nobody: a call chained on a busy VM
	 * is still queued, and the ready VM was counted for it. */
	if (fn_queued(fn) == 0 && !dlist_empty(&ver->ready) && can_run(fn)) {
		struct pvm *p = container_of(ver->ready.next, struct pvm, link);

		dlist_remove(&p->link);
		ver->nready--;
		/* Only here, not for a call started from the wait queue:
		 * engine_invoke is the caller's own frame. c may be freed
		 * once invoke_start returns. */
		c->inline_ok = inv->done_inline_ok;
		invoke_start(c, p);
		pool_publish(fn);
		return;
	}
	/* Waiters covered by VMs in creation do not count against
	 * queue_max: they are not waiting beyond max_concurrency. */
	fn->blocked_by = NULL;
	grow_for_waiters(fn, 1);
	if (fn_queued(fn) >= ver->settings.queue_max + ver->ncreating) {
		inv->retry_after_s =
			invoke_retry_after(fn_queued(fn), fn->avg_run_ns,
					   ver->settings.max_concurrency);
		if (fn->blocked_by)
			snprintf(msg, sizeof(msg),
				 "%s has %u calls queued (queue_max) and "
				 "budget %s has no room for another VM",
				 fn->name, ver->settings.queue_max,
				 fn->blocked_by);
		else
			snprintf(msg, sizeof(msg),
				 "%s is at its limit of %u concurrent calls "
				 "and %u queued",
				 fn->name, ver->settings.max_concurrency,
				 ver->settings.queue_max);
		call_fail(c, ENGINE_QUEUE_FULL, msg);
		return;
	}
	c->deadline_ns = c->start_ns +
			 (uint64_t)ver->settings.queue_timeout_ms * 1000000;
	waiter_push(fn, c);
	arm_queue_timer(c->e, c->deadline_ns);
	chain_attach(c->e);
	pool_publish(fn);
}

void engine_invoke(struct engine *e, struct engine_invocation *inv)
{
	struct fn *fn;
	struct call *c;

	inv->outcome = ENGINE_OK;
	inv->message[0] = '\0';
	inv->output = NULL;
	inv->output_len = 0;
	inv->content_type[0] = '\0';
	inv->http_status = 200;
	inv->headers = NULL;
	inv->headers_len = 0;
	inv->queue_ns = inv->run_ns = inv->total_ns = 0;
	inv->retry_after_s = 0;
	inv->engine_private = NULL;
	if (e->shutting_down) {
		engine_finish_now(e, inv, ENGINE_UNAVAILABLE,
				  "glintd is shutting down");
		return;
	}
	fn = engine_fn_find(e, inv->function);
	if (fn == NULL || !fn->visible || fn->live == NULL) {
		if (!engine_ready(e))
			engine_finish_now(e, inv, ENGINE_UNAVAILABLE,
					  "glintd is starting: stored "
					  "functions are still loading");
		else if (function_name_valid(inv->function,
					     strnlen(inv->function, 64)))
			engine_finish_now(e, inv, ENGINE_NOT_FOUND,
					  "function \"%s\" is not deployed",
					  inv->function);
		else
			engine_finish_now(e, inv, ENGINE_NOT_FOUND,
					  "no such function");
		return;
	}
	if (inv->input_len > fn->live->in_cap) {
		fn->counts[ENGINE_INPUT_TOO_LARGE]++;
		engine_finish_now(e, inv, ENGINE_INPUT_TOO_LARGE,
				  "input of %zu bytes exceeds the function's "
				  "%" PRIu64 "-byte input area",
				  inv->input_len, fn->live->in_cap);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		engine_finish_now(e, inv, ENGINE_INTERNAL, "out of memory");
		return;
	}
	dlist_init(&c->wait_link);
	c->e = e;
	c->inv = inv;
	c->fn = fn;
	c->start_ns = monotime_ns();
	inv->engine_private = c;
	e->ncalls++;
	invoke_admit(fn, c);
}
