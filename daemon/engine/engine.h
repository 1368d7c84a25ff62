/* engine.h: deployed functions, their VM pools and the workers that run calls. */
#ifndef GLINT_ENGINE_H
#define GLINT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "outcome.h"
#include "settings.h"

/*
 * The engine is the daemon below HTTP: the registry of deployed functions
 * and their on-disk state, one pool of prewarmed VMs per function, the wait
 * queues, and the worker threads that run VMs. The HTTP layer (api.c) only
 * parses requests, calls in here and turns results into responses.
 *
 * Threads: every engine_* function is called on the loop thread, and every
 * callback runs on the loop thread. VM creation, boot, calls, restores and
 * teardown run on worker threads and never on the loop.
 *
 * Memory: a struct engine_invocation / engine_deploy is owned by the caller
 * and must stay valid until its callback has run. The callback is called
 * exactly once, and never before engine_invoke / engine_deploy returns: it
 * always runs from a later loop iteration, so the caller may finish its own
 * bookkeeping first.
 *
 * Input lifetime: engine_invoke borrows inv->input (it is read on a worker
 * when the call runs, possibly after a wait in the queue) and
 * engine_deploy copies d->image before it returns. The caller keeps the
 * input alive until done(); the HTTP layer does so because a request's body
 * lives until the request is finished, a request waiting for the engine is
 * suspended (libmicrohttpd neither times out nor closes a suspended
 * connection), and glintd stops the HTTP server only after
 * engine_shutdown's callback, when every callback has run.
 *
 * Results are engine outcomes (outcome.h), never HTTP statuses: the HTTP
 * layer maps them to status codes.
 */

struct engine;
struct metrics;

struct engine_config {
	const char *state_dir;	/* created if missing */
	unsigned workers;	/* worker threads; 0 = one per CPU */
	size_t max_image_bytes; /* deploy body limit */
	struct function_settings defaults;
};

void engine_config_default(struct engine_config *cfg);

struct engine_invocation;
typedef void (*engine_invoke_fn)(struct engine_invocation *inv);

struct engine_invocation {
	/* set by the caller */
	char function[64];
	const void *input; /* borrowed until the callback */
	size_t input_len;
	uint64_t request_id;
	engine_invoke_fn done;
	void *opaque;

	/* set by the engine before done() */
	enum engine_outcome outcome;
	char message[512]; /* error text for the client; "" on success */
	uint8_t *output;   /* malloc'd body (OK) or NULL; caller frees */
	size_t output_len;
	char content_type[64];	/* for OK */
	uint64_t queue_ns;	/* waiting for a VM */
	uint64_t run_ns;	/* vm_call */
	uint64_t total_ns;	/* engine_invoke to done() */
	uint32_t retry_after_s; /* for QUEUE_FULL */

	void *engine_private;
};

/* Starts an invocation; inv->done is always called later on the loop. */
void engine_invoke(struct engine *e, struct engine_invocation *inv);

struct engine_deploy;
typedef void (*engine_deploy_fn)(struct engine_deploy *d);

struct engine_deploy {
	/* set by the caller */
	char function[64];
	const void *image; /* copied before engine_deploy returns */
	size_t image_len;
	struct function_settings settings; /* filled from defaults + query */
	uint64_t request_id;
	engine_deploy_fn done;
	void *opaque;

	/* set by the engine before done() */
	enum engine_outcome outcome; /* ENGINE_OK, or why the deploy failed */
	char message[512];
	json_t *description; /* ENGINE_OK: the function's description; the
	                          caller owns the reference */
	void *engine_private;
};

void engine_deploy(struct engine *e, struct engine_deploy *d);

/* Synchronous queries on the loop thread. Return new references, or NULL
 * (not found). */
json_t *engine_list(struct engine *e);
json_t *engine_describe(struct engine *e, const char *name);

/* Removes a function: new calls get ENGINE_NOT_FOUND at once, in-flight calls finish,
 * its VMs are released on workers, its state is removed from disk.
 * Returns 0 or -ENOENT. */
int engine_delete(struct engine *e, const char *name);

/* Creates the engine on loop; opens KVM, starts workers and loads the
 * stored functions in the background. */
int engine_create(uv_loop_t *loop, const struct engine_config *cfg,
		  struct metrics *metrics, struct engine **out, char *err,
		  size_t err_len);

/* 1 once KVM is usable and every stored function has been loaded (or
 * skipped as corrupt). */
int engine_ready(const struct engine *e);

/* Stops taking new work (invocations get ENGINE_UNAVAILABLE), lets
 * in-flight calls finish for at most grace_ms, then interrupts them;
 * calls done() on the loop when every worker has stopped. */
void engine_shutdown(struct engine *e, uint32_t grace_ms,
		     void (*done)(void *opaque), void *opaque);

/* After engine_shutdown's callback; NULL ok. */
void engine_destroy(struct engine *e);

#endif /* GLINT_ENGINE_H */
