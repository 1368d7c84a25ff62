/* deadline.h: per-thread call deadlines that kick a vCPU out of KVM_RUN. */
#ifndef GLINT_DEADLINE_H
#define GLINT_DEADLINE_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stdint.h>

#include <linux/kvm.h>

/*
 * One real-time signal (SIGRTMIN + 5) belongs to the VMM. Its handler,
 * installed once (SA_RESTART, which KVM_RUN ignores), sets immediate_exit
 * in the kvm_run of the call running on the receiving thread once that
 * call's deadline has passed, so KVM_RUN returns -EINTR whether the signal
 * lands before or during guest entry (KVM API doc 5, "immediate_exit"). A
 * POSIX timer per thread (SIGEV_THREAD_ID) sends it; vm_interrupt() sends
 * it with pthread_kill() after setting immediate_exit itself.
 *
 * The timer is armed lazily (one timer_settime per timeout period, not
 * two per call), so a thread that ran a call may take the signal once
 * more, up to its timeout later: the handler then does nothing, and
 * SA_RESTART resumes the thread's interrupted system call where it can.
 */

/* Marks run as the calling thread's current call, due timeout_ms from now
 * (timeout_ms 0: no deadline), and makes sure the thread's timer fires by
 * then. Unblocks the signal in the calling thread. Returns 0 or a negative
 * errno. */
int deadline_begin(struct kvm_run *run, uint32_t timeout_ms);

/* The same, due at due_ns of CLOCK_MONOTONIC (0: no deadline). */
int deadline_begin_at(struct kvm_run *run, uint64_t due_ns);

/* Forgets the current call; the timer may stay armed. */
void deadline_end(void);

/* The signal number (for pthread_kill). */
int deadline_signo(void);

#endif /* GLINT_DEADLINE_H */
