/* deploy_internal.h: what the files of deploy (deploy.c, deploy_boot.c, deploy_store.c, deploy_describe.c) share. */
#ifndef GLINT_DEPLOY_INTERNAL_H
#define GLINT_DEPLOY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine_internal.h"

/* The thread that holds op (the loop, or the worker running its step):
 * its outcome and the message its client or the log sees. */
void deploy__outcome(struct op *op, enum engine_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The thread that holds op: the environment and secrets blocks its boot
 * reads, from op->env and op->secrets. 0 or -ENOMEM. */
int deploy__blocks(struct op *op);

/* Worker: checks image (a Wasm module is compiled to one first, or taken
 * from the cache) and boots it to its snapshot with op's settings,
 * environment and secrets. 0 with op->snap and op->vm set, or a negative
 * errno with op's outcome set. image is borrowed for the call. */
int deploy__boot(struct op *op, const uint8_t *image, size_t len);

/* Worker: the step of an op of each kind, from its files to its boot
 * (deploy, load) or to its files gone (remove). The outcome is in op;
 * the caller hands op back to the loop. */
void deploy__run_deploy(struct op *op);
void deploy__run_load(struct op *op);
void deploy__run_remove(struct op *op);

/* Loop: a version as a deploy answers it: deploy_describe_version and, for
 * a Wasm module, its compile time. A new reference, or NULL. */
json_t *deploy__describe_deployed(const struct fn_version *ver);

#endif /* GLINT_DEPLOY_INTERNAL_H */
