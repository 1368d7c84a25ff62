/* engine.c: engine lifetime, the function registry, queries and shutdown. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_internal.h"
#include "log.h"
#include "metrics.h"

#define IDLE_SCAN_MS 100
#define DEFAULT_SPIN_US 20
#define GUEST_LOG_BATCH (32u << 10)

/* The engine's single way to the daemon log, so it can be redirected. */
void engine_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!log_enabled((enum log_level)level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg((enum log_level)level, "%s", buf);
}

/*
 * Guest log lines. A guest controls how much it logs, so what it can make
 * the daemon write is bounded per call (lines and bytes) and per function
 * per second; what is dropped is counted, reported in one line per call and
 * in glint_guest_log_dropped_total. The lines of a call are written in
 * batches of whole lines, one write(2) each. A call runs on one worker
 * thread, so the batch is the thread's own.
 */
struct guest_log_batch {
	struct fn *fn; /* NULL: empty */
	uint32_t version;
	struct metrics_fn *mf;
	uint64_t call_id;
	unsigned lines, dropped;
	unsigned guest_dropped; /* by the guest: its log buffer was full */
	size_t bytes, dropped_bytes;
	size_t len;
	char buf[GUEST_LOG_BATCH];
};

static __thread struct guest_log_batch guest_batch;

static void guest_batch_write(struct guest_log_batch *b)
{
	if (b->len)
		log_write_lines(b->buf, b->len);
	b->len = 0;
}

void engine_guest_log_flush(void)
{
	struct guest_log_batch *b = &guest_batch;
	const struct engine_config *cfg;

	if (b->fn == NULL)
		return;
	guest_batch_write(b);
	if (b->dropped || b->guest_dropped) {
		char cut[320];
		int n;

		cfg = &b->fn->e->cfg;
		metrics_guest_log_dropped_add(b->mf,
					      b->dropped + b->guest_dropped);
		n = snprintf(cut, sizeof(cut),
			     "guest log cut: %u line(s) dropped: %u by the "
			     "function (its %u KiB log buffer per call was "
			     "full), %u (%zu bytes) by glintd's limits (%u "
			     "lines and %zu bytes per call, %u lines/s per "
			     "function)",
			     b->dropped + b->guest_dropped, b->guest_dropped,
			     (unsigned)(GLINT_LOG_BYTES >> 10), b->dropped,
			     b->dropped_bytes, cfg->guest_log_lines_per_call,
			     cfg->guest_log_bytes_per_call,
			     cfg->guest_log_lines_per_s);
		/* The one summary line of the call, in its function's log
		 * too: what the reader of `glint logs` is missing. */
		fnlog_append(b->fn->log, LOG_LEVEL_WARN, b->call_id, b->version,
			     cut,
			     n > 0 ? (size_t)n < sizeof(cut) ? (size_t)n
							     : sizeof(cut) - 1
				   : 0);
		log_msg(LOG_LEVEL_WARN,
			"request_id=%016" PRIx64 " function=%s %s", b->call_id,
			b->fn->name, cut);
	}
	b->fn = NULL;
}

void engine_guest_log_dropped(const struct guest_log_src *src, uint64_t call_id,
			      uint32_t lines)
{
	struct guest_log_batch *b = &guest_batch;

	if (lines == 0)
		return;
	if (b->fn != src->fn || b->call_id != call_id) {
		engine_guest_log_flush();
		*b = (struct guest_log_batch){.fn = src->fn,
					      .mf = src->mf,
					      .version = src->version,
					      .call_id = call_id};
	}
	b->guest_dropped += lines;
}

/* 1 while fn has logged at most limit lines in this second. Racy by a few
 * lines when the second turns: a bound, not an account. */
static int second_budget(struct fn *fn, unsigned limit)
{
	uint64_t now = monotime_ns() / 1000000000u;
	uint64_t sec = __atomic_load_n(&fn->log_sec, __ATOMIC_RELAXED);

	if (sec != now &&
	    __atomic_compare_exchange_n(&fn->log_sec, &sec, now, 0,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_store_n(&fn->log_sec_lines, 0, __ATOMIC_RELAXED);
	return __atomic_add_fetch(&fn->log_sec_lines, 1, __ATOMIC_RELAXED) <=
	       limit;
}

void engine_guest_log(void *opaque, uint64_t call_id, int level,
		      const char *line, size_t len)
{
	struct guest_log_batch *b = &guest_batch;
	const struct guest_log_src *src = opaque;
	struct fn *fn = src->fn;
	const struct engine_config *cfg = &fn->e->cfg;
	enum log_level lvl = log_level_from_syslog(level);

	if (b->fn != fn || b->call_id != call_id) {
		engine_guest_log_flush();
		*b = (struct guest_log_batch){.fn = fn,
					      .version = src->version,
					      .mf = src->mf,
					      .call_id = call_id};
	}
	if (b->lines >= cfg->guest_log_lines_per_call ||
	    len > cfg->guest_log_bytes_per_call - b->bytes ||
	    !second_budget(fn, cfg->guest_log_lines_per_s)) {
		b->dropped++;
		b->dropped_bytes += len;
		return;
	}
	b->lines++;
	b->bytes += len;
	fnlog_append(fn->log, lvl, call_id, src->version, line, len);
	/* The guest's own level goes all the way to the daemon log (and the
	 * journal's priority), so `--log-level` filters guest lines too. */
	if (!log_enabled(lvl))
		return;
	if (b->len + LOG_FORMAT_MAX > sizeof(b->buf))
		guest_batch_write(b);
	b->len += log_format_guest(b->buf + b->len, lvl, call_id, fn->name,
				   line, len);
}

/* ---- results decided on the loop ------------------------------------- */

static void deliver_immediate(struct worker_item *it)
{
	struct engine *e = container_of(it, struct engine, immediate_item);
	struct engine_invocation *list = e->immediate, *rev = NULL, *next;

	e->immediate = NULL;
	e->immediate_scheduled = 0;
	for (; list; list = next) { /* pushed LIFO; deliver in order */
		next = list->engine_private;
		list->engine_private = rev;
		rev = list;
	}
	for (; rev; rev = next) {
		next = rev->engine_private;
		rev->engine_private = NULL;
		rev->done(rev);
	}
	engine_check_shutdown(e);
}

void engine_finish_now(struct engine *e, struct engine_invocation *inv,
		       enum engine_outcome o, const char *fmt, ...)
{
	va_list ap;

	inv->outcome = o;
	va_start(ap, fmt);
	vsnprintf(inv->message, sizeof(inv->message), fmt, ap);
	va_end(ap);
	inv->total_ns = inv->queue_ns;
	inv->engine_private = e->immediate;
	e->immediate = inv;
	if (!e->immediate_scheduled) {
		e->immediate_scheduled = 1;
		e->immediate_item.fn = deliver_immediate;
		workers_post(e->workers, &e->immediate_item);
	}
}

/* ---- registry ---------------------------------------------------------- */

struct fn *engine_fn_find(struct engine *e, const char *name)
{
	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);
		int c = strcmp(fn->name, name);

		if (c == 0)
			return fn;
		if (c > 0)
			break;
	}
	return NULL;
}

/* Finds or adds name (already validated), keeping the list sorted. */
struct fn *engine_fn_get(struct engine *e, const char *name)
{
	struct dlist *pos = &e->fns;
	struct fn *fn;

	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		fn = container_of(l, struct fn, link);
		int c = strcmp(fn->name, name);

		if (c == 0)
			return fn;
		if (c > 0) {
			pos = l;
			break;
		}
	}
	fn = calloc(1, sizeof(*fn));
	if (fn == NULL)
		return NULL;
	fn->e = e;
	/* Out of memory here only costs the function its log buffer. */
	fn->log = fnlog_create(e->cfg.log_buffer_bytes);
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	dlist_init(&fn->waiters);
	dlist_init(&fn->ops);
	dlist_init(&fn->run_link);
	dlist_insert_after(pos->prev, &fn->link);
	return fn;
}

/* Series exist only for functions that went live: a name whose deploys
 * all fail leaves nothing behind in /metrics. */
void engine_fn_went_live(struct fn *fn)
{
	if (fn->mf == NULL && fn->e->metrics)
		fn->mf = metrics_fn_get(fn->e->metrics, fn->name);
	if (fn->live) {
		fn->live->mf = fn->mf;
		fn->live->log_src.mf = fn->mf;
		metrics_fn_version_live(fn->mf, fn->live->version);
	}
}

/* Deleted: its series leave /metrics now, though calls still running and
 * VMs being torn down go on recording into them (through their version);
 * a deploy of the name starts new ones. */
void engine_fn_series_retire(struct fn *fn)
{
	if (fn->e->metrics)
		metrics_fn_retire(fn->e->metrics, fn->mf);
	fn->mf = NULL;
}

/* Everything a struct fn owns, and fn itself (unlinked already). */
static void fn_free(struct fn *fn)
{
	fnlog_destroy(fn->log);
	json_decref(fn->env);
	fnconfig_secrets_free(&fn->secrets);
	free(fn->hist);
	free(fn);
}

void engine_fn_maybe_free(struct fn *fn)
{
	if (fn->visible || fn->live || fn->refs || fn->op_running ||
	    !dlist_empty(&fn->ops) || !dlist_empty(&fn->waiters))
		return;
	/* Nothing runs for fn any more: no worker records into its series,
	 * nor into those it had before a delete. */
	if (fn->e->metrics) {
		metrics_fn_forget(fn->e->metrics, fn->mf);
		metrics_fn_forget_retired(fn->e->metrics, fn->name);
	}
	dlist_remove(&fn->link);
	fn_free(fn);
}

/* ---- loading at start ------------------------------------------------ */

struct scan {
	struct worker_item item;
	struct engine *e;
	char **names;
	size_t count;
	int ret;
};

static void scan_done(struct worker_item *it)
{
	struct scan *sc = container_of(it, struct scan, item);
	struct engine *e = sc->e;

	if (sc->ret < 0)
		engine_log(LOG_LEVEL_ERROR, "state: cannot list %s: %s",
			   e->state_dir, strerror(-sc->ret));
	for (size_t i = 0; i < sc->count && !e->shutting_down; i++)
		deploy_start_load(e, sc->names[i]);
	store_names_free(sc->names, sc->count);
	free(sc);
	e->scan_done = 1;
	engine_check_shutdown(e);
}

static void scan_run(struct worker_item *it)
{
	struct scan *sc = container_of(it, struct scan, item);

	sc->ret = store_scan(sc->e->dirfd, &sc->names, &sc->count);
	sc->item.fn = scan_done;
	workers_post(sc->e->workers, &sc->item);
}

static int start_scan(struct engine *e)
{
	struct scan *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return -ENOMEM;
	sc->e = e;
	sc->item.fn = scan_run;
	workers_submit(e->workers, &sc->item, 0);
	return 0;
}

/* ---- create, ready, destroy ------------------------------------------ */

static void on_idle_timer(uv_timer_t *t)
{
	pool_reclaim_idle(t->data);
}

/* A tuning override in microseconds from the environment: 1 and *us when
 * name holds a decimal number up to 10000, else 0. */
static int env_us(const char *name, unsigned *us)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 0;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n > 10000)
		return 0;
	*us = (unsigned)n;
	return 1;
}

/*
 * How long an idle worker spins for the next call before sleeping. Spinning
 * saves the futex wake-up only when a core is spare: measured here (2 CPUs,
 * 2 workers, wrk on the same host) 1-connection p50 over HTTP was 108-136 us
 * without spinning and 166-190 us with 50 us of spinning, because the
 * spinner takes the core the loop thread needs. GLINT_WORKER_SPIN_US
 * overrides the choice.
 */
static unsigned spin_us_default(unsigned workers)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned us;

	if (env_us("GLINT_WORKER_SPIN_US", &us))
		return us;
	return cpus > (long)workers + 1 ? DEFAULT_SPIN_US : 0;
}

/*
 * How long the loop polls for a lone call's result instead of sleeping:
 * off unless GLINT_LOOP_POLL_US asks for it. Polling saves an eventfd
 * write and a wake-up per result only when a core is truly spare; where
 * the cores are shared (with the client, other work, or a host whose exit
 * is slow) the polling loop took ~90 us of CPU per call at one connection
 * and tripled its latency (bench/http_bench.sh, per-thread CPU).
 */
static unsigned loop_poll_us_default(void)
{
	unsigned us;

	if (env_us("GLINT_LOOP_POLL_US", &us))
		return us;
	return 0;
}

/* Short calls run on the loop (invoke.c, run-to-completion) unless
 * GLINT_LOOP_RUNS=0 turns it off, to compare against the hand-off. */
static int loop_runs_default(void)
{
	const char *v = getenv("GLINT_LOOP_RUNS");

	return !(v && strcmp(v, "0") == 0);
}

/* Worker shares (engine.h): no function, and no group of boots, ever
 * holds every worker while there is more than one. */
static void set_shares(struct engine *e, unsigned n)
{
	unsigned fn_max = e->cfg.function_workers_max;
	unsigned boot_max = e->cfg.deploy_workers;

	if (fn_max == 0)
		fn_max = n > 1 ? n - 1 : 1;
	if (boot_max == 0)
		boot_max = n > 4 ? n / 4 : 1;
	e->slots_total = n;
	e->fn_slots_max = fn_max < n ? fn_max : n;
	e->boot_slots_max = boot_max < n ? boot_max : n;
	engine_log(LOG_LEVEL_INFO,
		   "workers: %u; a function may hold %u, boots %u", n,
		   e->fn_slots_max, e->boot_slots_max);
}

static int open_resources(struct engine *e, char *err, size_t err_len)
{
	unsigned n = e->cfg.workers;
	char msg[256];
	int ret;

	ret = store_open(e->state_dir, &e->dirfd, err, err_len);
	if (ret < 0)
		return ret;
	ret = vmm_open(&e->vmm, msg, sizeof(msg));
	if (ret < 0) {
		snprintf(err, err_len, "KVM is not usable: %s", msg);
		return ret;
	}
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		/* One more thread than CPUs: a function may hold workers - 1
		 * (engine.h), so one function alone still keeps every CPU
		 * busy, and while it does the spare thread lets any other
		 * function's call run, the kernel sharing the CPUs. */
		n = cpus > 1 ? (unsigned)cpus + 1 : 2;
	}
	e->loop_poll_us = loop_poll_us_default();
	e->loop_runs = loop_runs_default();
	set_shares(e, n);
	ret = budget_init(e, err, err_len);
	if (ret < 0)
		return ret;
	ret = workers_create(e->loop, n, spin_us_default(n), &e->workers);
	if (ret < 0)
		snprintf(err, err_len, "cannot start %u worker threads: %s", n,
			 strerror(-ret));
	return ret;
}

int engine_create(uv_loop_t *loop, const struct engine_config *cfg,
		  struct metrics *metrics, struct engine **out, char *err,
		  size_t err_len)
{
	struct engine *e = calloc(1, sizeof(*e));
	int ret = -ENOMEM;

	if (e == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&e->chain_lock, NULL);
	e->dirfd = -1;
	e->state_dir = strdup(cfg->state_dir);
	if (e->state_dir == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	e->loop = loop;
	e->cfg = *cfg;
	e->cfg.state_dir = e->state_dir;
	e->metrics = metrics;
	dlist_init(&e->fns);
	dlist_init(&e->versions);
	dlist_init(&e->runnable);
	dlist_init(&e->boot_queue);
	dlist_init(&e->parked);
	dlist_init(&e->resumes);
	ret = open_resources(e, err, err_len);
	if (ret < 0)
		goto fail;
	ret = services_open(e, err, err_len);
	if (ret < 0)
		goto fail_workers;
	ret = start_scan(e);
	if (ret < 0) {
		snprintf(err, err_len, "out of memory");
		services_close(e);
		goto fail_workers;
	}
	uv_timer_init(loop, &e->queue_timer);
	uv_timer_init(loop, &e->idle_timer);
	uv_timer_init(loop, &e->grace_timer);
	uv_timer_init(loop, &e->park_timer);
	e->park_timer.data = e;
	e->queue_timer.data = e->idle_timer.data = e->grace_timer.data = e;
	uv_timer_start(&e->idle_timer, on_idle_timer, IDLE_SCAN_MS,
		       IDLE_SCAN_MS);
	uv_unref((uv_handle_t *)&e->idle_timer);
	*out = e;
	return 0;

fail_workers:
	workers_stop(e->workers);
	/* Its async handle is open: free it once the loop has closed that. */
	workers_close(e->workers, (void (*)(void *))workers_destroy,
		      e->workers);
	e->workers = NULL;
fail:
	vmm_close(e->vmm);
	store_close(e->dirfd);
	pthread_mutex_destroy(&e->chain_lock);
	free(e->state_dir);
	free(e);
	return ret;
}

int engine_ready(const struct engine *e)
{
	return e->vmm != NULL && e->scan_done && e->loads_pending == 0;
}

void engine_destroy(struct engine *e)
{
	if (e == NULL)
		return;
	if (!e->shutdown_finished || e->handles_open) {
		engine_log(LOG_LEVEL_ERROR, "engine_destroy before shutdown "
					    "finished: leaking the engine");
		return;
	}
	while (!dlist_empty(&e->fns)) {
		struct fn *fn = container_of(e->fns.next, struct fn, link);

		dlist_remove(&fn->link);
		fn_free(fn);
	}
	workers_destroy(e->workers);
	vmm_close(e->vmm);
	store_close(e->dirfd);
	pthread_mutex_destroy(&e->chain_lock);
	free(e->state_dir);
	free(e);
}

/* ---- queries ----------------------------------------------------------- */

json_t *engine_list(struct engine *e)
{
	json_t *arr = json_array();

	if (arr == NULL)
		return NULL;
	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);

		if (fn->visible && fn->live)
			json_array_append_new(
				arr, deploy_describe_version(fn->live));
	}
	return arr;
}

int engine_logs(struct engine *e, const char *name,
		const struct fnlog_filter *filter, size_t max, char **out,
		size_t *len_out, uint64_t *last_seq)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible)
		return -ENOENT;
	if (fn->log == NULL) {
		*out = NULL;
		*len_out = 0;
		*last_seq = filter->after_seq;
		return 0;
	}
	return fnlog_read(fn->log, filter, max, out, len_out, last_seq);
}

struct fnlog *engine_log_ref(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);

	return fn && fn->visible && fn->log ? fnlog_ref(fn->log) : NULL;
}

json_t *engine_describe(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);
	struct fn_version *v;
	json_t *d, *counts;

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	v = fn->live;
	d = deploy_describe_version(v);
	counts = json_object();
	if (d == NULL || counts == NULL) {
		json_decref(d);
		json_decref(counts);
		return NULL;
	}
	for (int o = 0; o < ENGINE_CALL_OUTCOMES; o++)
		json_object_set_new(counts, engine_outcome_code(o),
				    json_integer((json_int_t)fn->counts[o]));
	json_object_set_new(d, "invocations", counts);
	json_object_set_new(
		d, "pool",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "ready",
			  (json_int_t)v->nready, "busy", (json_int_t)v->nbusy,
			  "parked", (json_int_t)fn->nparked, "creating",
			  (json_int_t)v->ncreating, "queued",
			  (json_int_t)fn_queued(fn), "total",
			  (json_int_t)(v->nready + v->nbusy + v->ncreating)));
	return d;
}

/* ---- shutdown ------------------------------------------------------------ */

static void closed_one(struct engine *e)
{
	if (--e->handles_open == 0 && e->shutdown_cb)
		e->shutdown_cb(e->shutdown_opaque);
}

static void on_handle_closed(uv_handle_t *h)
{
	closed_one(h->data);
}

static void on_workers_closed(void *opaque)
{
	closed_one(opaque);
}

void engine_check_shutdown(struct engine *e)
{
	if (!e->shutting_down || e->shutdown_finished)
		return;
	if (e->ncalls || e->npvms || e->nops || e->ndeferred || !e->scan_done ||
	    e->immediate_scheduled || !dlist_empty(&e->versions))
		return;
	e->shutdown_finished = 1;
	/* Every VM is gone: the threads have nothing left to do. */
	workers_stop(e->workers);
	vmm_close(e->vmm);
	e->vmm = NULL;
	/* No call is left to use them (parked ones have ended). */
	services_close(e);
	e->handles_open = 5;
	uv_close((uv_handle_t *)&e->park_timer, on_handle_closed);
	uv_close((uv_handle_t *)&e->queue_timer, on_handle_closed);
	uv_close((uv_handle_t *)&e->idle_timer, on_handle_closed);
	uv_close((uv_handle_t *)&e->grace_timer, on_handle_closed);
	workers_close(e->workers, on_workers_closed, e);
}

static void on_grace_timer(uv_timer_t *t)
{
	struct engine *e = t->data;

	engine_log(LOG_LEVEL_WARN,
		   "shutdown: grace period over, interrupting %u calls",
		   e->ncalls);
	pool_interrupt_all(e);
	hostcall_interrupt_all(e);
}

void engine_shutdown(struct engine *e, uint32_t grace_ms,
		     void (*done)(void *opaque), void *opaque)
{
	if (e->shutting_down)
		return;
	e->shutting_down = 1;
	e->shutdown_cb = done;
	e->shutdown_opaque = opaque;
	uv_timer_stop(&e->idle_timer);
	uv_timer_stop(&e->queue_timer);
	for (struct dlist *l = e->fns.next; l != &e->fns;) {
		struct fn *fn = container_of(l, struct fn, link);

		l = l->next;
		pool_fail_waiters(fn, ENGINE_UNAVAILABLE,
				  "glintd is shutting down");
		if (fn->live)
			pool_retire(fn->live);
		deploy_interrupt_running(fn);
		deploy_cancel_pending(fn); /* may free fn */
	}
	if (e->ncalls > 0) {
		engine_log(LOG_LEVEL_INFO,
			   "shutdown: waiting up to %u ms for %u calls",
			   grace_ms, e->ncalls);
		uv_timer_start(&e->grace_timer, on_grace_timer, grace_ms, 0);
	}
	engine_check_shutdown(e);
}

void engine_config_default(struct engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->state_dir = "/var/lib/glint";
	cfg->workers = 0;
	cfg->max_image_bytes = 64u << 20;
	cfg->defaults.memory_mb = 16;
	cfg->defaults.timeout_ms = 1000;
	cfg->defaults.max_concurrency = 8;
	cfg->defaults.min_warm = 1;
	cfg->defaults.queue_max = 256;
	cfg->defaults.queue_timeout_ms = 5000;
	cfg->defaults.idle_ms = 60000;
	cfg->defaults.max_output_bytes = FUNCTION_MAX_OUTPUT_BYTES;
	cfg->deploy_queue_max = 4;
	cfg->keep_versions = 5;
	cfg->guest_log_lines_per_call = 100;
	cfg->guest_log_bytes_per_call = 16u << 10;
	cfg->guest_log_lines_per_s = 1000;
	cfg->log_buffer_bytes = 256u << 10;
	cfg->hostcalls_per_call = 10000;
	cfg->hostcall_in_bytes_per_call = 64ull << 20;
	cfg->hostcall_out_bytes_per_call = 64ull << 20;
	cfg->fetches_per_call = 100;
	cfg->kv_backend = 0; /* KV_EMBEDDED */
	cfg->kv_max_key_bytes = 512;
	cfg->kv_max_value_bytes = 1u << 20;
	cfg->kv_map_bytes = 1ull << 30;
}
