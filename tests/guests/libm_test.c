/* libm_test.c: the guest libm (musl's objects, renamed) against the host's glibc libm. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../check_run.h"

/*
 * tests/guests/libglint-rt-host.a is guest/libglint-rt.a with every symbol
 * prefixed glint_test_ (objcopy), so the very objects guests link run here
 * beside glibc. Bound: within 1 ulp of glibc's result where glibc is
 * correctly rounded on nearly all inputs (so this is the guest libm's own
 * bound), 2 ulp for the functions guest/README.md documents so, and the
 * same bits for exact functions and special values. glibc's own cbrt,
 * log10 and tanh are not correctly rounded (up to 3, 2 and 2 ulp here);
 * their bounds are the sum, and libm_conformance.test holds the guest's
 * to the correctly rounded results instead (cbrt and log10 1 ulp, tanh 2).
 */
#define D1(n)                                                                  \
	double glint_test_##n(double);                                         \
	float glint_test_##n##f(float)
#define D2(n)                                                                  \
	double glint_test_##n(double, double);                                 \
	float glint_test_##n##f(float, float)
D1(sqrt);
D1(cbrt);
D1(exp);
D1(exp2);
D1(expm1);
D1(log);
D1(log2);
D1(log10);
D1(log1p);
D1(sin);
D1(cos);
D1(tan);
D1(asin);
D1(acos);
D1(atan);
D1(sinh);
D1(cosh);
D1(tanh);
D1(floor);
D1(ceil);
D1(trunc);
D1(round);
D1(nearbyint);
D1(rint);
D1(fabs);
D2(hypot);
D2(pow);
D2(atan2);
D2(fmod);
D2(remainder);
D2(fmin);
D2(fmax);
D2(copysign);
double glint_test_frexp(double, int *);
double glint_test_ldexp(double, int);
double glint_test_modf(double, double *);
double glint_test_scalbn(double, int);
long glint_test_lround(double);
double glint_test_nan(const char *);

/* The renamed objects' stack-protector failure call. */
void glint_test___stack_chk_fail(void);
void glint_test___stack_chk_fail(void)
{
	ck_abort_msg("stack protector fired in libm");
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Error of got in ulps of want (want's format); 0 for equal classes. */
static double ulps(double got, double want, int mant_bits)
{
	int k;

	if (isnan(want) || isnan(got))
		return isnan(want) && isnan(got) ? 0 : INFINITY;
	if (isinf(want) || isinf(got) || want == 0 || got == 0)
		return got == want && signbit(got) == signbit(want) ? 0
								    : INFINITY;
	frexp(want, &k);
	if (mant_bits == 24 && k < -125)
		k = -125;
	if (mant_bits == 53 && k < -1021)
		k = -1021;
	return fabs(got - want) / ldexp(1, k - mant_bits);
}

static double random_double(void)
{
	uint64_t bits = next();
	double v;

	switch (next() % 4) {
	case 0: /* any bit pattern: all binades, subnormals, inf, nan */
		memcpy(&v, &bits, sizeof(v));
		/* Quiet NaNs only: with a signalling NaN, musl's fmin/fmax
		 * return the other argument and glibc's a NaN (README). */
		return isnan(v) ? copysign(NAN, v) : v;
	case 1:
		return (double)(int64_t)bits / 9.2e18 * 4; /* [-4, 4] */
	case 2:
		return ldexp((double)(bits >> 11), -53) * 1000;
	default:
		return ldexp((double)(bits >> 11) / 9e15,
			     (int)(next() % 80) - 40);
	}
}

struct f1 {
	const char *name;
	double (*ours)(double), (*glibc)(double);
	float (*oursf)(float), (*glibcf)(float);
	double bound;
};

#define F1(n, b)                                                               \
	{                                                                      \
#n, glint_test_##n, n, glint_test_##n##f, n##f, b              \
	}

static const struct f1 one[] = {
	F1(sqrt, 0),  F1(cbrt, 4),  F1(exp, 1),	      F1(exp2, 1),
	F1(expm1, 1), F1(log, 1),   F1(log2, 1),      F1(log10, 2),
	F1(log1p, 1), F1(sin, 1),   F1(cos, 1),	      F1(tan, 1),
	F1(asin, 1),  F1(acos, 1),  F1(atan, 1),      F1(sinh, 2),
	F1(cosh, 2),  F1(tanh, 4),  F1(floor, 0),     F1(ceil, 0),
	F1(trunc, 0), F1(round, 0), F1(nearbyint, 0), F1(rint, 0),
	F1(fabs, 0),
};

START_TEST(one_argument_functions)
{
	const struct f1 *f = &one[_i];
	double worst = 0, worstf = 0, at = 0;
	int k;

	for (k = 0; k < 200000; k++) {
		double x = random_double();
		float xf = (float)x;
		double e = ulps(f->ours(x), f->glibc(x), 53);
		double ef = ulps(f->oursf(xf), f->glibcf(xf), 24);

		if (e > worst)
			worst = e, at = x;
		if (ef > worstf)
			worstf = ef;
	}
	ck_assert_msg(worst <= f->bound && worstf <= f->bound,
		      "%s: %g ulp (at %a), %sf: %g ulp, bound %g", f->name,
		      worst, at, f->name, worstf, f->bound);
}
END_TEST

struct f2 {
	const char *name;
	double (*ours)(double, double), (*glibc)(double, double);
	double bound;
};

#define F2(n, b)                                                               \
	{                                                                      \
#n, glint_test_##n, n, b                                       \
	}

static const struct f2 two[] = {
	F2(hypot, 1),	  F2(pow, 1),  F2(atan2, 1), F2(fmod, 0),
	F2(remainder, 0), F2(fmin, 0), F2(fmax, 0),  F2(copysign, 0),
};

START_TEST(two_argument_functions)
{
	const struct f2 *f = &two[_i];
	double worst = 0, ax = 0, ay = 0;
	int k;

	for (k = 0; k < 200000; k++) {
		double x = random_double(), y = random_double();
		double e = ulps(f->ours(x, y), f->glibc(x, y), 53);

		if (e > worst)
			worst = e, ax = x, ay = y;
	}
	ck_assert_msg(worst <= f->bound, "%s: %g ulp at (%a, %a), bound %g",
		      f->name, worst, ax, ay, f->bound);
}
END_TEST

START_TEST(special_values)
{
	static const double xs[] = {0.0,       -0.0,	INFINITY,
				    -INFINITY, NAN,	4.9406564584124654e-324,
				    -2.2e-308, DBL_MAX, -DBL_MAX,
				    1e22,      1e300,	-1e300,
				    0x1p1023,  1.0,	-1.0,
				    0.5};
	size_t i, j;

	for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		for (j = 0; j < sizeof(one) / sizeof(one[0]); j++) {
			double e = ulps(one[j].ours(xs[i]), one[j].glibc(xs[i]),
					53);

			ck_assert_msg(e <= one[j].bound, "%s(%a): %a, glibc %a",
				      one[j].name, xs[i], one[j].ours(xs[i]),
				      one[j].glibc(xs[i]));
		}
		for (j = 0; j < sizeof(two) / sizeof(two[0]); j++) {
			double y =
				xs[(i * 7 + 3) % (sizeof(xs) / sizeof(xs[0]))];
			double e = ulps(two[j].ours(xs[i], y),
					two[j].glibc(xs[i], y), 53);

			ck_assert_msg(e <= two[j].bound, "%s(%a, %a)",
				      two[j].name, xs[i], y);
		}
	}
}
END_TEST

START_TEST(decomposition)
{
	int e1, e2, k;

	for (k = 0; k < 100000; k++) {
		double x = random_double(), i1, i2;
		double m1 = glint_test_frexp(x, &e1), m2 = frexp(x, &e2);
		double f1 = glint_test_modf(x, &i1), f2 = modf(x, &i2);
		int n = (int)(next() % 2200) - 1100;

		ck_assert(ulps(m1, m2, 53) == 0 && (e1 == e2 || !isfinite(x)));
		ck_assert(ulps(f1, f2, 53) == 0 && ulps(i1, i2, 53) == 0);
		ck_assert(ulps(glint_test_ldexp(x, n), ldexp(x, n), 53) == 0);
		ck_assert(ulps(glint_test_scalbn(x, n), scalbn(x, n), 53) == 0);
		if (fabs(x) < 1e18)
			ck_assert_int_eq(glint_test_lround(x), lround(x));
	}
	ck_assert(isnan(glint_test_nan("")));
}
END_TEST

static Suite *libm_suite(void)
{
	Suite *s = suite_create("guest libm");
	TCase *tc = tcase_create("against glibc");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, one_argument_functions, 0,
			    sizeof(one) / sizeof(one[0]));
	tcase_add_loop_test(tc, two_argument_functions, 0,
			    sizeof(two) / sizeof(two[0]));
	tcase_add_test(tc, special_values);
	tcase_add_test(tc, decomposition);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(libm_suite());
}
