/* printf.c: the printf engine (integers, strings, floats) and its front ends. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define SIG_DIGITS 19 /* decimal digits kept from a double */
#define FLOAT_PREC_MAX 350
#define FLOAT_BUF (310 + 2 + FLOAT_PREC_MAX + 8)

struct spec {
	bool left, plus, space, alt, zero;
	int width;
	int prec;    /* -1: none */
	char length; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 'j', 't' */
	char conv;
};

struct out {
	glint__sink_fn sink;
	void *ctx;
	size_t count;
};

static void emit(struct out *o, const char *buf, size_t len)
{
	if (len == 0)
		return;
	o->sink(o->ctx, buf, len);
	o->count += len;
}

static void pad(struct out *o, char c, int n)
{
	char buf[32];

	memset(buf, c, sizeof(buf));
	for (; n > 0; n -= (int)sizeof(buf))
		emit(o, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf));
}

/* Writes prefix, zeros, body with the spec's width and alignment. */
static void field(struct out *o, const struct spec *sp, const char *prefix,
		  int zeros, const char *body, size_t body_len)
{
	size_t plen = strlen(prefix);
	int fill = sp->width - (int)(plen + (size_t)zeros + body_len);

	if (fill > 0 && !sp->left && sp->zero) {
		zeros += fill;
		fill = 0;
	}
	if (fill > 0 && !sp->left)
		pad(o, ' ', fill);
	emit(o, prefix, plen);
	pad(o, '0', zeros);
	emit(o, body, body_len);
	if (fill > 0 && sp->left)
		pad(o, ' ', fill);
}

/* ---- integers ----------------------------------------------------------- */

static void format_int(struct out *o, struct spec sp, uint64_t mag, bool neg)
{
	char buf[24], prefix[4] = "";
	const char *digits =
		sp.conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = 10;
	size_t len = 0;
	int zeros = 0;
	char *p = buf + sizeof(buf);

	if (sp.conv == 'x' || sp.conv == 'X' || sp.conv == 'p')
		base = 16;
	else if (sp.conv == 'o')
		base = 8;
	for (uint64_t v = mag; v; v /= base, len++)
		*--p = digits[v % base];
	if (sp.prec >= 0) {
		sp.zero = false;
		if ((int)len < sp.prec)
			zeros = sp.prec - (int)len;
	} else if (len == 0) {
		zeros = 1;
	}
	if (neg)
		strcpy(prefix, "-");
	else if (sp.plus)
		strcpy(prefix, "+");
	else if (sp.space)
		strcpy(prefix, " ");
	if (sp.alt && base == 16 && mag != 0)
		strcpy(prefix, sp.conv == 'X' ? "0X" : "0x");
	if (sp.alt && base == 8 && zeros == 0 && (len == 0 || *p != '0'))
		zeros = 1;
	field(o, &sp, prefix, zeros, p, len);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	case 't':
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (int64_t)va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

/* ---- floating point ------------------------------------------------------ */

static const long double pow10_tab[] = {1e1L,  1e2L,  1e4L,   1e8L,  1e16L,
					1e32L, 1e64L, 1e128L, 1e256L};

/* v > 0 finite -> 19 digits d[] and exponent: v ~ d0.d1d2... x 10^exp. */
static void decimal_digits(double v, char d[SIG_DIGITS], int *exp)
{
	long double x = v;
	uint64_t m;
	int i, e = 0;

	for (i = 8; i >= 0; i--) {
		if (x >= pow10_tab[i]) {
			x /= pow10_tab[i];
			e += 1 << i;
		}
	}
	for (i = 8; i >= 0; i--) {
		if (x * pow10_tab[i] < 1.0L) {
			x *= pow10_tab[i];
			e -= 1 << i;
		}
	}
	if (x < 1.0L) {
		x *= 10.0L;
		e--;
	}
	m = (uint64_t)(x * 1e18L + 0.5L);
	if (m >= 10000000000000000000ull) {
		m /= 10;
		e++;
	}
	for (i = SIG_DIGITS - 1; i >= 0; i--, m /= 10)
		d[i] = (char)('0' + m % 10);
	*exp = e;
}

/* Rounds d[] to keep digits (half to even on exact ties). */
static void round_digits(char d[SIG_DIGITS], int keep, int *exp)
{
	bool up, rest_zero = true;
	int i;

	if (keep >= SIG_DIGITS)
		return;
	if (keep < 0) {
		memset(d, '0', SIG_DIGITS);
		return;
	}
	for (i = keep + 1; i < SIG_DIGITS; i++)
		rest_zero &= d[i] == '0';
	up = d[keep] > '5' || (d[keep] == '5' && !rest_zero) ||
	     (d[keep] == '5' && keep > 0 && (d[keep - 1] - '0') % 2 == 1);
	memset(d + keep, '0', (size_t)(SIG_DIGITS - keep));
	if (!up)
		return;
	for (i = keep - 1; i >= 0; i--) {
		if (d[i] != '9') {
			d[i]++;
			return;
		}
		d[i] = '0';
	}
	/* Carried out of the first digit: 999 -> 1000. */
	d[0] = '1';
	(*exp)++;
}

static char digit_at(const char d[SIG_DIGITS], int i)
{
	return i >= 0 && i < SIG_DIGITS ? d[i] : '0';
}

static size_t put_fixed(char *buf, const char d[SIG_DIGITS], int exp, int prec,
			bool dot)
{
	size_t n = 0;
	int i;

	if (exp < 0)
		buf[n++] = '0';
	for (i = 0; i <= exp; i++)
		buf[n++] = digit_at(d, i);
	if (prec > 0 || dot)
		buf[n++] = '.';
	for (i = 0; i < prec; i++)
		buf[n++] = digit_at(d, exp + 1 + i);
	return n;
}

static size_t put_exp(char *buf, const char d[SIG_DIGITS], int exp, int prec,
		      bool dot, bool upper)
{
	size_t n = 0;
	int i, e = exp < 0 ? -exp : exp;
	char tmp[8];
	int t = 0;

	buf[n++] = d[0];
	if (prec > 0 || dot)
		buf[n++] = '.';
	for (i = 1; i <= prec; i++)
		buf[n++] = digit_at(d, i);
	buf[n++] = upper ? 'E' : 'e';
	buf[n++] = exp < 0 ? '-' : '+';
	do
		tmp[t++] = (char)('0' + e % 10);
	while ((e /= 10) > 0);
	if (t < 2)
		tmp[t++] = '0';
	while (t > 0)
		buf[n++] = tmp[--t];
	return n;
}

/* %g: drops trailing zeros (and a bare '.') unless '#'. */
static size_t trim_zeros(char *buf, size_t n)
{
	size_t dot, end, i;

	for (dot = 0; dot < n && buf[dot] != '.'; dot++)
		;
	if (dot == n)
		return n;
	for (end = dot + 1; end < n && buf[end] != 'e' && buf[end] != 'E';)
		end++;
	for (i = end; i > dot + 1 && buf[i - 1] == '0'; i--)
		;
	if (i == dot + 1)
		i = dot;
	memmove(buf + i, buf + end, n - end);
	return n - (end - i);
}

static size_t float_body(char *buf, struct spec *sp, double v)
{
	char d[SIG_DIGITS];
	bool upper = sp->conv == 'E' || sp->conv == 'G' || sp->conv == 'F';
	int exp = 0, prec = sp->prec < 0 ? 6 : sp->prec, p, x;
	char c = (char)(sp->conv | 0x20);

	if (prec > FLOAT_PREC_MAX)
		prec = FLOAT_PREC_MAX;
	if (v == 0)
		memset(d, '0', SIG_DIGITS);
	else
		decimal_digits(v, d, &exp);
	if (c == 'f') {
		round_digits(d, exp + 1 + prec, &exp);
		return put_fixed(buf, d, exp, prec, sp->alt);
	}
	if (c == 'e') {
		round_digits(d, prec + 1, &exp);
		return put_exp(buf, d, v == 0 ? 0 : exp, prec, sp->alt, upper);
	}
	p = prec == 0 ? 1 : prec;
	round_digits(d, p, &exp);
	x = v == 0 ? 0 : exp;
	size_t n = (p > x && x >= -4)
			   ? put_fixed(buf, d, x, p - 1 - x, sp->alt)
			   : put_exp(buf, d, x, p - 1, sp->alt, upper);
	return sp->alt ? n : trim_zeros(buf, n);
}

static void format_float(struct out *o, struct spec sp, double v)
{
	char buf[FLOAT_BUF];
	const char *prefix = "";
	bool neg = __builtin_signbit(v) != 0;
	size_t n;

	if (neg)
		prefix = "-";
	else if (sp.plus)
		prefix = "+";
	else if (sp.space)
		prefix = " ";
	if (neg)
		v = -v;
	if (v != v || v > 1.7976931348623157e308) {
		bool upper = sp.conv >= 'A' && sp.conv <= 'Z';

		sp.zero = false;
		if (v != v)
			field(o, &sp, prefix, 0, upper ? "NAN" : "nan", 3);
		else
			field(o, &sp, prefix, 0, upper ? "INF" : "inf", 3);
		return;
	}
	n = float_body(buf, &sp, v);
	field(o, &sp, prefix, 0, buf, n);
}

/* ---- the engine ----------------------------------------------------------- */

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = sp->width == INT_MIN ? INT_MAX : -sp->width;
		}
		f++;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width > 100000 ? sp->width
					       : sp->width * 10 + (*f - '0');
	if (*f == '.') {
		sp->prec = 0;
		if (*++f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec > 100000
					   ? sp->prec
					   : sp->prec * 10 + (*f - '0');
	}
	if (f[0] == 'h' && f[1] == 'h')
		sp->length = 'H', f += 2;
	else if (f[0] == 'l' && f[1] == 'l')
		sp->length = 'L', f += 2;
	else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 'j' ||
		 *f == 't' || *f == 'L')
		sp->length = *f == 'L' ? 'D' : *f, f++;
	sp->conv = *f;
	return f;
}

/* One conversion; returns false for an unknown one. */
static bool convert(struct out *o, struct spec *sp, va_list *ap)
{
	const char *s;
	char c;
	int64_t v;

	switch (sp->conv) {
	case 'd':
	case 'i':
		v = arg_signed(sp, ap);
		format_int(o, *sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v,
			   v < 0);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		format_int(o, *sp, arg_unsigned(sp, ap), false);
		return true;
	case 'p':
		s = va_arg(*ap, const char *);
		if (s == NULL) {
			sp->zero = false;
			field(o, sp, "", 0, "(nil)", 5);
			return true;
		}
		sp->alt = true;
		sp->length = 'l';
		format_int(o, *sp, (uint64_t)(uintptr_t)s, false);
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		sp->zero = false;
		field(o, sp, "", 0, &c, 1);
		return true;
	case 's':
		s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		sp->zero = false;
		field(o, sp, "", 0, s,
		      sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
		return true;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
		if (sp->length == 'D')
			format_float(o, *sp, (double)va_arg(*ap, long double));
		else
			format_float(o, *sp, va_arg(*ap, double));
		return true;
	case '%':
		emit(o, "%", 1);
		return true;
	default:
		return false;
	}
}

int glint__vformat(glint__sink_fn sink, void *ctx, const char *fmt,
		   va_list ap_in)
{
	struct out o = {sink, ctx, 0};
	struct spec sp;
	va_list ap;
	const char *f;

	va_copy(ap, ap_in);
	for (f = fmt; *f; f++) {
		const char *lit = f;

		while (*f && *f != '%')
			f++;
		emit(&o, lit, (size_t)(f - lit));
		if (*f == '\0')
			break;
		f = parse_spec(f + 1, &sp, &ap);
		if (!convert(&o, &sp, &ap)) {
			va_end(ap);
			return -1;
		}
	}
	va_end(ap);
	return o.count > INT_MAX ? INT_MAX : (int)o.count;
}

/* ---- front ends ------------------------------------------------------------ */

struct buf_sink {
	char *buf;
	size_t size, used;
};

static void to_buffer(void *ctx, const char *buf, size_t len)
{
	struct buf_sink *b = ctx;

	if (b->size > 0 && b->used < b->size - 1) {
		size_t room = b->size - 1 - b->used;

		memcpy(b->buf + b->used, buf, len < room ? len : room);
	}
	b->used += len;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
{
	struct buf_sink b = {buf, size, 0};
	int n = glint__vformat(to_buffer, &b, fmt, ap);

	if (size > 0)
		buf[b.used < size - 1 ? b.used : size - 1] = '\0';
	return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *__restrict buf, const char *__restrict fmt, va_list ap)
{
	/* The caller vouches for the room, as with any sprintf. */
	return vsnprintf(buf, (size_t)INT_MAX + 1, fmt, ap);
}

int sprintf(char *__restrict buf, const char *__restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}
