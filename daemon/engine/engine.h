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

/*
 * Sharing the workers (fairness). A worker is held by a call from the moment
 * it is dispatched until its VM is restored (so restore time is charged to
 * the function that dirtied the memory), and by a deploy or load from the
 * start of image validation until its snapshot is taken. The engine never
 * hands a worker more than one such job, so a job dispatched runs at once:
 *
 *   - a function holds at most function_workers_max workers; the default
 *     is workers - 1 (1 with a single worker), so while one function
 *     spins on every VM it may use, every other function still finds a
 *     worker and waits at most one short job (a clone, a teardown);
 *   - boots (deploys and loads at start-up) hold at most deploy_workers
 *     workers, default 1 (a quarter of them above 4 workers);
 *   - calls wait for a VM *and* a worker in their function's queue, whose
 *     queue_max and queue_timeout_ms bound the wait; a call that has not
 *     started by then ends with queue_timeout and never touched a VM;
 *   - functions with waiting calls are served round-robin, one call each
 *     turn, whenever a worker comes free.
 *
 * Budgets. Every VM and snapshot costs file descriptors (about 3 per VM),
 * kernel memory and, at worst, its whole guest memory once it has run a
 * call that writes everything. The engine charges:
 *
 *   - max_functions: functions deployed or being deployed;
 *   - max_vms: VMs alive (ready, busy, being made); never more than the
 *     descriptors left in RLIMIT_NOFILE after fd_reserve allow;
 *   - max_warm_vms: the sum of the functions' min_warm (each function
 *     counts at least the one VM its deploy boots);
 *   - memory_budget_mb: memory_mb of every snapshot and every VM alive.
 *
 * A deploy that cannot fit is refused before anything boots (507,
 * "budget_exceeded", the message names the budget and its value). A pool
 * that cannot grow within budget keeps its calls queued for a VM to come
 * free (an idle VM of another function above its min_warm is reclaimed to
 * make room); a full queue is refused with queue_full naming the budget.
 * At start-up a stored function that does not fit is loaded with fewer
 * warm VMs, or not at all, with a log line saying which budget; its file
 * is kept. An idle VM whose restore left much of its memory private hands
 * it back to the snapshot (vm_trim) after a second, so one heavy call does
 * not pin its memory for the VM's life.
 */
struct engine_config {
	const char *state_dir;	/* created if missing */
	unsigned workers;	/* worker threads; 0 = one per CPU plus one */
	size_t max_image_bytes; /* deploy body limit */
	struct function_settings defaults;
	/* What a guest may make the daemon log: lines beyond these are
	 * dropped and counted (glint_guest_log_dropped_total). */
	unsigned guest_log_lines_per_call;
	size_t guest_log_bytes_per_call;
	unsigned guest_log_lines_per_s; /* per function, over all its calls */
	/* Bytes of recent guest log lines kept per function for
	 * GET /functions/<fn>/logs (the oldest go first); default 256 KiB. */
	size_t log_buffer_bytes;
	/* Host calls a call may make, and their request and response bytes
	 * summed over the call; beyond them the function gets GLINT_E_LIMIT
	 * (counted as glint_hostcalls_total{outcome="limit"}). Defaults:
	 * 10000 calls, 64 MiB in, 64 MiB out. */
	unsigned hostcalls_per_call;
	uint64_t hostcall_in_bytes_per_call;
	uint64_t hostcall_out_bytes_per_call;
	/* Outbound requests (FETCH) a call may start; beyond it
	 * GLINT_E_LIMIT. Default 100. */
	unsigned fetches_per_call;

	/* Functions' key-value state (kv.h), opened at engine start and
	 * closed after the last parked call has ended. */
	int kv_backend;		   /* enum kv_backend: KV_EMBEDDED (default,
	                              LMDB under state_dir/kv) or KV_REDIS */
	const char *kv_redis_url;  /* KV_REDIS: redis://host:port[/db] */
	size_t kv_max_key_bytes;   /* default 512 */
	size_t kv_max_value_bytes; /* default 1 MiB */
	size_t kv_map_bytes;	   /* embedded: largest size; 0 = 1 GiB */
	/* Outbound HTTP for the FETCH host call: the client's limits, from
	 * fetch_config_default (fetch.h); glintd sets none of them. */
	uint64_t fetch_timeout_ms;	 /* per request; 0 = 30 s */
	size_t fetch_max_response_bytes; /* 0 = 8 MiB */
	/* "host:port:address" pins for the client, as curl's
	 * CURLOPT_RESOLVE (tests point a name at loopback); borrowed. */
	const char *const *fetch_resolve;
	size_t fetch_n_resolve;

	/* fairness; 0 = derived from workers as described above */
	unsigned function_workers_max;
	unsigned deploy_workers;
	unsigned deploy_queue_max; /* deploys of one function waiting behind
	                              the running one (429 above); default 4 */
	unsigned keep_versions;	   /* images kept per function for rollback,
	                              the live one included; default 5 */

	/* budgets; 0 = derived from the machine */
	unsigned max_functions;	   /* default 1024 */
	unsigned max_vms;	   /* default: what the fds allow */
	unsigned max_warm_vms;	   /* default: max_vms / 2 */
	uint32_t memory_budget_mb; /* default: half of MemTotal */
	unsigned fd_reserve;	   /* descriptors kept for connections, logs and
	                        state files; default 1024 + 64 */
};

/* The budgets in force (derived values filled in) and what is charged. */
struct engine_budget {
	unsigned max_functions, functions;
	unsigned max_vms, vms;
	unsigned max_warm_vms, warm_vms;
	uint64_t memory_budget_mb, memory_mb;
	uint64_t fd_limit; /* RLIMIT_NOFILE (soft, raised to hard) */
};

void engine_budget_get(const struct engine *e, struct engine_budget *out);

void engine_config_default(struct engine_config *cfg);

struct engine_invocation;
typedef void (*engine_invoke_fn)(struct engine_invocation *inv);

struct vm_request;

struct engine_invocation {
	/* set by the caller */
	char function[64];
	const struct vm_request *request; /* method, path, query, headers...
	                                     borrowed until the callback;
	                                     NULL: a body-only POST */
	const void *input; /* the body; borrowed until the callback */
	size_t input_len;
	uint64_t request_id;
	engine_invoke_fn done;
	void *opaque;
	/* 1: done() may be called from inside engine_invoke, when the call
	 * ran to completion on the loop at once (a caller that can answer
	 * before engine_invoke returns, as the HTTP layer can); 0: always
	 * later. */
	int done_inline_ok;

	/* set by the engine before done() */
	enum engine_outcome outcome;
	char message[512]; /* error text for the client; "" on success */
	uint8_t *output;   /* malloc'd body (OK) or NULL; caller frees */
	size_t output_len;
	char content_type[64]; /* for OK */
	unsigned http_status;  /* for OK: 100-599 (not 101), checked */
	char *headers;	       /* for OK: malloc'd "name\0value\0"...
	                           (checked by the VMM) or NULL; caller
	                           frees */
	size_t headers_len;
	uint64_t queue_ns;	/* waiting for a VM */
	uint64_t run_ns;	/* vm_call */
	uint64_t total_ns;	/* engine_invoke to done() */
	uint32_t retry_after_s; /* for QUEUE_FULL */

	void *engine_private;
};

/* Starts an invocation; inv->done is called later on the loop, or before
 * this returns where inv->done_inline_ok allows it. */
void engine_invoke(struct engine *e, struct engine_invocation *inv);

struct engine_deploy;
typedef void (*engine_deploy_fn)(struct engine_deploy *d);

/*
 * What a deploy changes. IMAGE is a deploy of a new image with its
 * settings: it keeps the environment and secrets. The others keep the
 * live image and settings and change one thing: the function is booted
 * again (init sees the change) and swapped in like a deploy, so calls in
 * flight finish on the old version and none fails. They need a deployed
 * function (404 function_not_found) and answer 200 on success.
 */
enum engine_change {
	ENGINE_CHANGE_IMAGE = 0,
	ENGINE_CHANGE_ENV,	     /* env replaces the environment */
	ENGINE_CHANGE_SECRET_PUT,    /* secret_name := secret_value */
	ENGINE_CHANGE_SECRET_DELETE, /* 404 secret_not_found if missing */
	ENGINE_CHANGE_ROLLBACK,	     /* to rollback_version, 0 = previous */
};

struct engine_deploy {
	/* set by the caller */
	char function[64];
	const void *image; /* copied before engine_deploy returns */
	size_t image_len;
	struct function_settings settings; /* filled from defaults + query */
	enum engine_change change;
	json_t *env;		  /* ENV: borrowed until the callback */
	char secret_name[160];	  /* SECRET_PUT, SECRET_DELETE */
	const void *secret_value; /* SECRET_PUT: borrowed */
	size_t secret_len;
	uint32_t rollback_version; /* ROLLBACK */
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
/* {"env": {...}}, {"secrets": [{"name", "updated_at"}]} (never a value),
 * {"versions": [...]} of a deployed function. */
json_t *engine_env(struct engine *e, const char *name);
json_t *engine_secrets(struct engine *e, const char *name);
json_t *engine_versions(struct engine *e, const char *name);
/* The live settings of a deployed function: 0 or -ENOENT. */
int engine_settings(struct engine *e, const char *name,
		    struct function_settings *out);

/* Removes a function: new calls get ENGINE_NOT_FOUND at once, in-flight calls finish,
 * its VMs are released on workers, its state is removed from disk.
 * Returns 0 or -ENOENT. */
int engine_delete(struct engine *e, const char *name);

/* Recent log lines of function name that pass filter, formatted as
 * fnlog_read does (at most max bytes, whole lines); *last_seq as there.
 * -ENOENT when no such function is deployed, -ENOMEM. Loop thread. */
struct fnlog_filter;
int engine_logs(struct engine *e, const char *name,
		const struct fnlog_filter *filter, size_t max, char **out,
		size_t *len_out, uint64_t *last_seq);
/* A reference to the log of deployed function name (fnlog_unref it), for
 * a reader that outlives the function; NULL when there is none. */
struct fnlog *engine_log_ref(struct engine *e, const char *name);

/* The key-value store functions use (for the management API); owned by
 * the engine, valid until engine_shutdown's callback. Loop thread. */
struct kv;
struct kv *engine_kv(struct engine *e);

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
