/* metrics.h: the daemon's counters, gauges and histograms, rendered for Prometheus. */
#ifndef GLINT_METRICS_H
#define GLINT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Threads: metrics_create/destroy/render and metrics_fn_get on the loop
 * thread; every metrics_*_record / metrics_*_inc function may be called
 * from any thread (lock-free atomics), so workers record VM timings
 * directly.
 *
 * Histograms use fixed log-spaced buckets from 10 µs to 10 s for latencies
 * (values in ns, exposed in seconds) and powers of two for page counts.
 */

struct metrics;
struct metrics_fn; /* the series of one function */

int metrics_create(struct metrics **out);
void metrics_destroy(struct metrics *m); /* NULL ok */

/* Series of function name, created on first use; valid until
 * metrics_fn_forget or metrics_destroy. Past metrics_max_functions series
 * every further name shares one series labelled function="(other)" (its
 * gauges are not kept), so the exposition stays bounded. */
struct metrics_fn *metrics_fn_get(struct metrics *m, const char *name);
/* Removes a function's series (it was deleted, or never went live); NULL
 * and the shared series are ignored. No thread may record into f any
 * more. */
void metrics_fn_forget(struct metrics *m, struct metrics_fn *f);
/* Takes a deleted function's series out of /metrics at once, while the
 * calls and VMs it had may still record into f: the next metrics_fn_get
 * of the name starts new series. f lives on until
 * metrics_fn_forget_retired of its name, once nothing records into it.
 * NULL and the shared series are ignored. */
void metrics_fn_retire(struct metrics *m, struct metrics_fn *f);
void metrics_fn_forget_retired(struct metrics *m, const char *name);
/* The cap on function series; 0 restores the default (1000). */
void metrics_set_max_functions(struct metrics *m, unsigned max);

/* Guest log lines dropped by the log limits. */
void metrics_guest_log_dropped_add(struct metrics_fn *f, uint64_t lines);

/* outcome: a call outcome's stable code (outcome.h: "ok",
 * "function_error", ...); any other string is counted as "other".
 * version: the function version that served the call (0: none, e.g. a
 * call refused before it reached one). glint_invocations_total is labelled
 * {function,outcome,version}, kept for the newest 4 versions of a function
 * that counted calls (the shared "(other)" series has no version label).
 * Loop thread only (it may claim a version's slot). */
void metrics_invocation_record(struct metrics_fn *f, uint32_t version,
			       const char *outcome, uint64_t total_ns,
			       uint64_t run_ns, uint64_t queue_ns);
/* version went live: its series appear (at 0) before its first call.
 * Loop thread only. */
void metrics_fn_version_live(struct metrics_fn *f, uint32_t version);
void metrics_restore_record(struct metrics_fn *f, uint32_t dirty_pages,
			    uint64_t restore_ns);
/* Host calls by operation ("noop", "sleep", "fetch", "kv_get", "kv_set",
 * "kv_delete", "kv_list", "kv_incr", "kv_cas") and outcome ("ok",
 * "limit", "deadline", "shutdown", "error", "denied", "protocol");
 * unknown names are not counted. Any thread. */
void metrics_hostcall_add(struct metrics_fn *f, const char *op,
			  const char *outcome, uint64_t n);
/* Time one call spent parked on a host call. Any thread. */
void metrics_parked_record(struct metrics_fn *f, uint64_t parked_ns);
/* One outbound request (FETCH) and one KV operation, from start to
 * answer. Any thread. */
void metrics_fetch_record(struct metrics_fn *f, uint64_t ns);
void metrics_kv_record(struct metrics_fn *f, uint64_t ns);
void metrics_vm_created_inc(struct metrics_fn *f);
void metrics_vm_destroyed_inc(struct metrics_fn *f);
void metrics_pool_set(struct metrics_fn *f, uint32_t ready, uint32_t busy,
		      uint32_t queued);

/* outcome: a deploy outcome's stable code (outcome.h), "ok" included. */
void metrics_deploy_inc(struct metrics *m, const char *outcome);
/* route: a fixed label ("invoke", "functions", "metrics", ...). */
void metrics_http_inc(struct metrics *m, const char *route, unsigned code);

/* Renders the Prometheus text exposition format (version 0.0.4), including
 * the standard process_* metrics. Returns a malloc'd NUL-terminated string
 * (caller frees) or NULL on allocation failure. */
char *metrics_render(struct metrics *m, size_t *len_out);

/* The same text in pieces, so that a large exposition is sent without
 * holding the loop: read fills buf with up to max bytes and returns how
 * many (0 at the end) or -ENOMEM. Series of functions forgotten meanwhile
 * stay readable until end. Loop thread only. */
struct metrics_render;
struct metrics_render *metrics_render_begin(struct metrics *m);
ssize_t metrics_render_read(struct metrics_render *rs, char *buf, size_t max);
void metrics_render_end(struct metrics_render *rs); /* NULL ok */

#endif /* GLINT_METRICS_H */
