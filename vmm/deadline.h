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
 * installed once without SA_RESTART, sets immediate_exit in the kvm_run of
 * the call running on the receiving thread, so KVM_RUN returns -EINTR
 * whether the signal lands before or during guest entry (KVM API doc 5,
 * "immediate_exit"). A POSIX timer per thread (SIGEV_THREAD_ID) sends it
 * at the deadline; vm_interrupt() sends it with pthread_kill().
 */

/* Marks run as the calling thread's current call and, when timeout_ms > 0,
 * arms the thread's timer. Unblocks the signal in the calling thread.
 * Returns 0 or a negative errno. */
int deadline_begin(struct kvm_run *run, uint32_t timeout_ms);

/* Disarms the timer and forgets the current call. */
void deadline_end(void);

/* The signal number (for pthread_kill). */
int deadline_signo(void);

#endif /* GLINT_DEADLINE_H */
