/* libc_test.c: the guest libc (printf, malloc, strings, numbers, sort) against glibc, on the host. */
#include <check.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_libc.h"
#include "libc_ext_test.h"
#include "host_stubs.h"
#include "vmm/glint_abi.h"
#include "../check_run.h"

/* ---- snprintf ------------------------------------------------------------- */

/* Formats with both implementations and compares text and return value. */
#define SAME(fmt, ...)                                                         \
	do {                                                                   \
		char ours[512], theirs[512];                                   \
		int n1 = glint_test_snprintf(ours, sizeof(ours), fmt,          \
					     __VA_ARGS__);                     \
		int n2 = snprintf(theirs, sizeof(theirs), fmt, __VA_ARGS__);   \
		ck_assert_msg(n1 == n2 && strcmp(ours, theirs) == 0,           \
			      "format \"%s\": got \"%s\" (%d), glibc \"%s\" "  \
			      "(%d)",                                          \
			      fmt, ours, n1, theirs, n2);                      \
	} while (0)

START_TEST(printf_integers)
{
	SAME("%d|%i|%u", 0, -1, 4000000000u);
	SAME("%d %d", INT_MIN, INT_MAX);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
	SAME("%.3d|%.0d|%5.3d|%-+6.2d", 7, 0, -7, 3);
	SAME("%x|%X|%#x|%#X|%#o|%o", 255u, 255u, 255u, 0u, 8u, 0u);
	SAME("%#.0o|%#5x|%-#8x|%08x|%#08x", 0u, 1u, 0xabu, 0xabu, 0xabu);
	SAME("%ld|%lu|%lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
	SAME("%lld|%llu", LLONG_MIN, ULLONG_MAX);
	SAME("%hhd|%hhu|%hd|%hu", 300, 300, 70000, 70000);
	SAME("%zu|%zd|%jd|%td", (size_t)123, (ssize_t)-5, (intmax_t)-9,
	     (ptrdiff_t)77);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
	SAME("%*d|", -6, 1);
	SAME("%%|%c|%3c|%-3c|", 'a', 'b', 'c');
}
END_TEST

START_TEST(printf_strings_pointers)
{
	SAME("%s|%10s|%-10s|%.2s|%8.3s", "hi", "hi", "hi", "hello", "hello");
	SAME("%s", "");
	SAME("%p|%20p|%-20p|", (void *)0x1234, (void *)0xdeadbeef,
	     (void *)0x10);
	SAME("%p", (void *)NULL);
	SAME("[%5s]", "(null)");
}
END_TEST

START_TEST(printf_floats)
{
	static const double values[] = {
		0.0,	       -0.0,	   1.0,	   -1.5,    0.5,
		2.5,	       0.125,	   0.375,  3.14159, 2.675,
		1e-5,	       123456.789, 1e10,   1e15,    1.5e-300,
		6.02214076e17, 99.99999,   9.9999, 0.1,	    1.0 / 3};
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		double v = values[i];

		SAME("%f|%.0f|%.1f|%.2f|%.3f|%.10f", v, v, v, v, v, v);
		SAME("%e|%.0e|%.3e|%E|%.12e", v, v, v, v, v);
		SAME("%g|%.0g|%.3g|%G|%.10g|%.15g", v, v, v, v, v, v);
		SAME("%#g|%#.0f|%#.0e|%+f|% e|%12.4f|%-12.2e|%012.3f", v, v, v,
		     v, v, v, v, v);
	}
	SAME("%f|%e|%g|%F|%E|%G", INFINITY, -INFINITY, NAN, INFINITY, INFINITY,
	     NAN);
	SAME("%8f|%-8f|%08f", INFINITY, -INFINITY, INFINITY);
	SAME("%.17g|%.17g|%.17g", 0.1, 1e300, 5e-324);
	SAME("%g|%g|%g|%g", 100000.0, 1000000.0, 0.0001, 0.00001);
	SAME("%.0f|%.0f|%.0f|%.0f", 0.5, 1.5, 2.5, 3.5);
	SAME("%f", 1e20);
	/* Beyond 19 significant digits %f is not exact (see stdio.h). */
	SAME("%e|%g|%.3e", 6.02214076e23, 6.02214076e23, 6.02214076e23);
	SAME("%Lf|%Le", 2.5L, 1e-3L);
}
END_TEST

START_TEST(printf_truncates)
{
	char buf[8];
	int n;

	memset(buf, 'x', sizeof(buf));
	n = glint_test_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(buf, "abcdef-");
	n = glint_test_snprintf(buf, 0, "%d", 99);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(buf[0], 'a');
	n = glint_test_snprintf(buf, 1, "%d", 99);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(buf[0], '\0');
}
END_TEST

/* ---- malloc ---------------------------------------------------------------- */

#define HEAP_BYTES (4u << 20)
static unsigned char *heap_buf;

static void heap_setup(void)
{
	heap_buf = aligned_alloc(4096, HEAP_BYTES);
	ck_assert_ptr_nonnull(heap_buf);
	memset(heap_buf, 0xa5, HEAP_BYTES);
	glint__heap_init(heap_buf, HEAP_BYTES);
}

static void heap_teardown(void)
{
	free(heap_buf);
}

static int in_heap(const void *p, size_t n)
{
	const unsigned char *c = p;

	return c >= heap_buf && c + n <= heap_buf + HEAP_BYTES;
}

START_TEST(malloc_basic)
{
	void *a = glint_test_malloc(1), *b = glint_test_malloc(100);
	unsigned char *z;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq((uintptr_t)a % 16, 0);
	ck_assert_uint_eq((uintptr_t)b % 16, 0);
	ck_assert(in_heap(a, 1) && in_heap(b, 100));
	stub_diag = 0;
	ck_assert_ptr_null(glint_test_malloc(HEAP_BYTES));
	ck_assert_int_eq(glint_test_errno, ENOMEM);
	/* Recorded for the host, which names it if the call then crashes. */
	ck_assert_uint_eq(stub_diag, GLINT_DIAG_HEAP_EXHAUSTED);
	ck_assert_ptr_null(glint_test_malloc(SIZE_MAX));
	ck_assert_ptr_null(glint_test_calloc(SIZE_MAX / 2, 3));
	/* calloc zeroes memory even when it reuses a dirty block. */
	memset(b, 0xff, 100);
	glint_test_free(b);
	z = glint_test_calloc(10, 10);
	ck_assert_ptr_nonnull(z);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(z[i], 0);
	glint_test_free(z);
	glint_test_free(a);
	glint_test_free(NULL);
	/* Everything coalesced: nearly the whole heap fits in one block. */
	a = glint_test_malloc(HEAP_BYTES - 64);
	ck_assert_ptr_nonnull(a);
}
END_TEST

struct slot {
	unsigned char *p;
	size_t len;
	unsigned char tag;
};

static void fill(struct slot *s)
{
	for (size_t i = 0; i < s->len; i++)
		s->p[i] = (unsigned char)(s->tag + i * 7);
}

/* Plain comparisons: every passing ck_assert costs a message to Check. */
static void verify(const struct slot *s)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->p[i] != (unsigned char)(s->tag + i * 7))
			ck_abort_msg("block %p byte %zu corrupted",
				     (void *)s->p, i);
}

START_TEST(malloc_stress)
{
	enum { SLOTS = 256, ROUNDS = 20000 };
	static struct slot slots[SLOTS];
	unsigned seed = 12345;

	memset(slots, 0, sizeof(slots));
	for (int r = 0; r < ROUNDS; r++) {
		struct slot *s = &slots[rand_r(&seed) % SLOTS];
		size_t len = (size_t)rand_r(&seed) %
			     (rand_r(&seed) % 8 == 0 ? 65536 : 256);
		int op = rand_r(&seed) % 3;

		if (s->p)
			verify(s);
		if (s->p && op == 0) {
			glint_test_free(s->p);
			s->p = NULL;
		} else if (s->p && op == 1) {
			unsigned char *q = glint_test_realloc(s->p, len + 1);

			if (q == NULL)
				continue;
			s->p = q;
			s->len = s->len < len + 1 ? s->len : len + 1;
			verify(s);
			s->len = len + 1;
			fill(s);
		} else if (!s->p) {
			s->p = glint_test_malloc(len);
			if (s->p == NULL)
				continue;
			if ((uintptr_t)s->p % 16 != 0 || !in_heap(s->p, len))
				ck_abort_msg("bad block %p", (void *)s->p);
			s->len = len;
			s->tag = (unsigned char)r;
			fill(s);
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			verify(&slots[i]);
			glint_test_free(slots[i].p);
		}
	}
	ck_assert_ptr_nonnull(glint_test_malloc(HEAP_BYTES - 64));
}
END_TEST

START_TEST(malloc_realloc_keeps_data)
{
	char *p = glint_test_malloc(10), *q;

	memcpy(p, "123456789", 10);
	p = glint_test_realloc(p, 100000);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "123456789");
	q = glint_test_malloc(16); /* blocks growth in place */
	p = glint_test_realloc(p, 200000);
	ck_assert_str_eq(p, "123456789");
	p = glint_test_realloc(p, 5);
	ck_assert_int_eq(memcmp(p, "12345", 5), 0);
	ck_assert_ptr_null(glint_test_realloc(p, HEAP_BYTES * 2));
	ck_assert_int_eq(memcmp(p, "12345", 5), 0); /* still valid */
	glint_test_free(q);
	glint_test_free(p);
	ck_assert_ptr_nonnull(glint_test_realloc(NULL, 8));
}
END_TEST

static const char *abort_message_of_free(void *p)
{
	stub_abort_msg[0] = '\0';
	stub_abort_armed = 1;
	if (setjmp(stub_abort_env) == 0)
		glint_test_free(p);
	stub_abort_armed = 0;
	return stub_abort_msg;
}

START_TEST(malloc_rejects_bad_free)
{
	char *p = glint_test_malloc(32);
	int local;

	ck_assert_ptr_nonnull(
		strstr(abort_message_of_free(&local), "not from malloc"));
	ck_assert_ptr_nonnull(strstr(abort_message_of_free(p + 16), "free()"));
	glint_test_malloc(64); /* so p is not next to the top */
	glint_test_free(p);
	ck_assert_ptr_nonnull(
		strstr(abort_message_of_free(p), "freed or corrupt"));
}
END_TEST

/* ---- strings and numbers ---------------------------------------------------- */

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

START_TEST(strings_match_glibc)
{
	static const char *const s[] = {
		"",	 "a",		"abc",	"abd",	  "ab",	 "ABC",
		"hello", "hello world", "\xff", "worldh", "lo w"};
	size_t n = sizeof(s) / sizeof(s[0]);
	char buf[64], buf2[64], *save, *tok;

	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(glint_test_strlen(s[i]), strlen(s[i]));
		for (size_t j = 0; j < n; j++) {
			ck_assert_int_eq(sign(glint_test_strcmp(s[i], s[j])),
					 sign(strcmp(s[i], s[j])));
			ck_assert_int_eq(
				sign(glint_test_strncmp(s[i], s[j], 2)),
				sign(strncmp(s[i], s[j], 2)));
			ck_assert_int_eq(
				sign(glint_test_strcasecmp(s[i], s[j])),
				sign(strcasecmp(s[i], s[j])));
			ck_assert_ptr_eq(glint_test_strstr(s[i], s[j]),
					 strstr(s[i], s[j]));
		}
		ck_assert_ptr_eq(glint_test_strchr(s[i], 'l'),
				 strchr(s[i], 'l'));
		ck_assert_ptr_eq(glint_test_strrchr(s[i], 'l'),
				 strrchr(s[i], 'l'));
		ck_assert_ptr_eq(glint_test_strchr(s[i], 0), strchr(s[i], 0));
	}
	for (size_t off = 0; off < 9; off++) {
		char src[40], a[48], b[48];

		for (int k = 0; k < 40; k++)
			src[k] = (char)('a' + k % 26);
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		glint_test_memcpy(a + off, src + (8 - off), 31);
		memcpy(b + off, src + (8 - off), 31);
		ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
		glint_test_memmove(a + 1, a, 40);
		memmove(b + 1, b, 40);
		ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
		glint_test_memmove(a, a + off, 30);
		memmove(b, b + off, 30);
		ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
		glint_test_memset(a + off, 'z', 33 - off);
		memset(b + off, 'z', 33 - off);
		ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
	}
	ck_assert_uint_eq(glint_test_strlcpy(buf, "truncate me", 5), 11);
	ck_assert_str_eq(buf, "trun");
	memset(buf, 'q', sizeof(buf));
	glint_test_strncpy(buf, "ab", 6);
	ck_assert_int_eq(memcmp(buf, "ab\0\0\0\0q", 7), 0);
	strcpy(buf, "x");
	ck_assert_str_eq(glint_test_strncat(buf, "yz123", 2), "xyz");
	strcpy(buf2, " a,b,,c ");
	tok = glint_test_strtok_r(buf2, " ,", &save);
	ck_assert_str_eq(tok, "a");
	ck_assert_str_eq(glint_test_strtok_r(NULL, " ,", &save), "b");
	ck_assert_str_eq(glint_test_strtok_r(NULL, " ,", &save), "c");
	ck_assert_ptr_null(glint_test_strtok_r(NULL, " ,", &save));
	ck_assert_ptr_eq(glint_test_memmem("abcabd", 6, "abd", 3),
			 (const char *)"abcabd" + 3);
}
END_TEST

START_TEST(strtol_matches_glibc)
{
	static const char *const in[] = {"0",
					 "42",
					 "-42",
					 "  +17x",
					 "0x1f",
					 "0X",
					 "077",
					 "z",
					 "",
					 "-",
					 "9223372036854775807",
					 "9223372036854775808",
					 "-9223372036854775808",
					 "-9223372036854775809",
					 "99999999999999999999",
					 "12abc"};
	static const int bases[] = {0, 10, 16, 8, 36, 2};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			char *e1, *e2;
			long v1, v2;
			int err1, err2;

			glint_test_errno = 0;
			errno = 0;
			v1 = glint_test_strtol(in[i], &e1, bases[b]);
			err1 = glint_test_errno;
			v2 = strtol(in[i], &e2, bases[b]);
			err2 = errno;
			ck_assert_msg(v1 == v2 && e1 == e2 && err1 == err2,
				      "strtol(\"%s\", %d): %ld/%td/%d vs "
				      "%ld/%td/%d",
				      in[i], bases[b], v1, e1 - in[i], err1, v2,
				      e2 - in[i], err2);
		}
	}
	ck_assert_uint_eq(glint_test_strtoull("18446744073709551615", NULL, 10),
			  ULLONG_MAX);
}
END_TEST

START_TEST(strtod_close_to_glibc)
{
	static const char *const in[] = {"0",
					 "1",
					 "-2.5",
					 "3.14159",
					 "1e10",
					 "1.5e-7",
					 "  42abc",
					 ".5",
					 "5.",
					 "1e308",
					 "2.2250738585072014e-308",
					 "123456789012345678901234567890",
					 "0.000001",
					 "-0",
					 "inf",
					 "-Infinity",
					 "1e400",
					 "0x10",
					 "abc",
					 "6.02214076e23"};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e1, *e2;
		double v1 = glint_test_strtod(in[i], &e1);
		double v2 = strtod(in[i], &e2);

		ck_assert_msg(e1 == e2,
			      "strtod(\"%s\") stops at %td, glibc %td", in[i],
			      e1 - in[i], e2 - in[i]);
		ck_assert_msg(
			v1 == v2 || fabs(v1 - v2) <= fabs(v2) * 2 * DBL_EPSILON,
			"strtod(\"%s\") = %.17g, glibc %.17g", in[i], v1, v2);
	}
	ck_assert(isnan(glint_test_strtod("nan", NULL)));
}
END_TEST

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

START_TEST(qsort_sorts)
{
	enum { N = 1000 };
	static int v[N], w[N];
	unsigned seed = 7;

	for (int n = 0; n < N; n += 37) {
		for (int i = 0; i < n; i++)
			v[i] = w[i] = rand_r(&seed) % 100;
		glint_test_qsort(v, (size_t)n, sizeof(int), cmp_int);
		qsort(w, (size_t)n, sizeof(int), cmp_int);
		ck_assert_int_eq(memcmp(v, w, (size_t)n * sizeof(int)), 0);
	}
	for (int i = 0; i < N; i++)
		v[i] = i * 2;
	for (int k = -1; k < 2 * N + 1; k++) {
		int *hit = glint_test_bsearch(&k, v, N, sizeof(int), cmp_int);

		if (k >= 0 && k % 2 == 0 && k < 2 * N)
			ck_assert_ptr_eq(hit, &v[k / 2]);
		else
			ck_assert_ptr_null(hit);
	}
}
END_TEST

static Suite *libc_suite(void)
{
	Suite *s = suite_create("guest libc");
	TCase *fmt = tcase_create("printf");
	TCase *heap = tcase_create("malloc");
	TCase *str = tcase_create("strings");

	tcase_add_test(fmt, printf_integers);
	tcase_add_test(fmt, printf_strings_pointers);
	tcase_add_test(fmt, printf_floats);
	tcase_add_test(fmt, printf_truncates);
	tcase_add_checked_fixture(heap, heap_setup, heap_teardown);
	tcase_add_test(heap, malloc_basic);
	tcase_add_test(heap, malloc_stress);
	tcase_add_test(heap, malloc_realloc_keeps_data);
	tcase_add_test(heap, malloc_rejects_bad_free);
	tcase_add_test(str, strings_match_glibc);
	tcase_add_test(str, strtol_matches_glibc);
	tcase_add_test(str, strtod_close_to_glibc);
	tcase_add_test(str, qsort_sorts);
	suite_add_tcase(s, fmt);
	suite_add_tcase(s, heap);
	suite_add_tcase(s, str);
	libc_ext_add(s);
	return s;
}

int main(void)
{
	return check_run(libc_suite());
}
