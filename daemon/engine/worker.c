/* worker.c: a small thread pool with an intrusive job queue and a loop mailbox. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "monotime.h"
#include "worker.h"

#define URGENT_STREAK_MAX 4

struct fifo {
	struct worker_item *head, *tail;
};

/* One worker thread. A sleeping worker waits on its own condition
 * variable, so that a job can wake a chosen one (workers_submit). */
struct worker_thread {
	struct workers *w;
	pthread_t id;
	pthread_cond_t cond;
	struct worker_thread *below; /* next on the sleepers' stack */
	int woken;		     /* under lock: popped for a job */
};

/*
 * The loop is woken through an eventfd of ours rather than a uv_async:
 * libuv 1.44's async callback spins until the sending thread has left
 * uv_async_send, and on a loaded host that thread is often preempted in
 * there (its own write just woke the loop), so the loop burnt its CPU
 * spinning and yielding. A plain eventfd needs no such hand-shake.
 */
struct workers {
	uv_loop_t *loop;
	uv_poll_t wake; /* readable: wake_fd was written */
	int wake_fd;
	pthread_mutex_t lock;
	struct fifo urgent, background;
	/* Sleeping workers, the last to fall asleep on top: a job wakes the
	 * top one, so the fewest threads do the work and stay warm (their
	 * CPU, their cache, the vCPU they ran last), and a worker kept for
	 * other functions' calls does not take turns with the busy ones. */
	struct worker_thread *sleeping;
	unsigned pending; /* queued jobs; read without the lock by spinners */
	int spinning;	  /* one spinner at a time */
	int stop;
	unsigned urgent_streak; /* urgent jobs taken in a row */
	unsigned spin_us;

	pthread_mutex_t mbox_lock;
	struct fifo mbox;	/* items for the loop */
	int wake_pending;	/* under mbox_lock: wake_fd written, not read */
	int polling;		/* under mbox_lock: the loop polls, no wake */
	uv_idle_t idle;		/* active while polling */
	uint64_t poll_until_ns; /* loop thread only */
	struct fifo local;	/* loop thread only: workers_defer */
	uv_check_t later;	/* active while local holds items */
	uv_idle_t awake;	/* the same: keeps the poll from blocking */
	unsigned handles_open;

	unsigned nthreads;
	struct worker_thread *threads;
	void (*close_cb)(void *);
	void *close_opaque;
};

static void fifo_push(struct fifo *f, struct worker_item *it)
{
	it->next = NULL;
	if (f->tail)
		f->tail->next = it;
	else
		f->head = it;
	f->tail = it;
}

static struct worker_item *fifo_pop(struct fifo *f)
{
	struct worker_item *it = f->head;

	if (it) {
		f->head = it->next;
		if (f->head == NULL)
			f->tail = NULL;
	}
	return it;
}

/* Spins until a job is queued or spin_us passes; 1 when work appeared. */
static int spin_for_work(struct workers *w)
{
	uint64_t until;
	int found = 0;

	if (w->spin_us == 0 ||
	    __atomic_exchange_n(&w->spinning, 1, __ATOMIC_ACQUIRE) != 0)
		return 0;
	until = monotime_ns() + (uint64_t)w->spin_us * 1000u;
	for (unsigned i = 0;; i++) {
		if (__atomic_load_n(&w->pending, __ATOMIC_ACQUIRE) != 0 ||
		    __atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
			found = 1;
			break;
		}
		__builtin_ia32_pause();
		if ((i & 63) == 0 && monotime_ns() > until)
			break;
	}
	__atomic_store_n(&w->spinning, 0, __ATOMIC_RELEASE);
	return found;
}

static struct worker_item *take(struct workers *w)
{
	struct worker_item *it = NULL;

	/* Calls first, but every URGENT_STREAK_MAX-th job is a background
	 * one when both wait, so a busy pool still grows, deploys still
	 * boot and dead VMs are still torn down. */
	if (w->urgent_streak < URGENT_STREAK_MAX || w->background.head == NULL)
		it = fifo_pop(&w->urgent);
	if (it)
		w->urgent_streak++;
	else if ((it = fifo_pop(&w->background)) != NULL)
		w->urgent_streak = 0;
	if (it)
		__atomic_sub_fetch(&w->pending, 1, __ATOMIC_RELEASE);
	return it;
}

/* Under lock: sleeps until a job pops this worker or the pool stops. */
static void sleep_until_woken(struct workers *w, struct worker_thread *t)
{
	struct worker_thread **p;

	t->woken = 0;
	t->below = w->sleeping;
	w->sleeping = t;
	while (!t->woken && !w->stop)
		pthread_cond_wait(&t->cond, &w->lock);
	if (t->woken)
		return;
	for (p = &w->sleeping; *p != t; p = &(*p)->below)
		;
	*p = t->below;
}

static void *worker_main(void *arg)
{
	struct worker_thread *t = arg;
	struct workers *w = t->w;
	struct worker_item *it;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		it = take(w);
		if (it) {
			pthread_mutex_unlock(&w->lock);
			it->fn(it);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->lock);
		int found = spin_for_work(w);
		pthread_mutex_lock(&w->lock);
		if (found || w->pending || w->stop)
			continue;
		sleep_until_woken(w, t);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void workers_submit(struct workers *w, struct worker_item *it, int urgent)
{
	struct worker_thread *wake = NULL;
	unsigned spinner;

	pthread_mutex_lock(&w->lock);
	fifo_push(urgent ? &w->urgent : &w->background, it);
	__atomic_add_fetch(&w->pending, 1, __ATOMIC_RELEASE);
	/* A spinner picks up one job by itself; a sleeper is woken for
	 * every other, or a job would wait for a running one to end, which
	 * for a worker running chained calls (chain.c) can be seconds. */
	spinner = __atomic_load_n(&w->spinning, __ATOMIC_ACQUIRE) ? 1 : 0;
	if (w->sleeping && w->pending > spinner) {
		wake = w->sleeping;
		w->sleeping = wake->below;
		wake->woken = 1;
	}
	pthread_mutex_unlock(&w->lock);
	/* Signalled after unlocking: a sleeper woken while we still held the
	 * lock would block on it at once and need a second futex wake-up.
	 * No wake-up is lost: sleepers re-check the queue under the lock
	 * before waiting, the job was queued under it, and the worker popped
	 * for it leaves its wait once woken is set, signalled or not yet. */
	if (wake)
		pthread_cond_signal(&wake->cond);
}

static void wake_loop(struct workers *w)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter at 2^64 - 1: one write per read. */
	while (write(w->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* Under mbox_lock: 1 when the caller must wake the loop (after unlocking).
 * One write stands for every item posted until the loop drains. */
static int need_wake(struct workers *w)
{
	if (w->polling || w->wake_pending || w->mbox.head == NULL)
		return 0;
	w->wake_pending = 1;
	return 1;
}

void workers_post(struct workers *w, struct worker_item *it)
{
	int wake;

	pthread_mutex_lock(&w->mbox_lock);
	fifo_push(&w->mbox, it);
	wake = need_wake(w);
	pthread_mutex_unlock(&w->mbox_lock);
	/* A polling loop finds the item on its next iteration; polling ends
	 * under mbox_lock with a last look at the mailbox, so nothing posted
	 * here is stranded. */
	if (wake)
		wake_loop(w);
}

/* Runs what is in the mailbox now; 1 if there was anything. Items posted
 * after the batch is taken write wake_fd again. */
static int drain(struct workers *w)
{
	struct worker_item *it;
	struct fifo batch;

	pthread_mutex_lock(&w->mbox_lock);
	batch = w->mbox;
	w->mbox.head = w->mbox.tail = NULL;
	w->wake_pending = 0;
	pthread_mutex_unlock(&w->mbox_lock);
	if (batch.head == NULL)
		return 0;
	/* Items posted while this batch runs wait for the next callback. */
	while ((it = fifo_pop(&batch)) != NULL)
		it->fn(it);
	return 1;
}

static void on_wake(uv_poll_t *h, int status, int events)
{
	struct workers *w = h->data;
	uint64_t n;

	(void)status;
	(void)events;
	/* Read before draining: a write after this read is a wake-up for
	 * items the drain may not see, and stays readable. */
	if (read(w->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	drain(w);
}

static void on_idle(uv_idle_t *h)
{
	struct workers *w = h->data;
	int wake;

	drain(w);
	if (w->poll_until_ns != 0 && monotime_ns() < w->poll_until_ns)
		return;
	pthread_mutex_lock(&w->mbox_lock);
	w->polling = 0;
	wake = need_wake(w); /* posted after the drain, without a wake-up */
	pthread_mutex_unlock(&w->mbox_lock);
	uv_idle_stop(&w->idle);
	if (wake)
		wake_loop(w);
}

static void on_later(uv_check_t *h)
{
	struct workers *w = h->data;
	struct fifo batch = w->local;
	struct worker_item *it;

	w->local.head = w->local.tail = NULL;
	while ((it = fifo_pop(&batch)) != NULL)
		it->fn(it);
	if (w->local.head == NULL) {
		uv_check_stop(&w->later);
		uv_idle_stop(&w->awake);
	}
}

/* Only active, so that the loop's next poll does not block. */
static void on_awake(uv_idle_t *h)
{
	(void)h;
}

void workers_defer(struct workers *w, struct worker_item *it)
{
	fifo_push(&w->local, it);
	if (!uv_is_active((uv_handle_t *)&w->later)) {
		uv_check_start(&w->later, on_later);
		uv_idle_start(&w->awake, on_awake);
	}
}

void workers_poll_start(struct workers *w, unsigned max_us)
{
	if (max_us == 0 || uv_is_closing((uv_handle_t *)&w->idle))
		return;
	w->poll_until_ns = monotime_ns() + (uint64_t)max_us * 1000u;
	if (uv_is_active((uv_handle_t *)&w->idle))
		return;
	pthread_mutex_lock(&w->mbox_lock);
	w->polling = 1;
	pthread_mutex_unlock(&w->mbox_lock);
	uv_idle_start(&w->idle, on_idle);
}

void workers_poll_stop(struct workers *w)
{
	/* on_idle ends polling on the next iteration, after a last drain. */
	w->poll_until_ns = 0;
}

int workers_create(uv_loop_t *loop, unsigned n, unsigned spin_us,
		   struct workers **out)
{
	struct workers *w = calloc(1, sizeof(*w));
	int ret;

	if (w == NULL || n == 0) {
		free(w);
		return w ? -EINVAL : -ENOMEM;
	}
	w->loop = loop;
	w->spin_us = spin_us;
	w->wake_fd = -1;
	w->threads = calloc(n, sizeof(*w->threads));
	if (w->threads == NULL) {
		free(w);
		return -ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->mbox_lock, NULL);
	/* Threads only touch the wake-up once jobs exist, so it can be set
	 * up after them and a failure unwinds without closing a handle. */
	for (ret = 0; w->nthreads < n; w->nthreads++) {
		struct worker_thread *t = &w->threads[w->nthreads];

		t->w = w;
		pthread_cond_init(&t->cond, NULL);
		ret = -pthread_create(&t->id, NULL, worker_main, t);
		if (ret < 0) {
			pthread_cond_destroy(&t->cond);
			break;
		}
	}
	if (w->nthreads > 0) {
		w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ret = w->wake_fd < 0 ? -errno : 0;
	}
	if (ret == 0)
		ret = uv_poll_init(loop, &w->wake, w->wake_fd);
	if (ret == 0) {
		/* cannot fail */
		uv_idle_init(loop, &w->idle);
		uv_idle_init(loop, &w->awake);
		uv_check_init(loop, &w->later);
		w->handles_open = 4;
		uv_poll_start(&w->wake, UV_READABLE, on_wake);
	}
	w->wake.data = w->idle.data = w->awake.data = w->later.data = w;
	if (ret < 0) {
		workers_destroy(w);
		return ret;
	}
	*out = w;
	return 0;
}

void workers_stop(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_cond_signal(&w->threads[i].cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->nthreads; i++) {
		pthread_join(w->threads[i].id, NULL);
		pthread_cond_destroy(&w->threads[i].cond);
	}
	w->nthreads = 0;
}

static void on_closed(uv_handle_t *h)
{
	struct workers *w = h->data;

	if (--w->handles_open == 0 && w->close_cb)
		w->close_cb(w->close_opaque);
}

void workers_close(struct workers *w, void (*cb)(void *opaque), void *opaque)
{
	w->close_cb = cb;
	w->close_opaque = opaque;
	pthread_mutex_lock(&w->mbox_lock);
	w->polling = 0;
	pthread_mutex_unlock(&w->mbox_lock);
	uv_close((uv_handle_t *)&w->idle, on_closed);
	uv_close((uv_handle_t *)&w->awake, on_closed);
	uv_close((uv_handle_t *)&w->later, on_closed);
	uv_close((uv_handle_t *)&w->wake, on_closed);
}

void workers_destroy(struct workers *w)
{
	if (w == NULL)
		return;
	if (w->nthreads)
		workers_stop(w);
	pthread_mutex_destroy(&w->mbox_lock);
	pthread_mutex_destroy(&w->lock);
	if (w->wake_fd >= 0) /* its poll handle is closed by now */
		close(w->wake_fd);
	free(w->threads);
	free(w);
}

unsigned workers_count(const struct workers *w)
{
	return w->nthreads;
}

unsigned workers_sleeping(struct workers *w)
{
	unsigned n = 0;

	pthread_mutex_lock(&w->lock);
	for (struct worker_thread *t = w->sleeping; t; t = t->below)
		n++;
	pthread_mutex_unlock(&w->lock);
	return n;
}
