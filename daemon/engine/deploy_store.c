/* deploy_store.c: the worker half of deploy, load and remove ops: the function's files in the state directory read, written and removed around its boot. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_internal.h"
#include "release.h"

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
		deploy__outcome(op, ENGINE_INTERNAL, "%s", msg);
		return ret;
	}
	op->image = r.image;
	op->image_len = r.image_len;
	return 0;
}

void deploy__run_deploy(struct op *op)
{
	char msg[256];
	int ret;

	if (op_read_image(op) < 0)
		return;
	sha256(op->image, op->image_len, op->rec.sha256);
	op->rec.image_len = op->image_len;
	if (deploy__boot(op, op->image, op->image_len) < 0)
		return;
	ret = op_store(op, msg, sizeof(msg));
	if (ret < 0) {
		if (ret == -ENOSPC || ret == -EDQUOT)
			deploy__outcome(op, ENGINE_STORAGE_FULL, "%s", msg);
		else
			deploy__outcome(op, ENGINE_INTERNAL, "%s", msg);
		vm_destroy(op->vm);
		vm_snapshot_unref(op->snap);
		op->vm = NULL;
		op->snap = NULL;
		return;
	}
	if (op->change == ENGINE_CHANGE_IMAGE)
		release_store(op);
	deploy__outcome(op, ENGINE_OK, "%s", "");
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
	if (deploy__blocks(op) < 0) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void deploy__run_load(struct op *op)
{
	char msg[256];
	int ret;

	ret = store_read(op->e->dirfd, op->fn->name, op->e->cfg.max_image_bytes,
			 &op->rec, msg, sizeof(msg));
	if (ret < 0 || (ret = op_load_config(op, msg, sizeof(msg))) < 0 ||
	    (ret = release_load(op)) < 0) {
		if (ret == -ENOMEM || ret == -EMFILE)
			snprintf(msg, sizeof(msg), "%s", strerror(-ret));
		deploy__outcome(op, ENGINE_INTERNAL, "%s", msg);
		goto out;
	}
	if (deploy__boot(op, op->rec.image, op->rec.image_len) == 0)
		deploy__outcome(op, ENGINE_OK, "%s", "");
out:
	/* Keep the record's metadata (image_len included) for install(). */
	free(op->rec.image);
	op->rec.image = NULL;
}

void deploy__run_remove(struct op *op)
{
	int ret = store_remove(op->e->dirfd, op->fn->name);

	/* The function file first: without it nothing is loaded again. */
	remove_companions(op);

	if (ret < 0 && ret != -ENOENT)
		deploy__outcome(op, ENGINE_INTERNAL,
				"cannot remove the state file: %s",
				strerror(-ret));
	else
		deploy__outcome(op, ENGINE_OK, "%s", "");
}
