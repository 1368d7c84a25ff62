/* libc_vm.c: calls every SDK header's functions inside a VM; the input names the header. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fenv.h>
#include <glint.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void do_math(void)
{
	int e;
	double ip, fr = modf(-2.75, &ip), m = frexp(48, &e);

	printf("%.17g %.17g %.17g %.17g\n", sqrt(2), cbrt(27), hypot(3, 4),
	       exp(1));
	printf("%.17g %.17g %.17g %.17g\n", log(10), log2(8), log10(1000),
	       log1p(1e-10));
	printf("%.17g %.17g %.17g\n", pow(2, 0.5), exp2(10), expm1(1e-10));
	printf("%.17g %.17g %.17g %.17g\n", sin(M_PI / 6), cos(M_PI / 3),
	       tan(M_PI / 4), sin(1e22));
	printf("%.17g %.17g %.17g %.17g\n", asin(1), acos(0), atan(1),
	       atan2(-1, -1));
	printf("%.17g %.17g %.17g\n", sinh(1), cosh(1), tanh(1));
	printf("%g %g %g %g %ld %g %g\n", floor(-1.5), ceil(-1.5), trunc(-1.5),
	       round(-1.5), lround(2.5), nearbyint(2.5), rint(3.5));
	printf("%g %g %g %g %g %g\n", fmod(7, 3), remainder(7, 3), fabs(-0.0),
	       fmin(1, NAN), fmax(-1, 2), copysign(3, -0.0));
	printf("%g %d %g %g %g %g\n", m, e, ldexp(0.75, 6),
	       scalbn(1, -1074) / 4.9406564584124654e-324, fr, ip);
	printf("%d %d %d %d %d %d %g\n", isnan(NAN), isinf(-INFINITY),
	       isfinite(HUGE_VAL), signbit(-0.0) != 0, isnan(nan("")),
	       isinf(HUGE_VAL), sqrt(-1) != sqrt(-1) ? 1.0 : 0.0);
	printf("%.9g %.9g %.9g %.9g\n", sqrtf(2), sinf(1), expf(1),
	       powf(10, -2));
}

static void do_time(void)
{
	struct timespec rt, mono;
	struct tm tm, back;
	time_t t = time(NULL), t0 = 951782400; /* 2000-02-29 00:00:00 */
	char buf[128];

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	printf("now %s\n", t == glint_wall_ns() / 1000000000 &&
					   rt.tv_sec == t && mono.tv_sec == t
				   ? "ok"
				   : "wrong");
	printf("%d\n", clock_gettime(7, &rt) == -1 && errno == EINVAL);
	gmtime_r(&t0, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %b %j %Z %z", &tm);
	puts(buf);
	back = tm;
	back.tm_mday += 1; /* carries into March */
	printf("%ld ", (long)timegm(&back));
	strftime(buf, sizeof(buf), "%F %A", &back);
	puts(buf);
	localtime_r(&t0, &tm);
	printf("%d %g %ld\n", tm.tm_hour, difftime(t0 + 90, t0), (long)clock());
}

static void do_stdio(void)
{
	char buf[64], word[16];
	int a = 0, n = 0;
	unsigned x = 0;
	double d = 0;

	sprintf(buf, "%05d|%-4s|%.3f", 42, "ab", 3.14159);
	puts(buf);
	printf("%d ", snprintf(buf, 4, "%s", "truncated"));
	puts(buf);
	n = sscanf("  17 0x1f word 2.5e3 rest", "%d %x %15s %lf%n", &a, &x,
		   word, &d, &n);
	printf("%d %d %u %s %g\n", n, a, x, word, d);
	printf("%d\n", sscanf("", "%d", &a));
	fputs("fputs ", stdout);
	fwrite("fwrite ", 1, 7, stdout);
	fprintf(stdout, "fprintf %d ", 1);
	putchar('c');
	fputc('\n', stdout);
	fprintf(stderr, "line one\nline ");
	fputs("two", stderr);
	fflush(stderr);
	fprintf(stderr, "unfinished");
	a = fopen("/etc/passwd", "r") == NULL;
	printf("%d %d\n", a, errno == ENOSYS);
}

static int by_value(const void *a, const void *b, void *dir)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y) * *(int *)dir + (x < y) * (*(int *)dir - 1);
}

static void do_stdlib(void)
{
	int v[] = {3, 1, 2}, dir = 1;
	div_t q = div(-7, 2);
	char *end;
	char *s = strdup("dup"), *t = strndup("abcdef", 3);

	qsort_r(v, 3, sizeof(int), by_value, &dir);
	printf("%d%d%d %d %d %ld %g\n", v[0], v[1], v[2], q.quot, q.rem,
	       labs(-5L), strtof("1.5", &end));
	printf("%d %ld %g %d %s %s\n", atoi("-12"), atol("34"), atof("0.25"),
	       abs(-9), s, t);
	printf("%s %d\n", getenv("HOME") == NULL ? "noenv" : "env",
	       (srand(1), rand() >= 0));
	printf("%jd %ju %" PRId64 " %" PRIx32 "\n",
	       strtoimax("-9223372036854775808", NULL, 10),
	       strtoumax("18446744073709551615", NULL, 10), INT64_MIN,
	       UINT32_MAX);
}

static void do_string(void)
{
	char a[] = "a,b,,c", b[] = "x y  z", *p = a, *tok;
	char dst[8];

	while ((tok = strsep(&p, ",")) != NULL)
		printf("[%s]", tok);
	for (tok = strtok(b, " "); tok; tok = strtok(NULL, " "))
		printf("<%s>", tok);
	printf(" %zu %s", strlcpy(dst, "truncate me", sizeof(dst)), dst);
	printf(" %d %d %s %s\n", strcasecmp("HeLLo", "hello"),
	       strncasecmp("abcX", "ABCy", 3),
	       (char *)memmem("haystack", 8, "st", 2), strerror(ENOENT));
}

static jmp_buf env;

static void deep(int n)
{
	if (n < 0)
		return;
	if (n == 0)
		longjmp(env, 42);
	deep(n - 1);
}

static void do_setjmp(void)
{
	volatile int round = 0;
	int r = setjmp(env);
	char *stack = alloca(64);

	memset(stack, 'z', 64);
	if (round++ < 2)
		deep(10);
	printf("%d %d %c\n", r, round, stack[63]);
}

static void do_misc(void)
{
	unsigned __int128 big = ((unsigned __int128)1 << 100) + 7;
	__int128 neg = -(__int128)big;

	printf("%llu %lld\n", (unsigned long long)(big % 1000000007u),
	       (long long)(neg / ((__int128)1 << 90)));
	printf("%d %d %d %d %d\n", isalnum('a'), isspace('\v') != 0,
	       toupper('q'), ispunct('!') != 0, INT_MAX == 2147483647);
	volatile double one = 1, three = 3;
	int nearest = fegetround() == FE_TONEAREST;
	int up = fesetround(FE_UPWARD) == 0 && fegetround() == FE_UPWARD;

	/* Rounding up, 1/3 and then 3 * (1/3) come out above 1. */
	printf("%d %d %d\n", nearest, up, one / three * three > one);
}

void glint_handle(const char *input, size_t len)
{
	char what[16] = "";

	glint_set_content_type("text/plain");
	memcpy(what, input, len < sizeof(what) - 1 ? len : sizeof(what) - 1);
	if (strcmp(what, "math") == 0)
		do_math();
	else if (strcmp(what, "time") == 0)
		do_time();
	else if (strcmp(what, "stdio") == 0)
		do_stdio();
	else if (strcmp(what, "stdlib") == 0)
		do_stdlib();
	else if (strcmp(what, "string") == 0)
		do_string();
	else if (strcmp(what, "setjmp") == 0)
		do_setjmp();
	else if (strcmp(what, "misc") == 0)
		do_misc();
	else if (strcmp(what, "exit0") == 0) {
		printf("kept");
		exit(0);
	} else if (strcmp(what, "exit3") == 0) {
		printf("dropped");
		exit(3);
	} else if (strcmp(what, "assert") == 0)
		assert(len == 0);
	else
		glint_fail("unknown test %s", what);
	printf("end\n");
}
