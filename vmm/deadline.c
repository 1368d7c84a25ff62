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

/*
 * The thread's timer is armed lazily: a call whose deadline is later than
 * the time the timer is already set for leaves it alone, and a call's end
 * does not disarm it. When it fires early for the call then running, the
 * handler sets it again for that call's deadline; when no call runs, it
 * does nothing. Back-to-back calls of one function thus cost one
 * timer_settime per timeout period instead of two per call.
 */
static __thread struct kvm_run *volatile current_run;
static __thread volatile uint64_t current_due_ns; /* 0: no deadline */
static __thread volatile uint64_t armed_ns;	  /* 0: not armed */
static __thread struct thread_timer *thread_timer;
static __thread int signal_unblocked;

int deadline_signo(void)
{
	return SIGRTMIN + 5;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Async-signal-safe (timer_settime is). armed_ns is set first: the timer
 * may fire before timer_settime returns, and its handler must see it
 * unarmed then. */
static int arm(uint64_t at_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(at_ns % 1000000000u);
	armed_ns = at_ns;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (timer_settime(thread_timer->id, TIMER_ABSTIME, &its, NULL)) {
		armed_ns = 0;
		return -errno;
	}
	return 0;
}

/* Async-signal-safe. The signal comes from the thread's timer (maybe set
 * for an earlier call) or from vm_interrupt(), which sets immediate_exit
 * itself; a call is kicked only once its own deadline has passed. */
static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	struct kvm_run *run = current_run;
	uint64_t due = current_due_ns;
	int saved = errno;

	(void)sig;
	(void)uctx;
	if (si->si_code == SI_TIMER)
		armed_ns = 0;
	if (run && due) {
		if (mono_ns() >= due)
			run->immediate_exit = 1;
		else if (armed_ns == 0 || armed_ns > due)
			arm(due); /* on failure the call has no deadline */
	}
	errno = saved;
}

static void free_timer(void *p)
{
	struct thread_timer *t = p;

	timer_delete(t->id);
	free(t);
}

/* Timers are not inherited by fork(): the child's copy of the forking
 * thread's state names a timer it does not have, and would have it count
 * as armed. It makes its own on its next call. */
static void forget_in_child(void)
{
	free(thread_timer);
	thread_timer = NULL;
	armed_ns = 0;
	pthread_setspecific(timer_key, NULL);
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART does not touch KVM_RUN: it returns -EINTR (KVM API doc
	 * 4.10), never a restartable code. It spares the thread's other
	 * system calls a lazily armed timer firing after its call. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(deadline_signo(), &sa, NULL))
		init_errno = errno;
	else
		init_errno = pthread_key_create(&timer_key, free_timer);
	if (init_errno == 0)
		init_errno = pthread_atfork(NULL, NULL, forget_in_child);
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
	return deadline_begin_at(
		run,
		timeout_ms ? mono_ns() + (uint64_t)timeout_ms * 1000000u : 0);
}

int deadline_begin_at(struct kvm_run *run, uint64_t due)
{
	int rc = thread_setup();

	if (rc)
		return rc;
	current_due_ns = due;
	current_run = run;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* From here a firing timer re-arms for due by itself. */
	if (due == 0 || (armed_ns != 0 && armed_ns <= due))
		return 0;
	rc = arm(due);
	if (rc) {
		current_run = NULL;
		current_due_ns = 0;
	}
	return rc;
}

void deadline_end(void)
{
	/* The timer stays armed: the next call likely needs it later. */
	current_run = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	current_due_ns = 0;
}
