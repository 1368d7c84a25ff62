/* monotime.h: the one monotonic clock of the VMM, glintd and glint-run. */
#ifndef GLINT_MONOTIME_H
#define GLINT_MONOTIME_H

#include <stdint.h>
#include <time.h>

/*
 * Nanoseconds of CLOCK_MONOTONIC: every duration, deadline and timestamp
 * compared across threads (queue and run times, idle VMs, request start)
 * is taken from here, so they are comparable with each other. Wall-clock
 * times (log lines, deployed_at, the guest's clock) use CLOCK_REALTIME at
 * their single point of use. Header-only, so the VMM, the daemon and the
 * tools share it without the VMM depending on the daemon.
 */
static inline uint64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* GLINT_MONOTIME_H */
