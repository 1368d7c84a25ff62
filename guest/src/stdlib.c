/* stdlib.c: number parsing, sorting, rand() and abort() for the guest libc. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint.h"
#include "internal.h"

int errno;

static int digit_value(int c)
{
	if (isdigit(c))
		return c - '0';
	if (islower(c))
		return c - 'a' + 10;
	if (isupper(c))
		return c - 'A' + 10;
	return 99;
}

/* Parses an optionally signed integer into a magnitude; *neg gets the sign.
 * Saturates at UINT64_MAX with errno = ERANGE. */
static uint64_t parse_uint(const char *s, char **end, int base, int *neg)
{
	const char *p = s, *digits;
	uint64_t v = 0;
	int overflow = 0;

	while (isspace((unsigned char)*p))
		p++;
	*neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)(uintptr_t)s;
		return 0;
	}
	for (digits = p; digit_value((unsigned char)*p) < base; p++) {
		unsigned d = (unsigned)digit_value((unsigned char)*p);

		if (v > (UINT64_MAX - d) / (unsigned)base)
			overflow = 1;
		else
			v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(uintptr_t)(p == digits ? s : p);
	if (overflow) {
		errno = ERANGE;
		return UINT64_MAX;
	}
	return v;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	int neg;
	uint64_t v = parse_uint(s, end, base, &neg);

	if (!neg && v > (uint64_t)LLONG_MAX) {
		errno = ERANGE;
		return LLONG_MAX;
	}
	if (neg && v > (uint64_t)LLONG_MAX + 1) {
		errno = ERANGE;
		return LLONG_MIN;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	int neg;
	uint64_t v = parse_uint(s, end, base, &neg);

	if (v == UINT64_MAX && errno == ERANGE)
		return ULLONG_MAX;
	return neg ? 0 - v : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}

int abs(int v)
{
	return v < 0 ? -v : v;
}

long labs(long v)
{
	return v < 0 ? -v : v;
}

long long llabs(long long v)
{
	return v < 0 ? -v : v;
}

/* ---- strtod ------------------------------------------------------------ */

/* 10^e as long double, by squaring; exact for e <= 27. */
static long double pow10l_(int e)
{
	long double r = 1.0L, b = 10.0L;
	unsigned u = (unsigned)(e < 0 ? -e : e);

	for (; u; u >>= 1, b *= b)
		if (u & 1)
			r *= b;
	return e < 0 ? 1.0L / r : r;
}

static int match_word(const char *p, const char *word)
{
	size_t n = strlen(word);

	return strncasecmp(p, word, n) == 0 ? (int)n : 0;
}

/* 2^e as an x87 long double, for -16382 <= e <= 16383. */
static long double pow2l(int e)
{
	union {
		long double v;
		struct {
			uint64_t mant;
			uint16_t sign_exp;
		} bits;
	} u;

	u.v = 0;
	u.bits.mant = 1ull << 63;
	u.bits.sign_exp = (uint16_t)(e + 16383);
	return u.v;
}

/*
 * A hexadecimal float after its "0x": exact up to 15 significant digits,
 * and later digits only decide the rounding (a sticky bit), so the one
 * rounding is the final conversion to double: correctly rounded.
 */
static double parse_hex_float(const char *p, char **end)
{
	uint64_t mant = 0;
	long exp2 = 0;
	int digits = 0, any = 0, d;
	bool point = false;
	long double v;

	for (;; p++) {
		if (*p == '.' && !point) {
			point = true;
			continue;
		}
		d = digit_value((unsigned char)*p);
		if (d < 0 || d >= 16)
			break;
		any = 1;
		if (digits < 15) {
			mant = mant * 16 + (unsigned)d;
			digits += mant != 0;
			exp2 -= point ? 4 : 0;
		} else {
			mant |= d != 0;
			exp2 += point ? 0 : 4;
		}
	}
	if (!any) {
		/* "0x" with no digits: the "0" alone. */
		if (end)
			*end = (char *)(uintptr_t)(p - (point ? 2 : 1));
		return 0.0;
	}
	if (*p == 'p' || *p == 'P') {
		char *e_end;
		long e = strtol(p + 1, &e_end, 10);

		if (e_end != p + 1) {
			p = e_end;
			e = e > 100000 ? 100000 : e < -100000 ? -100000 : e;
			exp2 += e;
		}
	}
	if (end)
		*end = (char *)(uintptr_t)p;
	exp2 = exp2 > 20000 ? 20000 : exp2 < -20000 ? -20000 : exp2;
	/* Two exact steps: each factor stays within long double's range. */
	v = (long double)mant * pow2l((int)(exp2 / 2)) *
	    pow2l((int)(exp2 - exp2 / 2));
	if (mant && (v > 1.7976931348623157e308L || v < 4.9e-324L))
		errno = ERANGE;
	return (double)v;
}

double strtod(const char *restrict s, char **restrict end)
{
	const char *p = s;
	uint64_t mant = 0;
	int neg, digits = 0, exp10 = 0, any = 0, n;
	long double v;

	while (isspace((unsigned char)*p))
		p++;
	neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if ((n = match_word(p, "infinity")) || (n = match_word(p, "inf"))) {
		if (end)
			*end = (char *)(uintptr_t)(p + n);
		return neg ? -__builtin_inf() : __builtin_inf();
	}
	if ((n = match_word(p, "nan"))) {
		if (end)
			*end = (char *)(uintptr_t)(p + n);
		return neg ? -__builtin_nan("") : __builtin_nan("");
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		double h = parse_hex_float(p + 2, end);

		return neg ? -h : h;
	}
	for (; isdigit((unsigned char)*p); p++, any = 1) {
		if (digits < 19) {
			mant = mant * 10 + (unsigned)(*p - '0');
			digits += mant != 0;
		} else {
			exp10++;
		}
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, any = 1) {
			if (digits < 19) {
				mant = mant * 10 + (unsigned)(*p - '0');
				digits += mant != 0;
				exp10--;
			}
		}
	}
	if (!any) {
		if (end)
			*end = (char *)(uintptr_t)s;
		return 0.0;
	}
	if (*p == 'e' || *p == 'E') {
		char *e_end;
		long e = strtol(p + 1, &e_end, 10);

		if (e_end != p + 1) {
			p = e_end;
			e = e > 100000 ? 100000 : e < -100000 ? -100000 : e;
			exp10 += (int)e;
		}
	}
	if (end)
		*end = (char *)(uintptr_t)p;
	v = (long double)mant;
	/* Two steps keep 10^e finite in long double for subnormal results. */
	if (exp10 < -4000)
		v = 0;
	else if (exp10 < -300)
		v = v * pow10l_(-300) * pow10l_(exp10 + 300);
	else if (exp10 > 4000)
		v = mant ? __builtin_infl() : 0;
	else
		v *= pow10l_(exp10);
	if (mant && (v > 1.7976931348623157e308L || v < 4.9e-324L))
		errno = ERANGE;
	return neg ? -(double)v : (double)v;
}

float strtof(const char *restrict s, char **restrict end)
{
	return (float)strtod(s, end);
}

long double strtold(const char *restrict s, char **restrict end)
{
	return strtod(s, end);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

double atof(const char *s)
{
	return strtod(s, NULL);
}

div_t div(int num, int den)
{
	div_t r = {num / den, num % den};

	return r;
}

ldiv_t ldiv(long num, long den)
{
	ldiv_t r = {num / den, num % den};

	return r;
}

lldiv_t lldiv(long long num, long long den)
{
	lldiv_t r = {num / den, num % den};

	return r;
}

intmax_t imaxabs(intmax_t v)
{
	return v < 0 ? -v : v;
}

imaxdiv_t imaxdiv(intmax_t num, intmax_t den)
{
	imaxdiv_t r = {num / den, num % den};

	return r;
}

/* ---- sorting and searching -------------------------------------------- */

static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Heapsort: O(n log n) in the worst case and no recursion, so hostile
 * inputs can neither slow it down quadratically nor overflow the stack. */
static void sift_down(char *base, size_t root, size_t n, size_t size,
		      int (*cmp)(const void *, const void *, void *), void *arg)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size,
					 base + (child + 1) * size, arg) < 0)
			child++;
		if (cmp(base + root * size, base + child * size, arg) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

void qsort_r(void *base, size_t nmemb, size_t size,
	     int (*cmp)(const void *, const void *, void *), void *arg)
{
	char *b = base;
	size_t i;

	if (nmemb < 2 || size == 0)
		return;
	for (i = nmemb / 2; i-- > 0;)
		sift_down(b, i, nmemb, size, cmp, arg);
	for (i = nmemb - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp, arg);
	}
}

static int call_plain(const void *a, const void *b, void *cmp)
{
	return ((int (*)(const void *, const void *))cmp)(a, b);
}

void qsort(void *base, size_t nmemb, size_t size,
	   int (*cmp)(const void *, const void *))
{
	qsort_r(base, nmemb, size, call_plain, (void *)cmp);
}

void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *b = base;

	while (nmemb > 0) {
		const char *mid = b + (nmemb / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)(uintptr_t)mid;
		if (c > 0) {
			b = mid + size;
			nmemb -= nmemb / 2 + 1;
		} else {
			nmemb /= 2;
		}
	}
	return NULL;
}

/* ---- rand and abort ------------------------------------------------------ */

/* Draws from the per-call generator: no state of its own to dirty. */
int rand(void)
{
	return (int)(glint_random_u64() >> 33);
}

void srand(unsigned seed)
{
	(void)seed;
}

void abort(void)
{
	glint_abort("abort() called");
}
