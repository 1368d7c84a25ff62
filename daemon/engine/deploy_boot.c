/* deploy_boot.c: an image (an ELF, or a Wasm module compiled first) checked and booted to its snapshot. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_internal.h"
#include "image.h"
#include "wasm_build.h"
#include "wasm_scan.h"

static void boot_failed(struct op *op, int ret, const struct vm_error *err,
			const struct vm_config *cfg)
{
	switch (err->kind) {
	case VM_ERR_IMAGE:
		deploy__outcome(op, ENGINE_INVALID_IMAGE, "%s", err->message);
		break;
	case VM_ERR_HOST:
	case VM_ERR_NONE:
		deploy__outcome(op, ENGINE_INTERNAL, "cannot boot: %s",
				err->kind ? err->message : strerror(-ret));
		break;
	case VM_ERR_TIMEOUT:
		deploy__outcome(op, ENGINE_INIT_FAILED,
				"init did not finish within %u ms",
				cfg->init_timeout_ms);
		break;
	default:
		deploy__outcome(op, ENGINE_INIT_FAILED, "%s", err->message);
		break;
	}
}

static void boot_error(struct op *op, int ret, const struct vm_error *err,
		       const struct vm_config *cfg)
{
	op->snap = NULL;
	op->vm = NULL;
	if (ret == -ECANCELED)
		deploy__outcome(op, ENGINE_UNAVAILABLE,
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
		deploy__outcome(op, werr.outcome, "%s", werr.message);
		return ret;
	}
	w->env = wasm_env_block(op, &w->env_len);
	if (w->env == NULL) {
		deploy__outcome(op, ENGINE_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	op->wasm = 1;
	op->compile_ns = w->wb.compile_ns;
	return 0;
}

int deploy__boot(struct op *op, const uint8_t *image, size_t len)
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
		deploy__outcome(op, ENGINE_INVALID_IMAGE, "%s", msg);
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
		deploy__outcome(op, ENGINE_INVALID_SETTING, "%s", msg);
		goto release;
	}
	op->log_src =
		(struct guest_log_src){op->fn, op->rec.version, op->fn->mf};
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
