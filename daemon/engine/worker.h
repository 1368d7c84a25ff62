/* worker.h: worker threads that run jobs off the loop and hand results back. */
#ifndef GLINT_WORKER_H
#define GLINT_WORKER_H

#include <uv.h>

/*
 * A job is a struct worker_item embedded in the caller's own structure.
 * workers_submit() queues it for a worker thread, which calls item->fn
 * there; workers_post() queues it for the loop thread, which calls item->fn
 * from a callback of the loop, woken through an eventfd. Items are
 * intrusive: the queue never allocates, and an item must not be queued
 * twice at once. Each queue is FIFO;
 * urgent submissions (calls) go ahead of background jobs (boots, clones,
 * teardown).
 *
 * A worker that runs out of work spins for a short while before sleeping
 * on its own condition variable, so back-to-back calls do not pay a futex
 * wake-up each; at most one worker spins at a time. A job wakes the worker
 * that fell asleep last: as few threads as the load needs do the work.
 *
 * Threads: workers_create/stop/close/destroy on the loop thread;
 * workers_submit and workers_post from any thread.
 */

struct worker_item;
typedef void (*worker_item_fn)(struct worker_item *it);

struct worker_item {
	struct worker_item *next;
	worker_item_fn fn;
};

struct workers;

/* Starts n threads (n >= 1). spin_us: how long an idle worker spins. */
int workers_create(uv_loop_t *loop, unsigned n, unsigned spin_us,
		   struct workers **out);

void workers_submit(struct workers *w, struct worker_item *it, int urgent);
void workers_post(struct workers *w, struct worker_item *it);

/*
 * Loop thread only: runs it->fn from the loop's check phase, after the
 * callbacks of this iteration's poll (or of the next iteration when
 * called later than that), without a system call; the loop does not block
 * while such items wait. Items deferred by a deferred item run one
 * iteration later, after whatever that iteration's other callbacks do
 * first (an HTTP response written, say).
 */
void workers_defer(struct workers *w, struct worker_item *it);

/*
 * Loop-side polling: until max_us pass or workers_poll_stop(), the loop
 * does not block while waiting for posted items; it picks them up from an
 * idle handle, and workers_post() skips the wake-up (an eventfd
 * write, and a wake-up of the sleeping loop thread) while it does. Worth
 * it only when a core is spare for the spinning loop; the caller decides.
 * Loop thread only; calling start while polling extends the deadline.
 */
void workers_poll_start(struct workers *w, unsigned max_us);
void workers_poll_stop(struct workers *w);

/* Lets the threads finish every queued job, then joins them. Items posted
 * to the loop are still delivered until workers_close(). */
void workers_stop(struct workers *w);

/* Closes the loop handle; cb runs on the loop when it is closed. */
void workers_close(struct workers *w, void (*cb)(void *opaque), void *opaque);

/* After workers_close()'s callback (or if the loop never ran); NULL ok. */
void workers_destroy(struct workers *w);

/* Number of threads. */
unsigned workers_count(const struct workers *w);

/* Number of threads asleep, waiting for a job (a snapshot; for tests). */
unsigned workers_sleeping(struct workers *w);

#endif /* GLINT_WORKER_H */
