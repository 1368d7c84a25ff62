/* strftime.c: strftime in the "C" locale, UTC only. */
#include <string.h>
#include <time.h>

static const char *const wday_name[] = {"Sunday",    "Monday",	 "Tuesday",
					"Wednesday", "Thursday", "Friday",
					"Saturday"};
static const char *const mon_name[] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December"};

struct out {
	char *s;
	size_t max, len;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->len + n < o->max)
		memcpy(o->s + o->len, p, n);
	o->len += n;
}

static const char *name(const char *const *names, int i, int count)
{
	return i >= 0 && i < count ? names[i] : "?";
}

static int leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ISO 8601 week-based year and week of tm (weeks start on Monday). */
static void iso_week(const struct tm *tm, long *year, int *week)
{
	long y = (long)tm->tm_year + 1900;
	int wday = (tm->tm_wday + 6) % 7; /* Monday = 0 */
	int w = (tm->tm_yday - wday + 10) / 7;

	if (w < 1) {
		int prev_days = 365 + leap(y - 1);
		int pyday = tm->tm_yday + prev_days;

		y--;
		w = (pyday - wday + 10) / 7;
	} else if (w == 53) {
		int days = 365 + leap(y);

		/* Week 53 exists only if Dec 31 falls on Thursday or later. */
		if (tm->tm_yday - wday + 3 >= days) {
			y++;
			w = 1;
		}
	}
	*year = y;
	*week = w;
}

static void convert(struct out *o, char c, const struct tm *tm);

static void recurse(struct out *o, const char *fmt, const struct tm *tm)
{
	for (; *fmt; fmt++)
		if (*fmt == '%' && fmt[1])
			convert(o, *++fmt, tm);
		else
			put(o, fmt, 1);
}

/* v in decimal, padded with pad to at least width digits. */
static void num(struct out *o, int width, char pad, long v)
{
	char buf[24];
	int n = 0, i;
	unsigned long m = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;

	do
		buf[n++] = (char)('0' + m % 10);
	while ((m /= 10) > 0);
	while (n < width)
		buf[n++] = pad;
	if (v < 0)
		buf[n++] = '-';
	for (i = n - 1; i >= 0; i--)
		put(o, &buf[i], 1);
}

static void convert(struct out *o, char c, const struct tm *tm)
{
	long year = (long)tm->tm_year + 1900, iso_year;
	int hour12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12, week;
	const char *s;

	switch (c) {
	case 'a':
		put(o, name(wday_name, tm->tm_wday, 7), 3);
		break;
	case 'A':
		s = name(wday_name, tm->tm_wday, 7);
		put(o, s, strlen(s));
		break;
	case 'b':
	case 'h':
		put(o, name(mon_name, tm->tm_mon, 12), 3);
		break;
	case 'B':
		s = name(mon_name, tm->tm_mon, 12);
		put(o, s, strlen(s));
		break;
	case 'c':
		recurse(o, "%a %b %e %H:%M:%S %Y", tm);
		break;
	case 'C':
		num(o, 2, '0', year / 100);
		break;
	case 'd':
		num(o, 2, '0', tm->tm_mday);
		break;
	case 'D':
		recurse(o, "%m/%d/%y", tm);
		break;
	case 'e':
		num(o, 2, ' ', tm->tm_mday);
		break;
	case 'F':
		recurse(o, "%Y-%m-%d", tm);
		break;
	case 'g':
		iso_week(tm, &iso_year, &week);
		num(o, 2, '0', (iso_year % 100 + 100) % 100);
		break;
	case 'G':
		iso_week(tm, &iso_year, &week);
		num(o, 1, '0', iso_year);
		break;
	case 'H':
		num(o, 2, '0', tm->tm_hour);
		break;
	case 'I':
		num(o, 2, '0', hour12);
		break;
	case 'j':
		num(o, 3, '0', tm->tm_yday + 1);
		break;
	case 'm':
		num(o, 2, '0', tm->tm_mon + 1);
		break;
	case 'M':
		num(o, 2, '0', tm->tm_min);
		break;
	case 'n':
		put(o, "\n", 1);
		break;
	case 'p':
		put(o, tm->tm_hour < 12 ? "AM" : "PM", 2);
		break;
	case 'r':
		recurse(o, "%I:%M:%S %p", tm);
		break;
	case 'R':
		recurse(o, "%H:%M", tm);
		break;
	case 's': {
		struct tm copy = *tm;

		num(o, 1, '0', (long)timegm(&copy));
		break;
	}
	case 'S':
		num(o, 2, '0', tm->tm_sec);
		break;
	case 't':
		put(o, "\t", 1);
		break;
	case 'T':
		recurse(o, "%H:%M:%S", tm);
		break;
	case 'u':
		num(o, 1, '0', tm->tm_wday == 0 ? 7 : tm->tm_wday);
		break;
	case 'U':
		num(o, 2, '0', (tm->tm_yday + 7 - tm->tm_wday) / 7);
		break;
	case 'V':
		iso_week(tm, &iso_year, &week);
		num(o, 2, '0', week);
		break;
	case 'w':
		num(o, 1, '0', tm->tm_wday);
		break;
	case 'W':
		num(o, 2, '0', (tm->tm_yday + 7 - (tm->tm_wday + 6) % 7) / 7);
		break;
	case 'x':
		recurse(o, "%m/%d/%y", tm);
		break;
	case 'X':
		recurse(o, "%H:%M:%S", tm);
		break;
	case 'y':
		num(o, 2, '0', (year % 100 + 100) % 100);
		break;
	case 'Y':
		num(o, 1, '0', year);
		break;
	case 'z':
		put(o, "+0000", 5);
		break;
	case 'Z':
		put(o, "UTC", 3);
		break;
	case '%':
		put(o, "%", 1);
		break;
	default:
		put(o, "%", 1);
		put(o, &c, 1);
		break;
	}
}

size_t strftime(char *restrict s, size_t max, const char *restrict fmt,
		const struct tm *restrict tm)
{
	struct out o = {s, max, 0};

	for (; *fmt; fmt++) {
		if (*fmt != '%' || fmt[1] == '\0') {
			put(&o, fmt, 1);
			continue;
		}
		fmt++;
		if (*fmt == 'E' || *fmt == 'O') {
			if (fmt[1] == '\0')
				break;
			fmt++;
		}
		convert(&o, *fmt, tm);
	}
	if (o.len >= max)
		return 0;
	s[o.len] = '\0';
	return o.len;
}
