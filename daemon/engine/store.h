/* store.h: the state directory, one file per deployed function, replaced atomically. */
#ifndef GLINT_STORE_H
#define GLINT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "sha256.h"

/*
 * Each function lives in "<name>.fn" in the state directory:
 *
 *   "GLINTFN\x01"        8-byte magic (format 1)
 *   u32 meta_len         little endian
 *   u32 reserved         0
 *   u64 image_len        little endian
 *   meta                 JSON object (name, version, sha256, deployed_at_ms,
 *                        settings)
 *   image                the guest image bytes
 *   checksum             SHA-256 of everything above
 *
 * A write goes to a temporary ".tmp.<name>.*" file in the same directory,
 * is fsynced, renamed over the old file and the directory is fsynced, so
 * after a crash at any moment the file holds the old or the new version,
 * never a mix. The checksum catches anything else (a truncated or edited
 * file) and such a file is refused by store_read().
 *
 * Threads: every function may run on any thread; the caller serialises
 * operations on one name. All of them block on disk I/O: call them from
 * worker threads, not the loop.
 */

struct store_record {
	char name[64];
	uint32_t version;
	struct function_settings settings;
	int64_t deployed_at_ms; /* Unix time in milliseconds */
	uint8_t sha256[SHA256_DIGEST_BYTES];
	uint8_t *image; /* store_read(): malloc'd, freed by
	                   store_record_release(); store_write(): borrowed */
	size_t image_len;
};

/* Creates path (and missing parents) when needed, opens it and takes an
 * exclusive lock so that two daemons never share one directory. */
int store_open(const char *path, int *dirfd_out, char *err, size_t err_len);
void store_close(int dirfd); /* -1 ok */

/* Writes r atomically. -ENOSPC / -EDQUOT when the file system is full,
 * other negative errnos for other I/O failures; err says which step. */
int store_write(int dirfd, const struct store_record *r, char *err,
		size_t err_len);

/* Reads and verifies name's file. -ENOENT when missing, -EINVAL (with a
 * reason) when corrupt, -EFBIG when the image exceeds max_image_bytes. */
int store_read(int dirfd, const char *name, size_t max_image_bytes,
	       struct store_record *r, char *err, size_t err_len);

void store_record_release(struct store_record *r);

/* Removes name's file and fsyncs the directory; -ENOENT when missing. */
int store_remove(int dirfd, const char *name);

/*
 * Small companion files of a function ("<name>.env", "<name>.secrets",
 * "<name>@<version>.img"): "GLINTBL\x01", u64 length, the bytes and a
 * SHA-256 of all that, mode 0600, written like a function file (temporary
 * file, fsync, rename, fsync of the directory): old or new after a crash.
 * fname must be a plain file name. store_get: -ENOENT when missing,
 * -EINVAL when torn or edited, -EFBIG above max; *data is malloc'd with a
 * NUL after the bytes.
 */
int store_put(int dirfd, const char *fname, const void *data, size_t len,
	      char *err, size_t err_len);
int store_get(int dirfd, const char *fname, size_t max, uint8_t **data,
	      size_t *len);
/* Unlinks fname (missing is fine) and fsyncs the directory. */
int store_unlink(int dirfd, const char *fname);

/* Deletes stale temporary files and returns the names of stored functions
 * (malloc'd array of malloc'd strings; free with store_names_free). */
int store_scan(int dirfd, char ***names_out, size_t *count_out);
void store_names_free(char **names, size_t count);

#endif /* GLINT_STORE_H */
