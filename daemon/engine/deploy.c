/* deploy.c: deploying, loading and removing functions, one op at a time per name. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_internal.h"
#include "image.h"
#include "log.h"
#include "metrics.h"
#include "wasm_build.h"
#include "wasm_scan.h"

static void set_status(struct op *op, int status, const char *code,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_status(struct op *op, int status, const char *code,
		       const char *fmt, ...)
{
	va_list ap;

	op->status = status;
	snprintf(op->code, sizeof(op->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(op->message, sizeof(op->message), fmt, ap);
	va_end(ap);
}

static void boot_failed(struct op *op, int ret, const struct vm_error *err,
			const struct vm_config *cfg)
{
	switch (err->kind) {
	case VM_ERR_IMAGE:
		set_status(op, 400, "invalid_image", "%s", err->message);
		break;
	case VM_ERR_HOST:
	case VM_ERR_NONE:
		set_status(op, 500, "internal_error", "cannot boot: %s",
			   err->kind ? err->message : strerror(-ret));
		break;
	case VM_ERR_TIMEOUT:
		set_status(op, 422, "init_failed",
			   "init did not finish within %u ms",
			   cfg->init_timeout_ms);
		break;
	default:
		set_status(op, 422, "init_failed", "%s", err->message);
		break;
	}
}

/* Worker: a Wasm module becomes an image (compiled, or from the cache). */
static int op_wasm_image(struct op *op, const uint8_t *module, size_t len,
			 struct wasm_build *b)
{
	struct wasm_error werr = {0};
	uint8_t digest[SHA256_DIGEST_BYTES];
	int ret;

	sha256(module, len, digest);
	ret = wasm_build(op->e->dirfd, module, len, digest, b, &werr);
	if (ret < 0) {
		set_status(op, werr.status, werr.code, "%s", werr.message);
		return ret;
	}
	op->wasm = 1;
	op->compile_ns = b->compile_ns;
	return 0;
}

/* Worker: validate, boot to the snapshot. On success op->snap/vm are set. */
static int op_boot(struct op *op, const uint8_t *image, size_t len)
{
	struct engine *e = op->e;
	struct vm_error err = {0};
	struct wasm_build wb = {0};
	struct vm_config cfg;
	struct image img;
	char msg[256];
	int ret;

	if (wasm_is_module(image, len)) {
		ret = op_wasm_image(op, image, len, &wb);
		if (ret < 0)
			return ret;
		image = wb.elf;
		len = wb.elf_len;
	}
	ret = image_parse(image, len, &img, msg, sizeof(msg));
	if (ret < 0) {
		free(wb.elf);
		set_status(op, 400, "invalid_image", "%s", msg);
		return ret;
	}
	vm_config_default(&cfg, (uint64_t)op->rec.settings.memory_mb << 20);
	ret = vm_config_check(&cfg, msg, sizeof(msg));
	if (ret < 0) {
		image_release(&img);
		free(wb.elf);
		set_status(op, 400, "invalid_setting", "%s", msg);
		return ret;
	}
	ret = vm_boot(e->vmm, &img, &cfg, engine_guest_log, op->fn, &op->snap,
		      &op->vm, &op->stats, &err);
	engine_guest_log_flush();
	image_release(&img);
	free(wb.elf);
	if (ret < 0) {
		op->snap = NULL;
		op->vm = NULL;
		boot_failed(op, ret, &err, &cfg);
		return ret;
	}
	op->in_cap = vm_snapshot_layout(op->snap)->in_cap;
	return 0;
}

static void op_done(struct worker_item *it);

static void op_deploy_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	char msg[256];
	int ret;

	sha256(op->image, op->image_len, op->rec.sha256);
	op->rec.image_len = op->image_len;
	if (op_boot(op, op->image, op->image_len) < 0)
		goto out;
	op->rec.image = op->image;
	ret = store_write(op->e->dirfd, &op->rec, msg, sizeof(msg));
	op->rec.image = NULL; /* borrowed from op->image */
	if (ret < 0) {
		if (ret == -ENOSPC || ret == -EDQUOT)
			set_status(op, 507, "insufficient_storage", "%s", msg);
		else
			set_status(op, 500, "internal_error", "%s", msg);
		vm_destroy(op->vm);
		vm_snapshot_unref(op->snap);
		op->vm = NULL;
		op->snap = NULL;
		goto out;
	}
	set_status(op, 201, "", "%s", "");
out:
	op->item.fn = op_done;
	workers_post(op->e->workers, &op->item);
}

static void op_load_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	char msg[256];
	int ret;

	ret = store_read(op->e->dirfd, op->fn->name, op->e->cfg.max_image_bytes,
			 &op->rec, msg, sizeof(msg));
	if (ret < 0) {
		set_status(op, 500, "internal_error", "%s", msg);
		goto out;
	}
	if (op_boot(op, op->rec.image, op->rec.image_len) == 0)
		set_status(op, 201, "", "%s", "");
out:
	/* Keep the record's metadata (image_len included) for install(). */
	free(op->rec.image);
	op->rec.image = NULL;
	op->item.fn = op_done;
	workers_post(op->e->workers, &op->item);
}

static void op_remove_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	int ret = store_remove(op->e->dirfd, op->fn->name);

	if (ret < 0 && ret != -ENOENT)
		set_status(op, 500, "internal_error",
			   "cannot remove the state file: %s", strerror(-ret));
	else
		set_status(op, 200, "", "%s", "");
	op->item.fn = op_done;
	workers_post(op->e->workers, &op->item);
}

static uint64_t ns_to_ms(uint64_t ns)
{
	return (ns + 500000) / 1000000;
}

static void format_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

json_t *deploy_describe_version(const struct fn_version *v)
{
	char hex[SHA256_HEX_BYTES], when[64];
	const struct function_settings *s = &v->settings;

	sha256_hex(v->sha256, hex);
	format_time(v->deployed_at_ms, when, sizeof(when));
	return json_pack(
		"{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:s, s:I, s:I, s:I, s:I}",
		"name", v->fn->name, "version", (json_int_t)v->version,
		"sha256", hex, "image_bytes", (json_int_t)v->image_len,
		"memory_mb", (json_int_t)s->memory_mb, "timeout_ms",
		(json_int_t)s->timeout_ms, "max_concurrency",
		(json_int_t)s->max_concurrency, "min_warm",
		(json_int_t)s->min_warm, "queue_max", (json_int_t)s->queue_max,
		"queue_timeout_ms", (json_int_t)s->queue_timeout_ms, "idle_ms",
		(json_int_t)s->idle_ms, "deployed_at", when, "input_max_bytes",
		(json_int_t)v->in_cap, "boot_ms",
		(json_int_t)ns_to_ms(v->boot_ns), "init_ms",
		(json_int_t)ns_to_ms(v->init_ns), "snapshot_ms",
		(json_int_t)ns_to_ms(v->snapshot_ns));
}

/* Wasm deploys also say how long translation and compilation took (0 when
 * the image came from the cache). */
static json_t *describe_version(const struct fn_version *v)
{
	json_t *o = deploy_describe_version(v);

	if (o && v->wasm) {
		json_object_set_new(o, "kind", json_string("wasm"));
		json_object_set_new(
			o, "compile_ms",
			json_integer((json_int_t)ns_to_ms(v->compile_ns)));
	}
	return o;
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
	ver->settings = op->rec.settings;
	ver->snap = op->snap;
	ver->in_cap = op->in_cap;
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
	op->snap = NULL;
	fn->live = ver;
	engine_fn_went_live(fn);
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

	d->status = op->status;
	snprintf(d->code, sizeof(d->code), "%s", op->code);
	snprintf(d->message, sizeof(d->message), "%s", op->message);
	d->description = ver ? describe_version(ver) : NULL;
	if (e->metrics)
		metrics_deploy_inc(e->metrics,
				   op->status == 201 ? "ok" : op->code);
	/* The HTTP layer logs the request's outcome with its request id. */
	engine_log(LOG_LEVEL_DEBUG, "deploy %s: %d %s%s%s", op->fn->name,
		   op->status, op->status == 201 ? "deployed" : op->code,
		   op->message[0] ? ": " : "", op->message);
	deploy_deliver(e, d);
}

static void op_free(struct op *op)
{
	struct fn *fn = op->fn;
	struct engine *e = op->e;

	free(op->image);
	free(op->rec.image);
	free(op);
	fn->refs--;
	e->nops--;
	engine_fn_maybe_free(fn);
	engine_check_shutdown(e);
}

static void op_done(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	struct fn *fn = op->fn;
	struct engine *e = op->e;
	struct fn_version *ver = NULL;

	fn->op_running = NULL;
	if (op->kind == OP_REMOVE) {
		fn->delete_pending--;
		if (op->status != 200)
			engine_log(LOG_LEVEL_ERROR, "delete %s: %s", fn->name,
				   op->message);
	} else if (op->status == 201) {
		ver = install(op);
		if (ver == NULL)
			set_status(op, 500, "internal_error", "out of memory");
		else if (e->shutting_down)
			pool_retire(ver);
	}
	if (op->kind == OP_DEPLOY) {
		finish_deploy(op, ver);
	} else if (op->kind == OP_LOAD) {
		if (op->status != 201)
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
}

/* Loop: removal starts now; the file goes on a worker. */
static void op_remove_start(struct op *op)
{
	struct fn *fn = op->fn;

	if (fn->live)
		pool_retire(fn->live);
	op->item.fn = op_remove_run;
}

void deploy_run_next(struct fn *fn)
{
	struct op *op;

	if (fn->op_running || dlist_empty(&fn->ops))
		return;
	op = container_of(fn->ops.next, struct op, link);
	dlist_remove(&op->link);
	fn->op_running = op;
	if (op->kind == OP_DEPLOY) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		op->rec.version = fn->last_version + 1;
		op->rec.deployed_at_ms =
			(int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		op->item.fn = op_deploy_run;
	} else if (op->kind == OP_LOAD) {
		op->item.fn = op_load_run;
	} else {
		op_remove_start(op);
	}
	workers_submit(fn->e->workers, &op->item, 0);
}

static struct op *op_new(struct engine *e, struct fn *fn, enum op_kind kind)
{
	struct op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	op->kind = kind;
	op->e = e;
	op->fn = fn;
	snprintf(op->rec.name, sizeof(op->rec.name), "%s", fn->name);
	fn->refs++;
	e->nops++;
	dlist_push_tail(&fn->ops, &op->link);
	return op;
}

static void deploy_reject(struct engine *e, struct engine_deploy *d, int status,
			  const char *code, const char *msg)
{
	d->status = status;
	snprintf(d->code, sizeof(d->code), "%s", code);
	snprintf(d->message, sizeof(d->message), "%s", msg);
	d->description = NULL;
	if (e->metrics)
		metrics_deploy_inc(e->metrics, code);
	deploy_deliver(e, d);
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
		deploy_reject(e, d, 503, "unavailable",
			      "glintd is shutting down");
		return;
	}
	if (!function_name_valid(d->function, strnlen(d->function, 64))) {
		deploy_reject(e, d, 400, "invalid_function_name",
			      "function names are 1 to 63 characters "
			      "of a-z, 0-9, '_' and '-'");
		return;
	}
	if (function_settings_check(&s, msg, sizeof(msg)) < 0) {
		deploy_reject(e, d, 400, "invalid_setting", msg);
		return;
	}
	if (d->image_len > e->cfg.max_image_bytes) {
		snprintf(msg, sizeof(msg),
			 "image of %zu bytes exceeds the limit of %zu bytes",
			 d->image_len, e->cfg.max_image_bytes);
		{
			deploy_reject(e, d, 413, "payload_too_large", msg);
			return;
		}
	}
	fn = engine_fn_get(e, d->function);
	op = fn ? op_new(e, fn, OP_DEPLOY) : NULL;
	if (op)
		op->image = malloc(d->image_len ? d->image_len : 1);
	if (op == NULL || op->image == NULL) {
		if (op) {
			dlist_remove(&op->link);
			op_free(op);
		}
		{
			deploy_reject(e, d, 500, "internal_error",
				      "out of memory");
			return;
		}
	}
	memcpy(op->image, d->image, d->image_len);
	op->image_len = d->image_len;
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
	engine_log(LOG_LEVEL_INFO, "deleted %s", fn->name);
	deploy_run_next(fn);
	return 0;
}

/* Shutdown: waiting deploys are refused, waiting loads dropped. */
void deploy_cancel_pending(struct fn *fn)
{
	struct dlist *l = fn->ops.next;

	while (l != &fn->ops) {
		struct op *op = container_of(l, struct op, link);

		l = l->next;
		if (op->kind == OP_REMOVE)
			continue;
		dlist_remove(&op->link);
		if (op->kind == OP_DEPLOY) {
			set_status(op, 503, "unavailable",
				   "glintd is shutting down");
			finish_deploy(op, NULL);
		} else {
			fn->e->loads_pending--;
		}
		op_free(op);
	}
}
