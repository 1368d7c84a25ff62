/* deploy.c: deploying, loading and removing functions, one op at a time per name: the ops' queue and life on the loop. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deploy_internal.h"
#include "log.h"
#include "metrics.h"
#include "release.h"

void deploy__outcome(struct op *op, enum engine_outcome o, const char *fmt, ...)
{
	va_list ap;

	op->outcome = o;
	va_start(ap, fmt);
	vsnprintf(op->message, sizeof(op->message), fmt, ap);
	va_end(ap);
}
/* Loop: a booted snapshot becomes the function's live version. */
static struct fn_version *install(struct op *op)
{
	struct fn *fn = op->fn;
	struct fn_version *ver = calloc(1, sizeof(*ver)), *old = fn->live;

	if (ver == NULL)
		return NULL;
	ver->fn = fn;
	fn->refs++;
	dlist_init(&ver->ready);
	dlist_init(&ver->busy);
	dlist_push_tail(&op->e->versions, &ver->link);
	ver->version = op->rec.version;
	ver->log_src = (struct guest_log_src){fn, ver->version, NULL};
	ver->settings = op->rec.settings;
	ver->snap = op->snap;
	ver->in_cap = op->in_cap;
	ver->syms = op->syms;
	op->syms = NULL;
	memcpy(ver->sha256, op->rec.sha256, sizeof(ver->sha256));
	ver->image_len = op->rec.image_len;
	ver->deployed_at_ms = op->rec.deployed_at_ms;
	ver->boot_ns =
		op->stats.create_ns + op->stats.init_ns + op->stats.snapshot_ns;
	ver->init_ns = op->stats.init_ns;
	ver->snapshot_ns = op->stats.snapshot_ns;
	ver->wasm = op->wasm;
	ver->compile_ns = op->compile_ns;
	ver->refs = 1; /* live */
	ver->charged = 1;
	op->e->budget.memory_mb += ver->settings.memory_mb;
	op->snap = NULL;
	fn->live = ver;
	engine_fn_went_live(fn);
	if (ver->version > fn->last_version)
		fn->last_version = ver->version;
	fn->visible = fn->delete_pending == 0;
	if (old)
		pool_retire(old);
	pool_add_booted(ver, op->vm);
	op->vm = NULL;
	pool_top_up(ver);
	/* Requests queued for the old version go to the new one. */
	pool_serve_waiters(fn);
	return ver;
}

struct deferred_deploy {
	struct worker_item item;
	struct engine *e;
	struct engine_deploy *d;
};

static void deferred_deploy_run(struct worker_item *it)
{
	struct deferred_deploy *dd =
		container_of(it, struct deferred_deploy, item);
	struct engine_deploy *d = dd->d;
	struct engine *e = dd->e;

	free(dd);
	e->ndeferred--;
	d->done(d);
	engine_check_shutdown(e);
}

/* Every deploy callback runs from a later loop iteration, like an
 * invocation's; deploys are rare, so a heap item is fine. */
static void deploy_deliver(struct engine *e, struct engine_deploy *d)
{
	struct deferred_deploy *dd = calloc(1, sizeof(*dd));

	if (dd == NULL) {
		d->done(d); /* out of memory: better early than never */
		return;
	}
	dd->d = d;
	dd->e = e;
	e->ndeferred++;
	dd->item.fn = deferred_deploy_run;
	workers_post(e->workers, &dd->item);
}

static void finish_deploy(struct op *op, struct fn_version *ver)
{
	struct engine_deploy *d = op->d;
	struct engine *e = op->e;
	const char *code = engine_outcome_code(op->outcome);

	d->outcome = op->outcome;
	snprintf(d->message, sizeof(d->message), "%s", op->message);
	d->description = ver ? deploy__describe_deployed(ver) : NULL;
	if (e->metrics)
		metrics_deploy_inc(e->metrics, code);
	/* The HTTP layer logs the request's outcome with its request id. */
	engine_log(LOG_LEVEL_DEBUG, "deploy %s: %s%s%s", op->fn->name, code,
		   op->message[0] ? ": " : "", op->message);
	deploy_deliver(e, d);
}

static void op_free(struct op *op)
{
	struct fn *fn = op->fn;
	struct engine *e = op->e;

	if (op->kind == OP_DEPLOY)
		fn->ndeploys--;
	json_decref(op->env);
	fnconfig_secrets_free(&op->secrets);
	fnconfig_block_free(op->env_block, op->env_len);
	fnconfig_block_free(op->sec_block, op->sec_len);
	fnconfig_block_free((char *)op->sec_file, op->sec_file_len);
	free(op->env_file);
	free(op->hist);
	fnconfig_block_free(op->secret_value, op->secret_len);
	vm_cancel_destroy(op->cancel);
	free(op->image);
	free(op->rec.image);
	image_syms_free(op->syms);
	free(op);
	fn->refs--;
	e->nops--;
	engine_fn_maybe_free(fn);
	engine_check_shutdown(e);
}

/* Start-up: a stored function is served only within the budgets, so no
 * state on disk can make the daemon exhaust its descriptors or memory. */
static void load_fit(struct op *op)
{
	char msg[256];
	uint32_t stored = op->rec.settings.min_warm;
	int ret = budget_fit_load(op->e, op->fn, &op->rec.settings, msg,
				  sizeof(msg));

	if (ret > 0)
		engine_log(LOG_LEVEL_WARN,
			   "state: %s loaded with min_warm %u instead of %u: "
			   "%s",
			   op->fn->name, op->rec.settings.min_warm, stored,
			   msg);
	else if (ret < 0)
		deploy__outcome(op, ENGINE_BUDGET_EXCEEDED,
				"not loaded, its file is kept: %s", msg);
}

/* Loop: what the op booted with becomes the function's (a remove's op
 * holds none, so a removed function keeps no environment or secrets). */
static void fn_config_swap(struct fn *fn, struct op *op)
{
	struct fn_secrets tmp = fn->secrets;
	json_t *env = fn->env;

	fn->env = op->env;
	op->env = env;
	fn->secrets = op->secrets;
	op->secrets = tmp;
}

static void op_done(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	struct fn *fn = op->fn;
	struct engine *e = op->e;
	struct fn_version *ver = NULL;

	fn->op_running = NULL;
	if (op->holds_worker) {
		op->holds_worker = 0;
		e->boots_running--;
		e->slots_used--;
	}
	if (op->kind == OP_LOAD && op->outcome == ENGINE_OK)
		load_fit(op);
	if (op->kind == OP_REMOVE) {
		fn->delete_pending--;
		if (op->outcome != ENGINE_OK)
			engine_log(LOG_LEVEL_ERROR, "delete %s: %s", fn->name,
				   op->message);
		fn_config_swap(fn, op);
		release_commit(fn, op);
	} else if (op->outcome == ENGINE_OK) {
		ver = install(op);
		if (ver == NULL)
			deploy__outcome(op, ENGINE_INTERNAL, "out of memory");
		else if (e->shutting_down)
			pool_retire(ver);
		if (ver) {
			fn_config_swap(fn, op);
			release_commit(fn, op);
		}
	}
	if (op->kind == OP_DEPLOY) {
		finish_deploy(op, ver);
	} else if (op->kind == OP_LOAD) {
		if (op->outcome != ENGINE_OK)
			engine_log(LOG_LEVEL_ERROR,
				   "state: skipping stored function %s: %s",
				   fn->name, op->message);
		else
			engine_log(LOG_LEVEL_INFO,
				   "state: loaded %s version %u", fn->name,
				   ver->version);
		e->loads_pending--;
	}
	/* A failed boot leaves nothing behind; clean up a half success. */
	if (op->vm || op->snap) {
		vm_destroy(op->vm);
		vm_snapshot_unref(op->snap);
	}
	deploy_run_next(fn);
	op_free(op);
	engine_dispatch(e);
}

/* Worker: the op's work off the loop; its end goes back to the loop. */
static void op_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);

	if (op->kind == OP_DEPLOY)
		deploy__run_deploy(op);
	else if (op->kind == OP_LOAD)
		deploy__run_load(op);
	else
		deploy__run_remove(op);
	op->item.fn = op_done;
	workers_post(op->e->workers, &op->item);
}

/* Loop: removal starts now; the file goes on a worker. */
static void op_remove_start(struct op *op)
{
	struct fn *fn = op->fn;

	if (fn->live)
		pool_retire(fn->live);
	op->item.fn = op_run;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Loop: the secrets the op boots with: the function's, changed. */
static int op_prepare_secrets(struct op *op, struct fn *fn)
{
	char msg[256];
	int ret;

	if (fnconfig_secrets_copy(&op->secrets, &fn->secrets) < 0) {
		deploy__outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	if (op->change == ENGINE_CHANGE_SECRET_DELETE &&
	    fnconfig_secrets_del(&op->secrets, op->d->secret_name) < 0) {
		deploy__outcome(op, ENGINE_SECRET_NOT_FOUND,
				"function %s has no secret %s", fn->name,
				op->d->secret_name);
		return -ENOENT;
	}
	if (op->change == ENGINE_CHANGE_SECRET_PUT) {
		ret = fnconfig_secrets_put(&op->secrets, op->d->secret_name,
					   op->secret_value, op->secret_len,
					   now_ms(), msg, sizeof(msg));
		if (ret < 0) {
			deploy__outcome(op,
					ret == -ENOMEM ? ENGINE_INTERNAL
						       : ENGINE_INVALID_SECRET,
					"%s", msg);
			return ret;
		}
	}
	if (op->change != ENGINE_CHANGE_IMAGE &&
	    op->change != ENGINE_CHANGE_ENV &&
	    fnconfig_secrets_encode(&op->secrets, &op->sec_file,
				    &op->sec_file_len) < 0) {
		deploy__outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int deploy__blocks(struct op *op)
{
	if (fnconfig_env_block(op->env, &op->env_block, &op->env_len) < 0 ||
	    fnconfig_secrets_block(&op->secrets, &op->sec_block, &op->sec_len) <
		    0)
		return -ENOMEM;
	return 0;
}

/* Loop, when a deploy starts: what it boots with, from the function's
 * state now (earlier ops of the function have finished). */
static int op_prepare(struct op *op)
{
	struct fn *fn = op->fn;
	struct fn_version *live = fn->live;

	op->rec.version = fn->last_version + 1;
	op->rec.deployed_at_ms = now_ms();
	op->fresh = op->change == ENGINE_CHANGE_IMAGE && fn->live == NULL;
	if (op->change != ENGINE_CHANGE_IMAGE) {
		if (live == NULL || !fn->visible) {
			deploy__outcome(op, ENGINE_NOT_FOUND,
					"function '%s' is not deployed",
					fn->name);
			return -ENOENT;
		}
		op->rec.settings = live->settings;
		op->rec.version = live->version;
		op->rec.deployed_at_ms = live->deployed_at_ms;
	}
	if (op->change == ENGINE_CHANGE_ENV) {
		op->env_file =
			json_dumps(op->env, JSON_COMPACT | JSON_SORT_KEYS);
		if (json_object_size(op->env) == 0) {
			free(op->env_file);
			op->env_file = NULL;
		}
	} else {
		op->env = fn->env ? json_deep_copy(fn->env) : NULL;
	}
	if (op_prepare_secrets(op, fn) < 0 || release_prepare(op) < 0)
		return -1;
	if (deploy__blocks(op) < 0) {
		deploy__outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void deploy_run_next(struct fn *fn)
{
	struct op *op;

	if (fn->op_running || dlist_empty(&fn->ops))
		return;
	op = container_of(fn->ops.next, struct op, link);
	dlist_remove(&op->link);
	fn->op_running = op;
	if (op->kind == OP_REMOVE) {
		op_remove_start(op);
		workers_submit(fn->e->workers, &op->item, 0);
		return;
	}
	if (op->kind == OP_DEPLOY && op_prepare(op) < 0) {
		op->item.fn = op_done;
		workers_post(fn->e->workers, &op->item);
		return;
	}
	op->item.fn = op_run;
	/* Validation and init may take init_timeout_ms each: boots get a
	 * bounded share of the workers (engine.h). */
	dlist_push_tail(&fn->e->boot_queue, &op->boot_link);
	engine_dispatch(fn->e);
	if (!op->holds_worker)
		engine_log(LOG_LEVEL_DEBUG,
			   "%s %s: waiting for a boot worker (%u of %u busy)",
			   op->kind == OP_DEPLOY ? "deploy" : "load", fn->name,
			   fn->e->boots_running, fn->e->boot_slots_max);
}

int deploy_boot_next(struct engine *e)
{
	struct op *op;

	if (dlist_empty(&e->boot_queue) ||
	    e->boots_running >= e->boot_slots_max ||
	    e->slots_used >= e->slots_total)
		return 0;
	op = container_of(e->boot_queue.next, struct op, boot_link);
	dlist_remove(&op->boot_link);
	op->holds_worker = 1;
	e->boots_running++;
	e->slots_used++;
	engine_log(LOG_LEVEL_DEBUG, "%s %s: booting",
		   op->kind == OP_DEPLOY ? "deploy" : "load", op->fn->name);
	workers_submit(e->workers, &op->item, 0);
	return 1;
}

static struct op *op_new(struct engine *e, struct fn *fn, enum op_kind kind)
{
	struct op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	if (vm_cancel_create(&op->cancel) < 0) {
		free(op);
		return NULL;
	}
	op->kind = kind;
	op->e = e;
	op->fn = fn;
	dlist_init(&op->boot_link);
	if (kind == OP_DEPLOY)
		fn->ndeploys++;
	op->outcome = ENGINE_INTERNAL; /* until a step says otherwise */
	snprintf(op->rec.name, sizeof(op->rec.name), "%s", fn->name);
	fn->refs++;
	e->nops++;
	dlist_push_tail(&fn->ops, &op->link);
	return op;
}

static void deploy_reject(struct engine *e, struct engine_deploy *d,
			  enum engine_outcome o, const char *msg)
{
	d->outcome = o;
	snprintf(d->message, sizeof(d->message), "%s", msg);
	d->description = NULL;
	if (e->metrics)
		metrics_deploy_inc(e->metrics, engine_outcome_code(o));
	deploy_deliver(e, d);
}

/* Refuses a deploy that its function's queue or the budgets have no room
 * for, before anything is copied or booted. */
static int deploy_admit(struct engine *e, struct engine_deploy *d,
			const struct function_settings *s)
{
	struct fn *fn = engine_fn_find(e, d->function);
	char msg[384];

	if (fn && fn->ndeploys > e->cfg.deploy_queue_max) {
		snprintf(msg, sizeof(msg),
			 "%u deploys of %s are already waiting "
			 "(deploy_queue_max)",
			 fn->ndeploys - 1, d->function);
		deploy_reject(e, d, ENGINE_DEPLOY_QUEUE_FULL, msg);
		return -EBUSY;
	}
	if (budget_admit_deploy(e, fn, s, msg, sizeof(msg)) < 0) {
		deploy_reject(e, d, ENGINE_BUDGET_EXCEEDED, msg);
		return -ENOSPC;
	}
	return 0;
}

/* A change to a deployed function: checked before it queues; it runs
 * with the live settings. */
static int change_check(struct engine *e, struct engine_deploy *d,
			struct function_settings *s, char *msg, size_t len)
{
	struct fn *fn = engine_fn_find(e, d->function);
	enum engine_outcome code = ENGINE_INVALID_SECRET;
	int ret = 0;

	d->image_len = 0;
	if (fn == NULL || !fn->visible || fn->live == NULL) {
		snprintf(msg, len, "function '%s' is not deployed",
			 d->function);
		deploy_reject(e, d, ENGINE_NOT_FOUND, msg);
		return -ENOENT;
	}
	*s = fn->live->settings;
	if (d->change == ENGINE_CHANGE_ENV) {
		code = ENGINE_INVALID_ENV;
		ret = fnconfig_env_check(d->env, msg, len);
	} else if (d->change == ENGINE_CHANGE_SECRET_PUT ||
		   d->change == ENGINE_CHANGE_SECRET_DELETE) {
		d->secret_name[sizeof(d->secret_name) - 1] = '\0';
		ret = fnconfig_secret_check(
			d->secret_name,
			d->change == ENGINE_CHANGE_SECRET_PUT
				? (d->secret_value ? d->secret_value : "")
				: NULL,
			d->secret_len, msg, len);
	} else if (d->change != ENGINE_CHANGE_ROLLBACK) {
		code = ENGINE_INTERNAL;
		snprintf(msg, len, "unknown change");
		ret = -EINVAL;
	}
	if (ret < 0)
		deploy_reject(e, d, code, msg);
	return ret;
}

void engine_deploy(struct engine *e, struct engine_deploy *d)
{
	struct function_settings s = d->settings;
	char msg[256];
	struct fn *fn;
	struct op *op;

	d->description = NULL;
	d->engine_private = NULL;
	if (e->shutting_down) {
		deploy_reject(e, d, ENGINE_UNAVAILABLE,
			      "glintd is shutting down");
		return;
	}
	if (!function_name_valid(d->function, strnlen(d->function, 64))) {
		deploy_reject(e, d, ENGINE_INVALID_NAME,
			      "function names are 1 to 63 characters "
			      "of a-z, 0-9, '_' and '-'");
		return;
	}
	if (d->change != ENGINE_CHANGE_IMAGE &&
	    change_check(e, d, &s, msg, sizeof(msg)) < 0)
		return;
	if (function_settings_check(&s, msg, sizeof(msg)) < 0 ||
	    hcops_check_allow_fetch(s.allow_fetch, msg, sizeof(msg)) < 0) {
		deploy_reject(e, d, ENGINE_INVALID_SETTING, msg);
		return;
	}
	if (d->image_len > e->cfg.max_image_bytes) {
		snprintf(msg, sizeof(msg),
			 "image of %zu bytes exceeds the limit of %zu bytes",
			 d->image_len, e->cfg.max_image_bytes);
		deploy_reject(e, d, ENGINE_INPUT_TOO_LARGE, msg);
		return;
	}
	if (deploy_admit(e, d, &s) < 0)
		return;
	fn = engine_fn_get(e, d->function);
	op = fn ? op_new(e, fn, OP_DEPLOY) : NULL;
	if (op && d->change == ENGINE_CHANGE_IMAGE)
		op->image = malloc(d->image_len ? d->image_len : 1);
	else if (op && d->change == ENGINE_CHANGE_ENV)
		op->env = json_deep_copy(d->env);
	else if (op && d->change == ENGINE_CHANGE_SECRET_PUT)
		op->secret_value = malloc(d->secret_len + 1);
	if (op == NULL ||
	    (d->change == ENGINE_CHANGE_IMAGE && op->image == NULL) ||
	    (d->change == ENGINE_CHANGE_ENV && op->env == NULL) ||
	    (d->change == ENGINE_CHANGE_SECRET_PUT &&
	     op->secret_value == NULL)) {
		if (op) {
			dlist_remove(&op->link);
			op_free(op);
		}
		deploy_reject(e, d, ENGINE_INTERNAL, "out of memory");
		return;
	}
	if (op->image)
		memcpy(op->image, d->image, d->image_len);
	if (op->secret_value) {
		if (d->secret_len)
			memcpy(op->secret_value, d->secret_value,
			       d->secret_len);
		op->secret_len = d->secret_len;
	}
	op->image_len = d->image_len;
	op->change = d->change;
	op->d = d;
	op->rec.settings = s;
	d->engine_private = op;
	deploy_run_next(fn);
}

void deploy_start_load(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_get(e, name);
	struct op *op = fn ? op_new(e, fn, OP_LOAD) : NULL;

	if (op == NULL) {
		engine_log(LOG_LEVEL_ERROR, "state: skipping %s: out of memory",
			   name);
		return;
	}
	e->loads_pending++;
	deploy_run_next(fn);
}

int engine_delete(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);
	struct op *op;

	if (fn == NULL || !fn->visible)
		return -ENOENT;
	op = op_new(e, fn, OP_REMOVE);
	if (op == NULL)
		return -ENOMEM;
	fn->visible = 0;
	fn->delete_pending++;
	pool_fail_waiters(fn, ENGINE_NOT_FOUND, "the function was deleted");
	if (fn->live)
		pool_retire(fn->live);
	engine_fn_series_retire(fn);
	deploy_run_next(fn);
	return 0;
}

/* Shutdown: a boot still waiting for a worker is dropped like a queued op. */
static void cancel_queued_boot(struct fn *fn)
{
	struct op *op = fn->op_running;

	if (op == NULL || op->holds_worker ||
	    (op->kind != OP_DEPLOY && op->kind != OP_LOAD))
		return;
	dlist_remove(&op->boot_link);
	fn->op_running = NULL;
	fn->refs++; /* keep fn across op_free */
	if (op->kind == OP_DEPLOY) {
		deploy__outcome(op, ENGINE_UNAVAILABLE,
				"glintd is shutting down");
		finish_deploy(op, NULL);
	} else {
		fn->e->loads_pending--;
	}
	op_free(op);
	fn->refs--;
}

/* Shutdown: waiting deploys are refused, waiting loads dropped. */
void deploy_interrupt_running(struct fn *fn)
{
	if (fn->op_running && fn->op_running->holds_worker)
		vm_cancel_fire(fn->op_running->cancel);
}

void deploy_cancel_pending(struct fn *fn)
{
	struct dlist *l;

	cancel_queued_boot(fn);
	l = fn->ops.next;

	while (l != &fn->ops) {
		struct op *op = container_of(l, struct op, link);

		l = l->next;
		if (op->kind == OP_REMOVE)
			continue;
		dlist_remove(&op->link);
		if (op->kind == OP_DEPLOY) {
			deploy__outcome(op, ENGINE_UNAVAILABLE,
					"glintd is shutting down");
			finish_deploy(op, NULL);
		} else {
			fn->e->loads_pending--;
		}
		op_free(op);
	}
}
