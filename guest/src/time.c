/* time.c: the call's wall clock, UTC calendar conversion and strftime. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "glint.h"

#define SECS_PER_DAY 86400L

time_t time(time_t *t)
{
	time_t now = (time_t)(glint_wall_ns() / 1000000000);

	if (t)
		*t = now;
	return now;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	int64_t ns = glint_wall_ns();

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	return 0;
}

int timespec_get(struct timespec *ts, int base)
{
	if (base != TIME_UTC)
		return 0;
	clock_gettime(CLOCK_REALTIME, ts);
	return base;
}

clock_t clock(void)
{
	return 0;
}

double difftime(time_t end, time_t start)
{
	return (double)end - (double)start;
}

/* Days from 1970-01-01 to year-mon-day of the proleptic Gregorian calendar
 * (mon 1-12), by counting in 400-year eras from March (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict out)
{
	int64_t days = *t / SECS_PER_DAY, secs = *t % SECS_PER_DAY;
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	if (secs < 0) {
		secs += SECS_PER_DAY;
		days--;
	}
	/* The inverse of days_from_civil. */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y - 1900 > INT_MAX || y - 1900 < INT_MIN) {
		errno = EOVERFLOW;
		return NULL;
	}
	out->tm_year = (int)(y - 1900);
	out->tm_mon = (int)m - 1;
	out->tm_mday = (int)d;
	out->tm_hour = (int)(secs / 3600);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_sec = (int)(secs % 60);
	out->tm_wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01: Thursday */
	out->tm_yday = (int)(days - days_from_civil(y, 1, 1));
	out->tm_isdst = 0;
	out->tm_gmtoff = 0;
	out->tm_zone = "UTC";
	return out;
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict out)
{
	return gmtime_r(t, out);
}

struct tm *gmtime(const time_t *t)
{
	static struct tm tm;

	return gmtime_r(t, &tm);
}

struct tm *localtime(const time_t *t)
{
	return gmtime(t);
}

time_t timegm(struct tm *tm)
{
	/* 64-bit arithmetic: int fields cannot overflow it. */
	int64_t mon = tm->tm_mon, year = (int64_t)tm->tm_year + 1900;
	int64_t secs;
	time_t t;

	year += mon / 12;
	mon %= 12;
	if (mon < 0) {
		mon += 12;
		year--;
	}
	secs = days_from_civil(year, mon + 1, 1) + tm->tm_mday - 1;
	secs = secs * SECS_PER_DAY + (int64_t)tm->tm_hour * 3600 +
	       (int64_t)tm->tm_min * 60 + tm->tm_sec;
	t = (time_t)secs;
	if (!gmtime_r(&t, tm))
		return -1;
	return t;
}

time_t mktime(struct tm *tm)
{
	return timegm(tm);
}

/* strftime lives in strftime.c. */
