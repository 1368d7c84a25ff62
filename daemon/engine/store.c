/* store.c: atomic, checksummed function files in the state directory. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "store.h"

#define STORE_MAGIC "GLINTFN\x01"
#define STORE_HEADER_BYTES 24
#define STORE_SUFFIX ".fn"
#define STORE_TMP_PREFIX ".tmp."
#define STORE_META_MAX (64u << 10)

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int mkdirs(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

/*
 * Whoever can write the state directory can plant an image that glintd
 * runs as a function, or swap one: like a token file, it must be ours
 * alone. Writable by others is refused; writable by the group is allowed
 * (a shared operators' group) but warned about.
 */
static int check_dir_mode(int fd, const char *path, char *err, size_t err_len)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, err_len, "cannot stat state directory %s: %s",
			 path, strerror(errno));
		return -errno;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(err, err_len,
			 "state directory %s is writable by other users (mode "
			 "%04o): chmod 700 it",
			 path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_mode & S_IWGRP)
		log_msg(LOG_LEVEL_WARN,
			"state directory %s is writable by its group (mode "
			"%04o): chmod 700 it unless that is meant",
			path, (unsigned)(st.st_mode & 07777));
	return 0;
}

int store_open(const char *path, int *dirfd_out, char *err, size_t err_len)
{
	int r, fd;

	r = mkdirs(path);
	if (r < 0) {
		snprintf(err, err_len, "cannot create state directory %s: %s",
			 path, strerror(-r));
		return r;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, err_len, "cannot open state directory %s: %s",
			 path, strerror(-r));
		return r;
	}
	r = check_dir_mode(fd, path, err, err_len);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		snprintf(err, err_len,
			 "state directory %s is in use by another glintd (%s)",
			 path, strerror(-r));
		close(fd);
		return r;
	}
	*dirfd_out = fd;
	return 0;
}

void store_close(int dirfd)
{
	if (dirfd >= 0)
		close(dirfd);
}

static char *meta_encode(const struct store_record *r)
{
	char hex[SHA256_HEX_BYTES];
	const struct function_settings *s = &r->settings;
	json_t *o;
	char *txt;

	sha256_hex(r->sha256, hex);
	o = json_pack(
		"{s:i, s:s, s:I, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:I, s:I}}",
		"format", 1, "name", r->name, "version", (json_int_t)r->version,
		"sha256", hex, "deployed_at_ms", (json_int_t)r->deployed_at_ms,
		"settings", "memory_mb", (json_int_t)s->memory_mb, "timeout_ms",
		(json_int_t)s->timeout_ms, "max_concurrency",
		(json_int_t)s->max_concurrency, "min_warm",
		(json_int_t)s->min_warm, "queue_max", (json_int_t)s->queue_max,
		"queue_timeout_ms", (json_int_t)s->queue_timeout_ms, "idle_ms",
		(json_int_t)s->idle_ms, "max_output_bytes",
		(json_int_t)s->max_output_bytes, "wasi_stub_unknown",
		(json_int_t)s->wasi_stub_unknown);
	if (o == NULL)
		return NULL;
	/* Only when set, so older glintd versions still read the file of a
	 * function without outbound access. */
	if (s->allow_fetch[0] &&
	    json_object_set_new(json_object_get(o, "settings"), "allow_fetch",
				json_string(s->allow_fetch)) < 0) {
		json_decref(o);
		return NULL;
	}
	txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return txt;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Header, metadata and image, each also fed to the checksum. */
static int write_body(int fd, const char *meta, const struct store_record *r)
{
	uint8_t hdr[STORE_HEADER_BYTES], sum[SHA256_DIGEST_BYTES];
	struct sha256_ctx c;
	size_t meta_len = strlen(meta);
	int ret;

	memcpy(hdr, STORE_MAGIC, 8);
	put_le(hdr + 8, meta_len, 4);
	put_le(hdr + 12, 0, 4);
	put_le(hdr + 16, r->image_len, 8);
	sha256_init(&c);
	sha256_update(&c, hdr, sizeof(hdr));
	sha256_update(&c, meta, meta_len);
	sha256_update(&c, r->image, r->image_len);
	sha256_final(&c, sum);
	if ((ret = write_all(fd, hdr, sizeof(hdr))) < 0 ||
	    (ret = write_all(fd, meta, meta_len)) < 0 ||
	    (ret = write_all(fd, r->image, r->image_len)) < 0 ||
	    (ret = write_all(fd, sum, sizeof(sum))) < 0)
		return ret;
	return 0;
}

int store_write(int dirfd, const struct store_record *r, char *err,
		size_t err_len)
{
	static unsigned counter;
	char tmp[128], final[96];
	const char *step = "encode metadata";
	char *meta = meta_encode(r);
	int fd = -1, ret = -ENOMEM;

	if (meta == NULL)
		goto fail;
	snprintf(tmp, sizeof(tmp), STORE_TMP_PREFIX "%s.%ld.%u", r->name,
		 (long)getpid(), __atomic_fetch_add(&counter, 1, 0));
	snprintf(final, sizeof(final), "%s" STORE_SUFFIX, r->name);
	step = "create temporary file";
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	step = "write";
	if ((ret = write_body(fd, meta, r)) < 0)
		goto fail_unlink;
	step = "fsync";
	if (fsync(fd) < 0) {
		ret = -errno;
		goto fail_unlink;
	}
	close(fd);
	fd = -1;
	step = "rename";
	if (renameat(dirfd, tmp, dirfd, final) < 0) {
		ret = -errno;
		goto fail_unlink;
	}
	step = "fsync directory";
	if (fsync(dirfd) < 0) {
		ret = -errno;
		goto fail;
	}
	free(meta);
	return 0;

fail_unlink:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlinkat(dirfd, tmp, 0);
fail:
	if (fd >= 0)
		close(fd);
	free(meta);
	snprintf(err, err_len, "state directory: %s failed: %s", step,
		 strerror(-ret));
	return ret;
}

#define BLOB_MAGIC "GLINTBL\x01"
#define BLOB_HEADER_BYTES 16

int store_put(int dirfd, const char *fname, const void *data, size_t len,
	      char *err, size_t err_len)
{
	static unsigned counter;
	size_t total = BLOB_HEADER_BYTES + len + SHA256_DIGEST_BYTES;
	uint8_t *buf = malloc(total);
	const char *step = "create temporary file";
	char tmp[160];
	int fd, ret;

	if (buf == NULL) {
		snprintf(err, err_len, "state directory: out of memory");
		return -ENOMEM;
	}
	memcpy(buf, BLOB_MAGIC, 8);
	put_le(buf + 8, len, 8);
	memcpy(buf + BLOB_HEADER_BYTES, data, len);
	sha256(buf, BLOB_HEADER_BYTES + len, buf + BLOB_HEADER_BYTES + len);
	snprintf(tmp, sizeof(tmp), STORE_TMP_PREFIX "%s.%ld.%u", fname,
		 (long)getpid(), __atomic_fetch_add(&counter, 1, 0));
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	step = "write";
	ret = write_all(fd, buf, total);
	if (ret == 0 && fsync(fd) < 0) {
		step = "fsync";
		ret = -errno;
	}
	close(fd);
	if (ret == 0 && renameat(dirfd, tmp, dirfd, fname) < 0) {
		step = "rename";
		ret = -errno;
	}
	if (ret < 0)
		unlinkat(dirfd, tmp, 0);
	else if (fsync(dirfd) < 0) {
		step = "fsync directory";
		ret = -errno;
	}
fail:
	/* The buffer may hold secret values. */
	explicit_bzero(buf, total);
	free(buf);
	if (ret < 0)
		snprintf(err, err_len, "state directory: %s failed: %s", step,
			 strerror(-ret));
	return ret;
}

int store_unlink(int dirfd, const char *fname)
{
	if (unlinkat(dirfd, fname, 0) < 0 && errno != ENOENT)
		return -errno;
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EINVAL;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int get_uint(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int meta_decode_settings(json_t *s, struct function_settings *fs)
{
	static const char *const keys[] = {
		"memory_mb", "timeout_ms",	 "max_concurrency", "min_warm",
		"queue_max", "queue_timeout_ms", "idle_ms"};
	uint32_t *dst[] = {&fs->memory_mb,	 &fs->timeout_ms,
			   &fs->max_concurrency, &fs->min_warm,
			   &fs->queue_max,	 &fs->queue_timeout_ms,
			   &fs->idle_ms};
	char err[128];
	uint64_t v;

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (get_uint(s, keys[i], UINT32_MAX, &v) < 0)
			return -EINVAL;
		*dst[i] = (uint32_t)v;
	}
	/* Added later: state files without it keep the default. */
	fs->max_output_bytes = FUNCTION_MAX_OUTPUT_BYTES;
	if (json_object_get(s, "max_output_bytes")) {
		if (get_uint(s, "max_output_bytes", UINT32_MAX, &v) < 0)
			return -EINVAL;
		fs->max_output_bytes = (uint32_t)v;
	}
	fs->wasi_stub_unknown = 0;
	if (json_object_get(s, "wasi_stub_unknown")) {
		if (get_uint(s, "wasi_stub_unknown", 1, &v) < 0)
			return -EINVAL;
		fs->wasi_stub_unknown = (uint32_t)v;
	}
	fs->allow_fetch[0] = '\0';
	if (json_object_get(s, "allow_fetch")) {
		const char *a =
			json_string_value(json_object_get(s, "allow_fetch"));

		if (a == NULL || function_settings_set(fs, "allow_fetch", a,
						       err, sizeof(err)) < 0)
			return -EINVAL;
	}
	return function_settings_check(fs, err, sizeof(err));
}

static int meta_decode(const char *txt, size_t len, const char *name,
		       struct store_record *r)
{
	char hex[SHA256_HEX_BYTES];
	json_t *o = json_loadb(txt, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *jname, *jsum;
	uint64_t v;
	int ret = -EINVAL;

	if (!json_is_object(o))
		goto out;
	jname = json_object_get(o, "name");
	jsum = json_object_get(o, "sha256");
	if (get_uint(o, "format", 1, &v) < 0 || v != 1 ||
	    !json_is_string(jname) || strcmp(json_string_value(jname), name) ||
	    !json_is_string(jsum) || get_uint(o, "version", UINT32_MAX, &v) < 0)
		goto out;
	r->version = (uint32_t)v;
	if (get_uint(o, "deployed_at_ms", INT64_MAX, &v) < 0)
		goto out;
	r->deployed_at_ms = (int64_t)v;
	if (meta_decode_settings(json_object_get(o, "settings"), &r->settings))
		goto out;
	sha256_hex(r->sha256, hex);
	if (strcmp(hex, json_string_value(jsum)) != 0)
		goto out;
	ret = 0;
out:
	json_decref(o);
	return ret;
}

static int check_file(const uint8_t *buf, size_t size, size_t max_image,
		      uint64_t *meta_len, uint64_t *image_len, char *err,
		      size_t err_len)
{
	uint8_t sum[SHA256_DIGEST_BYTES];

	if (size < STORE_HEADER_BYTES + SHA256_DIGEST_BYTES ||
	    memcmp(buf, STORE_MAGIC, 8) != 0) {
		snprintf(err, err_len, "not a glint function file");
		return -EINVAL;
	}
	*meta_len = get_le(buf + 8, 4);
	*image_len = get_le(buf + 16, 8);
	if (*image_len > max_image) {
		snprintf(err, err_len, "image of %" PRIu64 " bytes too large",
			 *image_len);
		return -EFBIG;
	}
	if (*meta_len > STORE_META_MAX ||
	    STORE_HEADER_BYTES + *meta_len + *image_len + SHA256_DIGEST_BYTES !=
		    size) {
		snprintf(err, err_len, "truncated or malformed file");
		return -EINVAL;
	}
	sha256(buf, size - SHA256_DIGEST_BYTES, sum);
	if (memcmp(sum, buf + size - SHA256_DIGEST_BYTES, sizeof(sum)) != 0) {
		snprintf(err, err_len, "checksum mismatch");
		return -EINVAL;
	}
	return 0;
}

static int read_path(int dirfd, const char *fname, size_t max_bytes,
		     uint8_t **buf_out, size_t *size_out)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	fd = openat(dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* glintd writes its files 0600: one that others may write was not
	 * left so by glintd, and is not run. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		return -EPERM;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	ret = read_all(fd, buf, (size_t)st.st_size);
	close(fd);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*buf_out = buf;
	*size_out = (size_t)st.st_size;
	return 0;
}

static int read_file(int dirfd, const char *name, size_t max_bytes,
		     uint8_t **buf_out, size_t *size_out)
{
	char fname[96];

	snprintf(fname, sizeof(fname), "%s" STORE_SUFFIX, name);
	return read_path(dirfd, fname, max_bytes, buf_out, size_out);
}

int store_get(int dirfd, const char *fname, size_t max, uint8_t **data,
	      size_t *len)
{
	uint8_t sum[SHA256_DIGEST_BYTES], *buf = NULL;
	size_t size = 0;
	uint64_t n;
	int ret;

	ret = read_path(dirfd, fname,
			max + BLOB_HEADER_BYTES + SHA256_DIGEST_BYTES, &buf,
			&size);
	if (ret < 0)
		return ret;
	ret = -EINVAL;
	if (size < BLOB_HEADER_BYTES + SHA256_DIGEST_BYTES ||
	    memcmp(buf, BLOB_MAGIC, 8) != 0)
		goto fail;
	n = get_le(buf + 8, 8);
	if (n != size - BLOB_HEADER_BYTES - SHA256_DIGEST_BYTES)
		goto fail;
	sha256(buf, size - SHA256_DIGEST_BYTES, sum);
	if (memcmp(sum, buf + size - SHA256_DIGEST_BYTES, sizeof(sum)) != 0)
		goto fail;
	memmove(buf, buf + BLOB_HEADER_BYTES, n);
	buf[n] = '\0'; /* room: the checksum was after it */
	*data = buf;
	*len = n;
	return 0;
fail:
	explicit_bzero(buf, size);
	free(buf);
	return ret;
}

int store_read(int dirfd, const char *name, size_t max_image_bytes,
	       struct store_record *r, char *err, size_t err_len)
{
	uint64_t meta_len, image_len;
	uint8_t *buf = NULL;
	size_t size = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!function_name_valid(name, strlen(name))) {
		snprintf(err, err_len, "invalid function name");
		return -EINVAL;
	}
	ret = read_file(dirfd, name,
			max_image_bytes + STORE_META_MAX + STORE_HEADER_BYTES +
				SHA256_DIGEST_BYTES,
			&buf, &size);
	if (ret == -EPERM) {
		snprintf(err, err_len,
			 "the file is writable by other users "
			 "than glintd's: chmod 600 it");
		return ret;
	}
	if (ret < 0) {
		snprintf(err, err_len, "cannot read: %s", strerror(-ret));
		return ret;
	}
	ret = check_file(buf, size, max_image_bytes, &meta_len, &image_len, err,
			 err_len);
	if (ret < 0)
		goto fail;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->image_len = image_len;
	sha256(buf + STORE_HEADER_BYTES + meta_len, image_len, r->sha256);
	ret = meta_decode((const char *)buf + STORE_HEADER_BYTES, meta_len,
			  name, r);
	if (ret < 0) {
		snprintf(err, err_len, "invalid metadata");
		goto fail;
	}
	/* Keep only the image: move it to the front of the buffer. */
	memmove(buf, buf + STORE_HEADER_BYTES + meta_len, image_len);
	r->image = buf;
	return 0;
fail:
	free(buf);
	memset(r, 0, sizeof(*r));
	return ret;
}

void store_record_release(struct store_record *r)
{
	if (r == NULL)
		return;
	free(r->image);
	r->image = NULL;
	r->image_len = 0;
}

int store_remove(int dirfd, const char *name)
{
	char fname[96];

	if (!function_name_valid(name, strlen(name)))
		return -EINVAL;
	snprintf(fname, sizeof(fname), "%s" STORE_SUFFIX, name);
	if (unlinkat(dirfd, fname, 0) < 0)
		return -errno;
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

void store_names_free(char **names, size_t count)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* Adds d_name's function name to the list when it names a function file. */
static int scan_entry(const char *d_name, char ***names, size_t *n, size_t *cap)
{
	size_t len = strlen(d_name), slen = strlen(STORE_SUFFIX);
	char **grown;

	if (len <= slen || strcmp(d_name + len - slen, STORE_SUFFIX) != 0 ||
	    !function_name_valid(d_name, len - slen))
		return 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		grown = realloc(*names, *cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		*names = grown;
	}
	(*names)[*n] = strndup(d_name, len - slen);
	if ((*names)[*n] == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int store_scan(int dirfd, char ***names_out, size_t *count_out)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd, ret = 0;
	DIR *dir;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, STORE_TMP_PREFIX,
			    strlen(STORE_TMP_PREFIX)) == 0) {
			unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		ret = scan_entry(de->d_name, &names, &n, &cap);
		if (ret < 0)
			break;
	}
	closedir(dir);
	if (ret < 0) {
		store_names_free(names, n);
		return ret;
	}
	*names_out = names;
	*count_out = n;
	return 0;
}
