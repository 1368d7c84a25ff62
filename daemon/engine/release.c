/* release.c: kept images: versions and rollback. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_internal.h"
#include "log.h"
#include "release.h"

static void release_fname(char *buf, size_t len, const char *fn, uint32_t v)
{
	snprintf(buf, len, "%s@%" PRIu32 ".img", fn, v);
}

static const struct fn_release *find(const struct fn *fn, uint32_t v)
{
	for (size_t i = 0; i < fn->nhist; i++)
		if (fn->hist[i].version == v)
			return &fn->hist[i];
	return NULL;
}

/* The newest kept version older than the live one, or 0. */
static uint32_t previous(const struct fn *fn, uint32_t live)
{
	uint32_t best = 0;

	for (size_t i = 0; i < fn->nhist; i++)
		if (fn->hist[i].version < live && fn->hist[i].version > best)
			best = fn->hist[i].version;
	return best;
}

static int prepare_rollback(struct op *op)
{
	struct fn *fn = op->fn;
	uint32_t want = op->d->rollback_version;
	const struct fn_release *r;

	if (want == 0)
		want = previous(fn, fn->live->version);
	if (want == 0) {
		op->outcome = ENGINE_NO_PREVIOUS_VERSION;
		snprintf(op->message, sizeof(op->message),
			 "%s has no kept version older than version %u",
			 fn->name, fn->live->version);
		return -ENOENT;
	}
	r = find(fn, want);
	if (r == NULL) {
		op->outcome = ENGINE_VERSION_NOT_FOUND;
		snprintf(op->message, sizeof(op->message),
			 "%s has no kept version %u (GET "
			 "/functions/%s/versions lists them)",
			 fn->name, want, fn->name);
		return -ENOENT;
	}
	op->rec.version = r->version;
	op->rec.deployed_at_ms = r->deployed_at_ms;
	return 0;
}

int release_prepare(struct op *op)
{
	struct fn *fn = op->fn;
	unsigned keep = op->e->cfg.keep_versions ? op->e->cfg.keep_versions : 1;

	if (op->change == ENGINE_CHANGE_ROLLBACK)
		return prepare_rollback(op);
	if (op->change != ENGINE_CHANGE_IMAGE)
		return 0;
	/* hist is oldest first; the new image counts as one. */
	for (size_t i = 0; i < fn->nhist && fn->nhist + 1 - i > keep &&
			   op->ndrop < sizeof(op->drop) / sizeof(op->drop[0]);
	     i++)
		op->drop[op->ndrop++] = fn->hist[i].version;
	return 0;
}

void release_store(struct op *op)
{
	char fname[96], head[128], msg[256];
	size_t hlen, total;
	uint8_t *buf;

	hlen = (size_t)snprintf(head, sizeof(head),
				"{\"version\":%" PRIu32
				",\"deployed_at_ms\":%" PRId64 "}",
				op->rec.version, op->rec.deployed_at_ms);
	total = 4 + hlen + op->image_len;
	buf = malloc(total);
	if (buf == NULL) {
		op->ndrop = 0;
		op->not_kept = 1;
		return;
	}
	for (unsigned i = 0; i < 4; i++)
		buf[i] = (uint8_t)(hlen >> (8 * i));
	memcpy(buf + 4, head, hlen);
	memcpy(buf + 4 + hlen, op->image, op->image_len);
	release_fname(fname, sizeof(fname), op->fn->name, op->rec.version);
	if (store_put(op->e->dirfd, fname, buf, total, msg, sizeof(msg)) < 0) {
		engine_log(LOG_LEVEL_WARN,
			   "%s version %u is live but not kept for rollback: "
			   "%s",
			   op->fn->name, op->rec.version, msg);
		op->ndrop = 0;
		op->not_kept = 1;
	}
	free(buf);
	for (unsigned i = 0; i < op->ndrop; i++) {
		release_fname(fname, sizeof(fname), op->fn->name, op->drop[i]);
		store_unlink(op->e->dirfd, fname);
	}
}

/* A kept file: header and image; the image moves to the buffer's front. */
static int parse(uint8_t *buf, size_t len, struct fn_release *r,
		 size_t *image_off)
{
	uint64_t v = 0;
	long long t = -1;
	size_t hlen;
	char head[128];

	if (len < 4)
		return -EINVAL;
	hlen = (size_t)buf[0] | (size_t)buf[1] << 8 | (size_t)buf[2] << 16 |
	       (size_t)buf[3] << 24;
	if (hlen >= sizeof(head) || hlen > len - 4)
		return -EINVAL;
	memcpy(head, buf + 4, hlen);
	head[hlen] = '\0';
	if (sscanf(head, "{\"version\":%" SCNu64 ",\"deployed_at_ms\":%lld}",
		   &v, &t) != 2 ||
	    v == 0 || v > UINT32_MAX || t < 0)
		return -EINVAL;
	r->version = (uint32_t)v;
	r->deployed_at_ms = t;
	r->image_len = len - 4 - hlen;
	sha256(buf + 4 + hlen, r->image_len, r->sha256);
	*image_off = 4 + hlen;
	return 0;
}

static int read_kept(struct op *op, uint32_t v, struct fn_release *r,
		     uint8_t **image)
{
	char fname[96];
	uint8_t *buf;
	size_t len, off;
	int ret;

	release_fname(fname, sizeof(fname), op->fn->name, v);
	ret = store_get(op->e->dirfd, fname, op->e->cfg.max_image_bytes + 4096,
			&buf, &len);
	if (ret < 0)
		return ret;
	ret = parse(buf, len, r, &off);
	if (ret < 0 || r->version != v) {
		free(buf);
		return -EINVAL;
	}
	if (image) {
		memmove(buf, buf + off, r->image_len);
		*image = buf;
	} else {
		free(buf);
	}
	return 0;
}

int release_read(struct op *op)
{
	struct fn_release r;
	int ret = read_kept(op, op->rec.version, &r, &op->image);

	if (ret < 0) {
		op->outcome = ENGINE_INTERNAL;
		snprintf(op->message, sizeof(op->message),
			 "kept image of version %u unreadable or corrupt: %s",
			 op->rec.version, strerror(-ret));
		return ret;
	}
	op->image_len = r.image_len;
	return 0;
}

/* Calls fn for every kept version of name found in the directory. */
static int scan(struct op *op, void (*each)(struct op *, uint32_t))
{
	size_t nlen = strlen(op->fn->name);
	int fd = openat(op->e->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(dir)) != NULL) {
		char *end;
		unsigned long v;

		if (strncmp(de->d_name, op->fn->name, nlen) != 0 ||
		    de->d_name[nlen] != '@')
			continue;
		v = strtoul(de->d_name + nlen + 1, &end, 10);
		if (v == 0 || v > UINT32_MAX || strcmp(end, ".img") != 0)
			continue;
		each(op, (uint32_t)v);
	}
	closedir(dir);
	return 0;
}

static void load_one(struct op *op, uint32_t v)
{
	struct fn_release r, *g;

	if (read_kept(op, v, &r, NULL) < 0) {
		engine_log(LOG_LEVEL_WARN,
			   "state: kept image %s@%u unreadable, ignored",
			   op->fn->name, v);
		return;
	}
	g = realloc(op->hist, (op->nhist + 1) * sizeof(*g));
	if (g == NULL)
		return;
	op->hist = g;
	size_t i = op->nhist;
	while (i > 0 && g[i - 1].version > v) {
		g[i] = g[i - 1];
		i--;
	}
	g[i] = r;
	op->nhist++;
}

int release_load(struct op *op)
{
	return scan(op, load_one);
}

static void remove_one(struct op *op, uint32_t v)
{
	char fname[96];

	release_fname(fname, sizeof(fname), op->fn->name, v);
	unlinkat(op->e->dirfd, fname, 0);
}

void release_remove_all(struct op *op)
{
	scan(op, remove_one);
	fsync(op->e->dirfd);
}

static void commit_image(struct fn *fn, struct op *op)
{
	struct fn_release *g;
	size_t k = 0;

	/* Drop what the worker deleted, keep the order. */
	for (size_t i = 0; i < fn->nhist; i++) {
		int dropped = 0;

		for (unsigned j = 0; j < op->ndrop; j++)
			dropped |= fn->hist[i].version == op->drop[j];
		if (!dropped)
			fn->hist[k++] = fn->hist[i];
	}
	fn->nhist = k;
	g = realloc(fn->hist, (fn->nhist + 1) * sizeof(*g));
	if (g == NULL)
		return;
	fn->hist = g;
	g[fn->nhist].version = op->rec.version;
	g[fn->nhist].deployed_at_ms = op->rec.deployed_at_ms;
	memcpy(g[fn->nhist].sha256, op->rec.sha256, SHA256_DIGEST_BYTES);
	g[fn->nhist].image_len = op->rec.image_len;
	fn->nhist++;
}

void release_commit(struct fn *fn, struct op *op)
{
	if (op->kind == OP_REMOVE) {
		/* Its next deploy is version 1 again, even while its last
		 * VMs are still being torn down and keep fn alive. */
		free(fn->hist);
		fn->hist = NULL;
		fn->nhist = 0;
		fn->last_version = 0;
	} else if (op->kind == OP_LOAD) {
		free(fn->hist);
		fn->hist = op->hist;
		fn->nhist = op->nhist;
		op->hist = NULL;
		if (fn->nhist &&
		    fn->hist[fn->nhist - 1].version > fn->last_version)
			fn->last_version = fn->hist[fn->nhist - 1].version;
	} else if (op->change == ENGINE_CHANGE_IMAGE && !op->not_kept) {
		commit_image(fn, op);
	}
}

json_t *engine_versions(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);
	char hex[SHA256_HEX_BYTES], when[64];
	json_t *a;

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	a = json_array();
	for (size_t i = fn->nhist; a && i-- > 0;) {
		const struct fn_release *r = &fn->hist[i];
		time_t t = (time_t)(r->deployed_at_ms / 1000);
		struct tm tm;

		sha256_hex(r->sha256, hex);
		gmtime_r(&t, &tm);
		snprintf(when, sizeof(when),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(r->deployed_at_ms % 1000));
		json_array_append_new(
			a, json_pack("{s:I, s:s, s:I, s:s, s:b}", "version",
				     (json_int_t)r->version, "sha256", hex,
				     "image_bytes", (json_int_t)r->image_len,
				     "deployed_at", when, "live",
				     r->version == fn->live->version));
	}
	return json_pack("{s:I, s:I, s:o}", "live_version",
			 (json_int_t)fn->live->version, "keep_versions",
			 (json_int_t)e->cfg.keep_versions, "versions", a);
}
