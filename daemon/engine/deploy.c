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
#include "release.h"
#include "wasm_build.h"
#include "wasm_scan.h"

static void set_outcome(struct op *op, enum engine_outcome o, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

static void set_outcome(struct op *op, enum engine_outcome o, const char *fmt,
			...)
{
	va_list ap;

	op->outcome = o;
	va_start(ap, fmt);
	vsnprintf(op->message, sizeof(op->message), fmt, ap);
	va_end(ap);
}

static void boot_failed(struct op *op, int ret, const struct vm_error *err,
			const struct vm_config *cfg)
{
	switch (err->kind) {
	case VM_ERR_IMAGE:
		set_outcome(op, ENGINE_INVALID_IMAGE, "%s", err->message);
		break;
	case VM_ERR_HOST:
	case VM_ERR_NONE:
		set_outcome(op, ENGINE_INTERNAL, "cannot boot: %s",
			    err->kind ? err->message : strerror(-ret));
		break;
	case VM_ERR_TIMEOUT:
		set_outcome(op, ENGINE_INIT_FAILED,
			    "init did not finish within %u ms",
			    cfg->init_timeout_ms);
		break;
	default:
		set_outcome(op, ENGINE_INIT_FAILED, "%s", err->message);
		break;
	}
}

static void boot_error(struct op *op, int ret, const struct vm_error *err,
		       const struct vm_config *cfg)
{
	op->snap = NULL;
	op->vm = NULL;
	if (ret == -ECANCELED)
		set_outcome(op, ENGINE_UNAVAILABLE,
			    "glintd is shutting down: init interrupted");
	else
		boot_failed(op, ret, err, cfg);
}

/* What a Wasm deploy adds to the boot; freed by wasm_prep_free. */
struct wasm_prep {
	struct wasm_build wb; /* the image */
	char *env;	      /* env block with GLINT_FUNCTION first */
	size_t env_len;
};

static void wasm_prep_free(struct wasm_prep *w)
{
	free(w->wb.elf);
	free(w->env);
}

/* A Wasm function's environment starts with GLINT_FUNCTION=<name>: its
 * WASI layer builds SCRIPT_NAME and X_FULL_URL from it (the image itself
 * is shared by every function made from the same module). */
static char *wasm_env_block(const struct op *op, size_t *len)
{
	static const char var[] = "GLINT_FUNCTION=";
	size_t vlen = sizeof(var) - 1 + strlen(op->fn->name) + 1;
	size_t rest = op->env_len ? op->env_len : 1;
	char *b = malloc(vlen + rest);

	if (b == NULL)
		return NULL;
	snprintf(b, vlen, "%s%s", var, op->fn->name);
	if (op->env_len)
		memcpy(b + vlen, op->env_block, op->env_len);
	else
		b[vlen] = '\0';
	*len = vlen + rest;
	return b;
}

/* Worker: a Wasm module becomes an image (compiled, or from the cache). */
static int op_wasm_image(struct op *op, const uint8_t *module, size_t len,
			 struct wasm_prep *w)
{
	struct wasm_error werr = {0};
	uint8_t digest[SHA256_DIGEST_BYTES];
	int ret;

	sha256(module, len, digest);
	ret = wasm_build(op->e->dirfd, module, len, digest,
			 op->rec.settings.wasi_stub_unknown != 0, &w->wb,
			 &werr);
	if (ret < 0) {
		set_outcome(op, werr.outcome, "%s", werr.message);
		return ret;
	}
	w->env = wasm_env_block(op, &w->env_len);
	if (w->env == NULL) {
		set_outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	op->wasm = 1;
	op->compile_ns = w->wb.compile_ns;
	return 0;
}

/* Worker: validate, boot to the snapshot. On success op->snap/vm are set. */
static int op_boot(struct op *op, const uint8_t *image, size_t len)
{
	struct engine *e = op->e;
	struct vm_error err = {0};
	struct wasm_prep wp = {0};
	struct vm_config cfg;
	struct image img;
	char msg[256];
	int ret;

	if (wasm_is_module(image, len)) {
		ret = op_wasm_image(op, image, len, &wp);
		if (ret < 0)
			goto out;
		image = wp.wb.elf;
		len = wp.wb.elf_len;
	}
	ret = image_parse(image, len, &img, msg, sizeof(msg));
	if (ret < 0) {
		set_outcome(op, ENGINE_INVALID_IMAGE, "%s", msg);
		goto out;
	}
	/* Names for crash reports; an image whose symbol table is malformed
	 * still runs, its reports just give bare addresses. */
	if (image_syms_parse(image, len, &op->syms) < 0)
		op->syms = NULL;
	vm_config_default(&cfg, (uint64_t)op->rec.settings.memory_mb << 20);
	cfg.env = wp.env ? wp.env : op->env_block;
	cfg.env_bytes = wp.env ? wp.env_len : op->env_len;
	cfg.secrets = op->sec_block;
	cfg.secrets_bytes = op->sec_len;
	ret = vm_config_check(&cfg, msg, sizeof(msg));
	if (ret < 0) {
		set_outcome(op, ENGINE_INVALID_SETTING, "%s", msg);
		goto release;
	}
	op->log_src = (struct guest_log_src){op->fn, op->rec.version};
	ret = vm_boot_cancellable(e->vmm, &img, &cfg, op->cancel,
				  engine_guest_log, &op->log_src, &op->snap,
				  &op->vm, &op->stats, &err);
	engine_guest_log_flush();
	if (ret < 0)
		boot_error(op, ret, &err, &cfg);
	else
		op->in_cap = vm_snapshot_layout(op->snap)->in_cap;
release:
	image_release(&img);
out:
	wasm_prep_free(&wp);
	return ret;
}

static void op_done(struct worker_item *it);

static void file_name(char *buf, size_t len, const char *fn, const char *ext)
{
	snprintf(buf, len, "%s.%s", fn, ext);
}

/* Worker: the environment, secrets and kept images of a function. A
 * crash in a removal can leave them behind its function file; the first
 * deploy of the name removes them, so they never come back to life. */
static void remove_companions(struct op *op)
{
	char fname[96];

	file_name(fname, sizeof(fname), op->fn->name, "env");
	store_unlink(op->e->dirfd, fname);
	file_name(fname, sizeof(fname), op->fn->name, "secrets");
	store_unlink(op->e->dirfd, fname);
	release_remove_all(op);
}

/* Worker, after a successful boot: stores the one file the op changes, so
 * a crash leaves the old or the new state of it. */
static int op_store(struct op *op, char *msg, size_t msg_len)
{
	int dirfd = op->e->dirfd, ret;
	char fname[96];

	if (op->fresh)
		remove_companions(op);
	switch (op->change) {
	case ENGINE_CHANGE_IMAGE:
	case ENGINE_CHANGE_ROLLBACK:
		op->rec.image = op->image;
		ret = store_write(dirfd, &op->rec, msg, msg_len);
		op->rec.image = NULL; /* borrowed from op->image */
		return ret;
	case ENGINE_CHANGE_ENV:
		file_name(fname, sizeof(fname), op->fn->name, "env");
		if (op->env_file == NULL)
			return store_unlink(dirfd, fname);
		return store_put(dirfd, fname, op->env_file,
				 strlen(op->env_file), msg, msg_len);
	case ENGINE_CHANGE_SECRET_PUT:
	case ENGINE_CHANGE_SECRET_DELETE:
		file_name(fname, sizeof(fname), op->fn->name, "secrets");
		if (op->secrets.n == 0)
			return store_unlink(dirfd, fname);
		return store_put(dirfd, fname, op->sec_file, op->sec_file_len,
				 msg, msg_len);
	default:
		return 0;
	}
}

/* Worker: a change other than a new image boots the stored one. */
static int op_read_image(struct op *op)
{
	struct store_record r;
	char msg[256];
	int ret;

	if (op->change == ENGINE_CHANGE_IMAGE)
		return 0;
	if (op->change == ENGINE_CHANGE_ROLLBACK)
		return release_read(op);
	ret = store_read(op->e->dirfd, op->fn->name, op->e->cfg.max_image_bytes,
			 &r, msg, sizeof(msg));
	if (ret < 0) {
		set_outcome(op, ENGINE_INTERNAL, "%s", msg);
		return ret;
	}
	op->image = r.image;
	op->image_len = r.image_len;
	return 0;
}

static void op_deploy_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	char msg[256];
	int ret;

	if (op_read_image(op) < 0)
		goto out;
	sha256(op->image, op->image_len, op->rec.sha256);
	op->rec.image_len = op->image_len;
	if (op_boot(op, op->image, op->image_len) < 0)
		goto out;
	ret = op_store(op, msg, sizeof(msg));
	if (ret < 0) {
		if (ret == -ENOSPC || ret == -EDQUOT)
			set_outcome(op, ENGINE_STORAGE_FULL, "%s", msg);
		else
			set_outcome(op, ENGINE_INTERNAL, "%s", msg);
		vm_destroy(op->vm);
		vm_snapshot_unref(op->snap);
		op->vm = NULL;
		op->snap = NULL;
		goto out;
	}
	if (op->change == ENGINE_CHANGE_IMAGE)
		release_store(op);
	set_outcome(op, ENGINE_OK, "%s", "");
out:
	op->item.fn = op_done;
	workers_post(op->e->workers, &op->item);
}

/* Worker: the stored environment and secrets of a function being loaded.
 * A missing file is an empty one; a torn or edited one is refused. */
static int op_load_config(struct op *op, char *msg, size_t msg_len)
{
	uint8_t *buf = NULL;
	char fname[96];
	size_t len;
	int ret;

	file_name(fname, sizeof(fname), op->fn->name, "env");
	ret = store_get(op->e->dirfd, fname, FNCONFIG_ENV_BYTES_MAX * 8, &buf,
			&len);
	if (ret == 0) {
		op->env = json_loadb((char *)buf, len, JSON_REJECT_DUPLICATES,
				     NULL);
		free(buf);
		if (fnconfig_env_check(op->env, msg, msg_len) < 0)
			ret = -EINVAL;
	}
	if (ret < 0 && ret != -ENOENT) {
		snprintf(msg, msg_len, "%s: unreadable or corrupt", fname);
		return ret;
	}
	file_name(fname, sizeof(fname), op->fn->name, "secrets");
	ret = store_get(op->e->dirfd, fname, FNCONFIG_SECRETS_BYTES_MAX * 2,
			&buf, &len);
	if (ret == 0) {
		ret = fnconfig_secrets_decode(buf, len, &op->secrets);
		explicit_bzero(buf, len);
		free(buf);
	}
	if (ret < 0 && ret != -ENOENT) {
		snprintf(msg, msg_len, "%s: unreadable or corrupt", fname);
		return ret;
	}
	if (fnconfig_env_block(op->env, &op->env_block, &op->env_len) < 0 ||
	    fnconfig_secrets_block(&op->secrets, &op->sec_block, &op->sec_len) <
		    0) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void op_load_run(struct worker_item *it)
{
	struct op *op = container_of(it, struct op, item);
	char msg[256];
	int ret;

	ret = store_read(op->e->dirfd, op->fn->name, op->e->cfg.max_image_bytes,
			 &op->rec, msg, sizeof(msg));
	if (ret < 0 || (ret = op_load_config(op, msg, sizeof(msg))) < 0 ||
	    (ret = release_load(op)) < 0) {
		if (ret == -ENOMEM || ret == -EMFILE)
			snprintf(msg, sizeof(msg), "%s", strerror(-ret));
		set_outcome(op, ENGINE_INTERNAL, "%s", msg);
		goto out;
	}
	if (op_boot(op, op->rec.image, op->rec.image_len) == 0)
		set_outcome(op, ENGINE_OK, "%s", "");
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

	/* The function file first: without it nothing is loaded again. */
	remove_companions(op);

	if (ret < 0 && ret != -ENOENT)
		set_outcome(op, ENGINE_INTERNAL,
			    "cannot remove the state file: %s", strerror(-ret));
	else
		set_outcome(op, ENGINE_OK, "%s", "");
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

/* The allow-list as the API shows it: an array of URL prefixes. */
static json_t *allow_fetch_json(const char *list)
{
	json_t *a = json_array();

	for (const char *p = list; a && *p;) {
		const char *end = strchr(p, '\n');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, l));
		p += l + (end != NULL);
	}
	return a;
}

json_t *deploy_describe_version(const struct fn_version *v)
{
	char hex[SHA256_HEX_BYTES], when[64];
	const struct function_settings *s = &v->settings;

	sha256_hex(v->sha256, hex);
	format_time(v->deployed_at_ms, when, sizeof(when));
	return json_pack(
		"{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:o}",
		"name", v->fn->name, "version", (json_int_t)v->version,
		"sha256", hex, "image_bytes", (json_int_t)v->image_len,
		"memory_mb", (json_int_t)s->memory_mb, "timeout_ms",
		(json_int_t)s->timeout_ms, "max_concurrency",
		(json_int_t)s->max_concurrency, "min_warm",
		(json_int_t)s->min_warm, "queue_max", (json_int_t)s->queue_max,
		"queue_timeout_ms", (json_int_t)s->queue_timeout_ms, "idle_ms",
		(json_int_t)s->idle_ms, "max_output_bytes",
		(json_int_t)s->max_output_bytes, "wasi_stub_unknown",
		(json_int_t)s->wasi_stub_unknown, "deployed_at", when,
		"input_max_bytes", (json_int_t)v->in_cap, "boot_ms",
		(json_int_t)ns_to_ms(v->boot_ns), "init_ms",
		(json_int_t)ns_to_ms(v->init_ns), "snapshot_ms",
		(json_int_t)ns_to_ms(v->snapshot_ns), "allow_fetch",
		allow_fetch_json(s->allow_fetch));
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
	ver->log_src = (struct guest_log_src){fn, ver->version};
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
	d->description = ver ? describe_version(ver) : NULL;
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
		set_outcome(op, ENGINE_BUDGET_EXCEEDED,
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
			set_outcome(op, ENGINE_INTERNAL, "out of memory");
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

/* Loop: removal starts now; the file goes on a worker. */
static void op_remove_start(struct op *op)
{
	struct fn *fn = op->fn;

	if (fn->live)
		pool_retire(fn->live);
	op->item.fn = op_remove_run;
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
		set_outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	if (op->change == ENGINE_CHANGE_SECRET_DELETE &&
	    fnconfig_secrets_del(&op->secrets, op->d->secret_name) < 0) {
		set_outcome(op, ENGINE_SECRET_NOT_FOUND,
			    "function %s has no secret %s", fn->name,
			    op->d->secret_name);
		return -ENOENT;
	}
	if (op->change == ENGINE_CHANGE_SECRET_PUT) {
		ret = fnconfig_secrets_put(&op->secrets, op->d->secret_name,
					   op->secret_value, op->secret_len,
					   now_ms(), msg, sizeof(msg));
		if (ret < 0) {
			set_outcome(op,
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
		set_outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
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
			set_outcome(op, ENGINE_NOT_FOUND,
				    "function '%s' is not deployed", fn->name);
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
	if (fnconfig_env_block(op->env, &op->env_block, &op->env_len) < 0 ||
	    fnconfig_secrets_block(&op->secrets, &op->sec_block, &op->sec_len) <
		    0) {
		set_outcome(op, ENGINE_INTERNAL, "out of memory");
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
	if (op->kind == OP_DEPLOY) {
		if (op_prepare(op) < 0) {
			op->item.fn = op_done;
			workers_post(fn->e->workers, &op->item);
			return;
		}
		op->item.fn = op_deploy_run;
	} else if (op->kind == OP_LOAD) {
		op->item.fn = op_load_run;
	} else {
		op_remove_start(op);
		workers_submit(fn->e->workers, &op->item, 0);
		return;
	}
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
		set_outcome(op, ENGINE_UNAVAILABLE, "glintd is shutting down");
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
			set_outcome(op, ENGINE_UNAVAILABLE,
				    "glintd is shutting down");
			finish_deploy(op, NULL);
		} else {
			fn->e->loads_pending--;
		}
		op_free(op);
	}
}

json_t *engine_env(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	return json_pack("{s:o}", "env",
			 fn->env ? json_deep_copy(fn->env) : json_object());
}

json_t *engine_secrets(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	return json_pack("{s:o}", "secrets",
			 fnconfig_secrets_list(&fn->secrets));
}

int engine_settings(struct engine *e, const char *name,
		    struct function_settings *out)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return -ENOENT;
	*out = fn->live->settings;
	return 0;
}
