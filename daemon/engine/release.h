/* release.h: the kept images of each function: versions and rollback. */
#ifndef GLINT_RELEASE_H
#define GLINT_RELEASE_H

#include <stddef.h>
#include <stdint.h>

struct op;
struct fn;

/*
 * Every image deployed is kept as "<name>@<version>.img" (a store_put
 * file: u32 length of a JSON header {"version","deployed_at_ms"}, the
 * header, the image), the newest keep_versions of each function, the live
 * one included. A rollback boots a kept image with the function's current
 * settings, environment and secrets and stores it as the function file.
 */

/* Loop, when the op starts: IMAGE: which kept images go; ROLLBACK: the
 * target (op->rec) or an error status. */
int release_prepare(struct op *op);
/* Worker. IMAGE: keeps op->image after its function file is stored. */
void release_store(struct op *op);
/* Worker. ROLLBACK: reads the target image into op->image. */
int release_read(struct op *op);
/* Worker. LOAD: the kept images of op->fn into op->hist. */
int release_load(struct op *op);
/* Worker. REMOVE: every kept image of the function. */
void release_remove_all(struct op *op);
/* Loop, after a successful op: the function's list follows. */
void release_commit(struct fn *fn, struct op *op);

#endif /* GLINT_RELEASE_H */
