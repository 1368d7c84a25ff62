/* libm_conf.c: evaluates libm test cases sent by the libm conformance test. */
#include <glint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Input: one case per line, "FUNC FMT ARG..." with FMT d (binary64) or f
 * (binary32) and arguments as C floating literals (hex floats, inf, nan).
 * Output: one line per case, the result's bits in hex ("?" for an unknown
 * function). The host compares them with the correctly rounded results.
 */
struct fn {
	const char *name;
	int arity;
	double (*d1)(double);
	float (*f1)(float);
	double (*d2)(double, double);
	float (*f2)(float, float);
	double (*d3)(double, double, double);
	float (*f3)(float, float, float);
};

#define ONE(n)                                                                 \
	{                                                                      \
#n, 1, n, n##f, NULL, NULL, NULL, NULL                         \
	}
#define TWO(n)                                                                 \
	{                                                                      \
#n, 2, NULL, NULL, n, n##f, NULL, NULL                         \
	}

static const struct fn fns[] = {
	ONE(acos),
	ONE(acosh),
	ONE(asin),
	ONE(asinh),
	ONE(atan),
	ONE(atanh),
	ONE(cbrt),
	ONE(cos),
	ONE(cosh),
	ONE(erf),
	ONE(erfc),
	ONE(exp),
	ONE(exp2),
	ONE(expm1),
	ONE(lgamma),
	ONE(log),
	ONE(log10),
	ONE(log1p),
	ONE(log2),
	ONE(sin),
	ONE(sinh),
	ONE(sqrt),
	ONE(tan),
	ONE(tanh),
	ONE(tgamma),
	TWO(atan2),
	TWO(hypot),
	TWO(pow),
	{"fma", 3, NULL, NULL, NULL, NULL, fma, fmaf},
};

static const struct fn *lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strlen(fns[i].name) == len &&
		    memcmp(fns[i].name, name, len) == 0)
			return &fns[i];
	return NULL;
}

static void eval(const struct fn *f, char fmt, const double *a)
{
	if (fmt == 'f') {
		float r = f->arity == 1	  ? f->f1((float)a[0])
			  : f->arity == 2 ? f->f2((float)a[0], (float)a[1])
					  : f->f3((float)a[0], (float)a[1],
						  (float)a[2]);
		unsigned int bits;

		memcpy(&bits, &r, sizeof(bits));
		printf("%08x\n", bits);
	} else {
		double r = f->arity == 1   ? f->d1(a[0])
			   : f->arity == 2 ? f->d2(a[0], a[1])
					   : f->d3(a[0], a[1], a[2]);
		unsigned long long bits;

		memcpy(&bits, &r, sizeof(bits));
		printf("%016llx\n", bits);
	}
}

void glint_handle(const char *input, size_t input_len)
{
	const char *p = input, *end = input + input_len;
	char line[256];

	glint_set_content_type("text/plain");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		const struct fn *f;
		char *s, *e;
		double a[3] = {0, 0, 0};
		int i;

		if (len >= sizeof(line))
			glint_fail("line too long");
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + 1;
		s = strchr(line, ' ');
		if (!s || !(f = lookup(line, (size_t)(s - line))) ||
		    (s[1] != 'd' && s[1] != 'f')) {
			puts("?");
			continue;
		}
		e = s + 2;
		for (i = 0; i < f->arity; i++)
			a[i] = strtod(e, &e);
		eval(f, s[1], a);
	}
}
