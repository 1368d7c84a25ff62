/* deadline.c: the VMM's timer signal, per-thread timers and their handler. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "deadline.h"

struct thread_timer {
	timer_t id;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t timer_key;
static int init_errno;

static __thread struct kvm_run *volatile current_run;
static __thread struct thread_timer *thread_timer;
static __thread int signal_unblocked;
static __thread int timer_armed;

int deadline_signo(void)
{
	return SIGRTMIN + 5;
}

/* Async-signal-safe: one store through a thread-local pointer. */
static void on_signal(int sig)
{
	struct kvm_run *run = current_run;

	(void)sig;
	if (run)
		run->immediate_exit = 1;
}

static void free_timer(void *p)
{
	struct thread_timer *t = p;

	timer_delete(t->id);
	free(t);
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return -EINTR */
	if (sigaction(deadline_signo(), &sa, NULL))
		init_errno = errno;
	else
		init_errno = pthread_key_create(&timer_key, free_timer);
}

static int thread_setup(void)
{
	struct sigevent sev;
	struct thread_timer *t;
	sigset_t set;

	pthread_once(&once, install);
	if (init_errno)
		return -init_errno;
	if (!signal_unblocked) {
		/* Threads that block every signal (common in daemons) would
		 * never see the kick. */
		sigemptyset(&set);
		sigaddset(&set, deadline_signo());
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		signal_unblocked = 1;
	}
	if (thread_timer)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = deadline_signo();
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t->id)) {
		int e = errno;

		free(t);
		return -e;
	}
	pthread_setspecific(timer_key, t);
	thread_timer = t;
	return 0;
}

int deadline_begin(struct kvm_run *run, uint32_t timeout_ms)
{
	struct itimerspec its;
	int rc = thread_setup();

	if (rc)
		return rc;
	current_run = run;
	if (timeout_ms == 0)
		return 0;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = timeout_ms / 1000;
	its.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	if (timer_settime(thread_timer->id, 0, &its, NULL)) {
		current_run = NULL;
		return -errno;
	}
	timer_armed = 1;
	return 0;
}

void deadline_end(void)
{
	static const struct itimerspec zero;

	if (timer_armed)
		timer_settime(thread_timer->id, 0, &zero, NULL);
	timer_armed = 0;
	current_run = NULL;
}
