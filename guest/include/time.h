/* time.h: the call's wall clock, calendar conversion and strftime (UTC). */
#ifndef GLINT_TIME_H
#define GLINT_TIME_H

#include <stddef.h>

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

/*
 * A call has one clock reading: the host's CLOCK_REALTIME when the call
 * started (glint_wall_ns). time, clock_gettime and timespec_get return it,
 * and it does not advance while the call runs; during glint_init it is 0
 * (the epoch). CLOCK_MONOTONIC returns the same reading (it never goes
 * backwards from one call to the next unless the host's wall clock is
 * stepped). For durations inside a call use glint_rdtsc.
 *
 * There are no time zones: local time is UTC (localtime_r is gmtime_r,
 * mktime is timegm, %Z prints "UTC"), and strftime uses the "C" locale.
 * clock() is CPU time: it always returns 0 because a call's start is its
 * only reading.
 */
typedef long time_t;
typedef long clock_t;
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

struct tm {
	int tm_sec, tm_min, tm_hour;
	int tm_mday, tm_mon, tm_year; /* tm_mon 0-11, tm_year since 1900 */
	int tm_wday, tm_yday, tm_isdst;
	long tm_gmtoff;
	const char *tm_zone;
};

#define CLOCKS_PER_SEC 1000000L
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define TIME_UTC 1

time_t time(time_t *t);
/* 0, or -1 with errno EINVAL for another clock. */
int clock_gettime(clockid_t clock, struct timespec *ts);
int timespec_get(struct timespec *ts, int base); /* base TIME_UTC or 0 */
clock_t clock(void);
double difftime(time_t end, time_t start);

/* NULL with errno EOVERFLOW when the year does not fit an int. */
struct tm *gmtime_r(const time_t *__restrict t, struct tm *__restrict out);
struct tm *localtime_r(const time_t *__restrict t, struct tm *__restrict out);
/* Return a static struct tm (one per call, like hosted C's). */
struct tm *gmtime(const time_t *t);
struct tm *localtime(const time_t *t);
/* Normalise *tm (fields out of range carry over), fill tm_wday/tm_yday and
 * return the seconds since the epoch; -1 with errno EOVERFLOW when out of
 * range. */
time_t timegm(struct tm *tm);
time_t mktime(struct tm *tm);

/*
 * Conversions: %a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %m %M %n %p
 * %r %R %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %% (E and O modifiers are
 * accepted and ignored). Returns the length, or 0 when the result and its
 * NUL do not fit in max (the buffer's contents are then unspecified).
 */
size_t strftime(char *__restrict s, size_t max, const char *__restrict fmt,
		const struct tm *__restrict tm);

GLINT_END_DECLS

#endif /* GLINT_TIME_H */
