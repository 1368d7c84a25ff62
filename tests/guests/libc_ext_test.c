/* libc_ext_test.c: sscanf, streams, exit, time, strtok/strsep and friends against glibc, on the host. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_libc.h"
#include "host_stubs.h"
#include "libc_ext_test.h"

div_t glint_test_div(int num, int den);
ldiv_t glint_test_ldiv(long num, long den);
lldiv_t glint_test_lldiv(long long num, long long den);
imaxdiv_t glint_test_imaxdiv(intmax_t num, intmax_t den);

static unsigned char heap[1 << 20] __attribute__((aligned(16)));

static void ext_setup(void)
{
	glint__heap_init(heap, sizeof(heap));
	stub_output_len = 0;
	stub_log_len = 0;
	stub_log[0] = '\0';
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

START_TEST(sprintf_matches_glibc)
{
	char ours[128], theirs[128];
	int n1 = glint_test_sprintf(ours, "%d|%-6s|%.2e|%#x", -5, "ab", 1234.5,
				    255u);
	int n2 = sprintf(theirs, "%d|%-6s|%.2e|%#x", -5, "ab", 1234.5, 255u);

	ck_assert_int_eq(n1, n2);
	ck_assert_str_eq(ours, theirs);
}
END_TEST

/* One sscanf call with both implementations; results compared field by
 * field. */
#define SCAN_SAME(input, fmt)                                                  \
	do {                                                                   \
		int a1 = -1, a2 = -1, n1 = -1, n2 = -1;                        \
		unsigned u1 = 0, u2 = 0;                                       \
		double d1 = 0, d2 = 0;                                         \
		char s1[32] = "", s2[32] = "";                                 \
		int r1 =                                                       \
			glint_test_sscanf(input, fmt, &a1, &u1, s1, &d1, &n1); \
		int r2 = sscanf(input, fmt, &a2, &u2, s2, &d2, &n2);           \
		ck_assert_msg(r1 == r2 && a1 == a2 && u1 == u2 &&              \
				      strcmp(s1, s2) == 0 && d1 == d2 &&       \
				      n1 == n2,                                \
			      "sscanf(\"%s\", \"%s\"): ours %d %d %u '%s' %g " \
			      "%d, glibc %d %d %u '%s' %g %d",                 \
			      input, fmt, r1, a1, u1, s1, d1, n1, r2, a2, u2,  \
			      s2, d2, n2);                                     \
	} while (0)

START_TEST(sscanf_matches_glibc)
{
	SCAN_SAME("12 34 word 1.5", "%d %u %31s %lf%n");
	SCAN_SAME("-7,0x1f,abc,2e3", "%d,%x,%31[a-z],%lf%n");
	SCAN_SAME("  +3   0777  x  -inf", "%i %o %31s %lf%n");
	SCAN_SAME("0x10 10 [abc] 0x1p-2", "%i %u [%31[^]]] %lf%n");
	SCAN_SAME("123456 7", "%3d %u %31s %lf%n");
	SCAN_SAME("5 x", "%d %u %31s %lf%n");
	SCAN_SAME("", "%d %u %31s %lf%n");
	SCAN_SAME("   ", "%d %u %31s %lf%n");
	SCAN_SAME("abc", "%d %u %31s %lf%n");
	SCAN_SAME("1 2 ab 3", "%d%*d %u %31s %lf%n");
	SCAN_SAME("7%8 s 1", "%d%%%u %31s %lf%n");
	SCAN_SAME("12abc", "%2d%u%31s%lf%n");
}
END_TEST

START_TEST(sscanf_chars_and_lengths)
{
	char c[4] = "";
	short h = 0;
	long long ll = 0;
	float f = 0;
	unsigned char hh = 0;
	void *p = NULL;

	ck_assert_int_eq(glint_test_sscanf("xyz -32768 9223372036854775807 "
					   "0.25 300 0xabc",
					   "%3c %hd %lld %f %hhu %p", c, &h,
					   &ll, &f, &hh, &p),
			 6);
	ck_assert(memcmp(c, "xyz", 3) == 0);
	ck_assert_int_eq(h, -32768);
	ck_assert(ll == INT64_MAX);
	ck_assert(f == 0.25f);
	ck_assert_int_eq(hh, 300 & 0xff);
	ck_assert_ptr_eq(p, (void *)0xabc);
}
END_TEST

/* Every double's %a text parses back to the same bits. */
START_TEST(strtod_hex_round_trips)
{
	int i;

	for (i = 0; i < 200000; i++) {
		uint64_t bits = next();
		double v, got;
		char text[64], *end;

		memcpy(&v, &bits, sizeof(v));
		if (isnan(v))
			continue;
		snprintf(text, sizeof(text), "%a", v);
		got = glint_test_strtod(text, &end);
		ck_assert_msg(memcmp(&got, &v, sizeof(v)) == 0 && *end == '\0',
			      "%s: got %a", text, got);
	}
}
END_TEST

/* Long hex mantissas: the digits past the 15th only round, as glibc's. */
START_TEST(strtod_hex_rounds_like_glibc)
{
	static const char *const fixed[] = {"0x1.00000000000008p0",
					    "0x1.000000000000080000001p0",
					    "0x1.00000000000018p0",
					    "0x1.fffffffffffff8p1023",
					    "0x0.0000000000001p-1022",
					    "0x1.8p-1074",
					    "0x1p-1075",
					    "0x1.0000000000001p-1075",
					    "-0x0p+0",
					    "0x.8",
					    "0x",
					    "0x1p",
					    "0X1P+1",
					    "0x123456789abcdef0123p-10"};
	size_t i;
	int k;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		char *e1, *e2;
		double a = glint_test_strtod(fixed[i], &e1);
		double b = strtod(fixed[i], &e2);

		ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0 &&
				      e1 - fixed[i] == e2 - fixed[i],
			      "%s: ours %a (+%td), glibc %a (+%td)", fixed[i],
			      a, e1 - fixed[i], b, e2 - fixed[i]);
	}
	for (k = 0; k < 100000; k++) {
		char text[64];
		double a, b;

		snprintf(text, sizeof(text), "0x%llx.%llxp%d",
			 (unsigned long long)(next() >> (next() % 64)),
			 (unsigned long long)next(),
			 (int)(next() % 2200) - 1100);
		a = glint_test_strtod(text, NULL);
		b = strtod(text, NULL);
		ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0,
			      "%s: ours %a, glibc %a", text, a, b);
	}
	ck_assert(glint_test_strtof("0x1.000001p0", NULL) ==
		  strtof("0x1.000001p0", NULL));
	ck_assert(glint_test_strtold("2.5", NULL) == 2.5L);
}
END_TEST

START_TEST(integer_helpers)
{
	div_t d = glint_test_div(-7, 2);
	ldiv_t ld = glint_test_ldiv(LONG_MIN + 1, 10);
	lldiv_t lld = glint_test_lldiv(7, -3);
	imaxdiv_t id = glint_test_imaxdiv(-9, 4);
	char *end;

	ck_assert(d.quot == -3 && d.rem == -1);
	ck_assert(ld.quot == (LONG_MIN + 1) / 10 &&
		  ld.rem == (LONG_MIN + 1) % 10);
	ck_assert(lld.quot == -2 && lld.rem == 1);
	ck_assert(id.quot == -2 && id.rem == -1);
	ck_assert(glint_test_imaxabs(-5) == 5);
	ck_assert(glint_test_strtoimax(" -42x", &end, 10) == -42 &&
		  *end == 'x');
	ck_assert(glint_test_strtoumax("ffffffffffffffff", NULL, 16) ==
		  UINTMAX_MAX);
	glint_test_errno = 0;
	ck_assert(glint_test_strtoimax("99999999999999999999", NULL, 10) ==
		  INTMAX_MAX);
	ck_assert_int_eq(glint_test_errno, ERANGE);
	glint_test_srand(1);
	ck_assert_int_ge(glint_test_rand(), 0);
}
END_TEST

static int cmp_dir(const void *a, const void *b, void *dir)
{
	int x = *(const int *)a, y = *(const int *)b;

	return *(int *)dir * ((x > y) - (x < y));
}

START_TEST(qsort_r_passes_arg)
{
	int v[64], i, dir = -1;

	for (i = 0; i < 64; i++)
		v[i] = (int)(next() % 1000);
	glint_test_qsort_r(v, 64, sizeof(int), cmp_dir, &dir);
	for (i = 1; i < 64; i++)
		ck_assert_int_ge(v[i - 1], v[i]);
}
END_TEST

static char order[8];
static void first(void)
{
	strcat(order, "1");
}
static void second(void)
{
	strcat(order, "2");
}

START_TEST(exit_runs_handlers_last_first)
{
	int r;

	order[0] = '\0';
	ck_assert_int_eq(glint_test_atexit(first), 0);
	ck_assert_int_eq(glint_test_atexit(second), 0);
	stub_exit_armed = 1;
	r = setjmp(stub_exit_env);
	if (r == 0)
		glint_test_exit(3);
	ck_assert_int_eq(r, 4);
	ck_assert_str_eq(order, "21");
	/* _Exit skips the handlers; they ran once and are gone anyway. */
	ck_assert_int_eq(glint_test_atexit(first), 0);
	stub_exit_armed = 1;
	r = setjmp(stub_exit_env);
	if (r == 0)
		glint_test__Exit(0);
	ck_assert_int_eq(r, 1);
	ck_assert_str_eq(order, "21");
}
END_TEST

START_TEST(atexit_has_a_limit)
{
	int i, ok = 0;

	for (i = 0; i < 40; i++)
		ok += glint_test_atexit(first) == 0;
	ck_assert_int_lt(ok, 40);
	ck_assert_int_ge(ok, 31);
}
END_TEST

START_TEST(strings_extra_match_glibc)
{
	char a1[] = "a,b,,c", a2[] = "a,b,,c", *p1 = a1, *p2 = a2, *t1, *t2;
	char b1[] = "  x y  z ", b2[] = "  x y  z ";
	char d1[8] = "ab", d2[8] = "ab";

	do {
		t1 = glint_test_strsep(&p1, ",");
		t2 = strsep(&p2, ",");
		ck_assert(t1 == NULL ? t2 == NULL : t2 && strcmp(t1, t2) == 0);
	} while (t1);
	t1 = glint_test_strtok(b1, " ");
	t2 = strtok(b2, " ");
	while (t1 || t2) {
		ck_assert(t1 && t2 && strcmp(t1, t2) == 0);
		t1 = glint_test_strtok(NULL, " ");
		t2 = strtok(NULL, " ");
	}
	ck_assert_uint_eq(glint_test_strlcat(d1, "cdefghij", sizeof(d1)), 10);
	ck_assert_str_eq(d1, "abcdefg");
	ck_assert_uint_eq(glint_test_strlcat(d2, "c", 2), 3); /* no NUL in 2 */
	ck_assert_str_eq(glint_test_stpcpy(d1, "xy") - 2, "xy");
	ck_assert_ptr_eq(glint_test_strchrnul(d1, 'q'), d1 + 2);
	ck_assert_ptr_eq(glint_test_strchrnul(d1, 'y'), d1 + 1);
	ck_assert_int_lt(glint_test_strcoll("a", "b"), 0);
	ck_assert_uint_eq(glint_test_strxfrm(d2, "hello", sizeof(d2)), 5);
	ck_assert_str_eq(d2, "hello");
	ck_assert_int_eq(glint_test_strncasecmp("ABCd", "abce", 3), 0);
}
END_TEST

START_TEST(strerror_matches_glibc)
{
	int e;

	for (e = 0; e < 134; e++) {
		const char *ours = glint_test_strerror(e);

		if (strcmp(ours, "Unknown error") != 0)
			ck_assert_msg(strcmp(ours, strerror(e)) == 0,
				      "%d: ours '%s', glibc '%s'", e, ours,
				      strerror(e));
	}
	ck_assert_str_eq(glint_test_strerror(-1), "Unknown error");
	ck_assert_str_eq(glint_test_strerror(ENOSYS),
			 "Function not implemented");
}
END_TEST

START_TEST(streams)
{
	int n;

	ck_assert_int_ge(glint_test_fputs("out ", glint_test_stdout), 0);
	ck_assert_int_eq(glint_test_fputc('x', glint_test_stdout), 'x');
	ck_assert_uint_eq(glint_test_fwrite("abc", 1, 3, glint_test_stdout), 3);
	ck_assert_uint_eq(
		glint_test_fwrite("abc", SIZE_MAX, 2, glint_test_stdout), 0);
	n = glint_test_fprintf(glint_test_stdout, "|%d", 42);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(stub_output_len, 11);
	ck_assert(memcmp(stub_output, "out xabc|42", 11) == 0);

	glint_test_fprintf(glint_test_stderr, "one\ntw");
	ck_assert_str_eq(stub_log, "<3>one\n");
	glint_test_fputs("o\n\nthree", glint_test_stderr);
	ck_assert_str_eq(stub_log, "<3>one\n<3>two\n<3>\n");
	glint_test_fflush(glint_test_stderr);
	ck_assert_str_eq(stub_log, "<3>one\n<3>two\n<3>\n<3>three\n");
	glint_test_fflush(NULL); /* nothing pending: no empty line */
	ck_assert_str_eq(stub_log, "<3>one\n<3>two\n<3>\n<3>three\n");

	glint_test_errno = 0;
	ck_assert_ptr_null(glint_test_fopen("/etc/passwd", "r"));
	ck_assert_int_eq(glint_test_errno, ENOSYS);
	ck_assert_int_eq(glint_test_fclose(glint_test_stdout), EOF);
	stub_log_len = 0;
	glint_test_perror("open");
	ck_assert_str_eq(stub_log, "<3>open: Function not implemented\n");
}
END_TEST

START_TEST(stderr_splits_long_lines)
{
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	glint_test_fputs(big, glint_test_stderr);
	/* Two full 1024-byte lines so far, the rest pending. */
	ck_assert_uint_eq(stub_log_len, 2 * (3 + 1024 + 1));
}
END_TEST

START_TEST(clock_is_the_calls)
{
	struct timespec ts;
	long t = 0;

	stub_wall_ns = 1700000000123456789ll;
	ck_assert_int_eq(glint_test_time(&t), 1700000000);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(glint_test_clock_gettime(CLOCK_REALTIME, &ts), 0);
	ck_assert(ts.tv_sec == 1700000000 && ts.tv_nsec == 123456789);
	ck_assert_int_eq(glint_test_clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	ck_assert(ts.tv_sec == 1700000000 && ts.tv_nsec == 123456789);
	glint_test_errno = 0;
	ck_assert_int_eq(
		glint_test_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), -1);
	ck_assert_int_eq(glint_test_errno, EINVAL);
	ck_assert_int_eq(glint_test_clock(), 0);
	ck_assert(glint_test_difftime(10, 4) == 6.0);
}
END_TEST

static void check_tm(long t)
{
	struct tm ours, theirs;
	time_t tt = (time_t)t;

	ck_assert_ptr_nonnull(glint_test_gmtime_r(&t, &ours));
	ck_assert_ptr_nonnull(gmtime_r(&tt, &theirs));
	ck_assert_msg(ours.tm_year == theirs.tm_year &&
			      ours.tm_mon == theirs.tm_mon &&
			      ours.tm_mday == theirs.tm_mday &&
			      ours.tm_hour == theirs.tm_hour &&
			      ours.tm_min == theirs.tm_min &&
			      ours.tm_sec == theirs.tm_sec &&
			      ours.tm_wday == theirs.tm_wday &&
			      ours.tm_yday == theirs.tm_yday &&
			      ours.tm_isdst == 0 && ours.tm_gmtoff == 0,
		      "%ld: ours %d-%d-%d %d:%d:%d wd %d yd %d, glibc "
		      "%d-%d-%d %d:%d:%d wd %d yd %d",
		      t, ours.tm_year, ours.tm_mon, ours.tm_mday, ours.tm_hour,
		      ours.tm_min, ours.tm_sec, ours.tm_wday, ours.tm_yday,
		      theirs.tm_year, theirs.tm_mon, theirs.tm_mday,
		      theirs.tm_hour, theirs.tm_min, theirs.tm_sec,
		      theirs.tm_wday, theirs.tm_yday);
	ck_assert_int_eq(glint_test_timegm(&ours), t);
}

START_TEST(gmtime_and_timegm_match_glibc)
{
	static const long fixed[] = {0,
				     -1,
				     86399,
				     86400,
				     951782400,
				     951868799,
				     4107542400,
				     -2208988800,
				     -62135596800,
				     253402300799,
				     67767976233316800};
	size_t i;
	int k;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_tm(fixed[i]);
	for (k = 0; k < 100000; k++)
		check_tm((long)(next() % 200000000000ull) - 100000000000l);
}
END_TEST

START_TEST(timegm_normalises)
{
	struct tm ours = {0}, theirs = {0};
	int k;

	for (k = 0; k < 20000; k++) {
		ours.tm_year = (int)(next() % 400);
		ours.tm_mon = (int)(next() % 60) - 30;
		ours.tm_mday = (int)(next() % 400) - 200;
		ours.tm_hour = (int)(next() % 100) - 50;
		ours.tm_min = (int)(next() % 300) - 150;
		ours.tm_sec = (int)(next() % 10000) - 5000;
		theirs = ours;
		ck_assert_int_eq(glint_test_timegm(&ours), timegm(&theirs));
		ck_assert(ours.tm_mday == theirs.tm_mday &&
			  ours.tm_mon == theirs.tm_mon &&
			  ours.tm_year == theirs.tm_year &&
			  ours.tm_wday == theirs.tm_wday);
	}
	theirs = ours;
	ck_assert_int_eq(glint_test_mktime(&ours), glint_test_timegm(&theirs));
}
END_TEST

START_TEST(strftime_matches_glibc)
{
	static const char *const fmts[] = {
		"%a %A %b %B %h", "%c",
		"%C %d %D %e",	  "%F %T %R %r",
		"%g %G %V",	  "%H %I %j %m %M %p",
		"%S %u %U %w %W", "%x %X %y %Y %z %%",
		"%n%t",		  "%Ey %Od",
		"plain",	  "%s"};
	char ours[256], theirs[256];
	size_t i;
	int k;

	setenv("TZ", "UTC", 1);
	tzset();
	for (k = 0; k < 20000; k++) {
		long t = (long)(next() % 20000000000ull) - 5000000000l;
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
			size_t n1 = glint_test_strftime(ours, sizeof(ours),
							fmts[i], &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			size_t n2 =
				strftime(theirs, sizeof(theirs), fmts[i], &tm);
#pragma GCC diagnostic pop

			ck_assert_msg(n1 == n2 && strcmp(ours, theirs) == 0,
				      "%ld \"%s\": ours \"%s\", glibc \"%s\"",
				      t, fmts[i], ours, theirs);
		}
	}
}
END_TEST

START_TEST(strftime_zone_and_overflow)
{
	struct tm tm;
	long t = 0;
	char buf[16];

	glint_test_localtime_r(&t, &tm);
	ck_assert_uint_eq(glint_test_strftime(buf, sizeof(buf), "%Z", &tm), 3);
	ck_assert_str_eq(buf, "UTC");
	ck_assert_uint_eq(glint_test_strftime(buf, 10, "%F", &tm), 0);
	ck_assert_uint_eq(glint_test_strftime(buf, 11, "%F", &tm), 10);
	ck_assert_uint_eq(glint_test_strftime(buf, 8, "%T", &tm), 0);
	ck_assert_uint_eq(glint_test_strftime(buf, 9, "%T", &tm), 8);
}
END_TEST

void libc_ext_add(Suite *s)
{
	TCase *io = tcase_create("stdio");
	TCase *lib = tcase_create("stdlib");
	TCase *tm = tcase_create("time");

	tcase_add_checked_fixture(io, ext_setup, NULL);
	tcase_add_checked_fixture(lib, ext_setup, NULL);
	tcase_add_test(io, sprintf_matches_glibc);
	tcase_add_test(io, sscanf_matches_glibc);
	tcase_add_test(io, sscanf_chars_and_lengths);
	tcase_add_test(io, streams);
	tcase_add_test(io, stderr_splits_long_lines);
	tcase_add_test(lib, strtod_hex_round_trips);
	tcase_add_test(lib, strtod_hex_rounds_like_glibc);
	tcase_add_test(lib, integer_helpers);
	tcase_add_test(lib, qsort_r_passes_arg);
	tcase_add_test(lib, exit_runs_handlers_last_first);
	tcase_add_test(lib, atexit_has_a_limit);
	tcase_add_test(lib, strings_extra_match_glibc);
	tcase_add_test(lib, strerror_matches_glibc);
	tcase_add_test(tm, clock_is_the_calls);
	tcase_add_test(tm, gmtime_and_timegm_match_glibc);
	tcase_add_test(tm, timegm_normalises);
	tcase_add_test(tm, strftime_matches_glibc);
	tcase_add_test(tm, strftime_zone_and_overflow);
	suite_add_tcase(s, io);
	suite_add_tcase(s, lib);
	suite_add_tcase(s, tm);
}
