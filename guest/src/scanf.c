/* scanf.c: sscanf over a string, numbers through strtoll/strtoull/strtod. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest numeric field copied for a width-limited conversion. */
#define FIELD_MAX 128

struct conv {
	bool skip;    /* '*': convert but assign nothing */
	size_t width; /* 0: no limit */
	char len;     /* H=hh h l L=ll j z t D=L */
	char kind;
};

static const char *parse_conv(const char *f, struct conv *c)
{
	memset(c, 0, sizeof(*c));
	if (*f == '*') {
		c->skip = true;
		f++;
	}
	for (; isdigit((unsigned char)*f); f++)
		c->width = c->width > 100000
				   ? c->width
				   : c->width * 10 + (size_t)(*f - '0');
	if (f[0] == 'h' && f[1] == 'h')
		c->len = 'H', f += 2;
	else if (f[0] == 'l' && f[1] == 'l')
		c->len = 'L', f += 2;
	else if (strchr("hljztL", *f) && *f)
		c->len = *f == 'L' ? 'D' : *f, f++;
	c->kind = *f;
	return f;
}

static void store_int(const struct conv *c, va_list *ap, unsigned long long v)
{
	switch (c->len) {
	case 'H':
		*va_arg(*ap, char *) = (char)v;
		break;
	case 'h':
		*va_arg(*ap, short *) = (short)v;
		break;
	case 'l':
	case 'j':
	case 'z':
	case 't':
		*va_arg(*ap, long *) = (long)v;
		break;
	case 'L':
		*va_arg(*ap, long long *) = (long long)v;
		break;
	default:
		*va_arg(*ap, int *) = (int)v;
		break;
	}
}

/* Copies at most width bytes of s into buf so strto* stop at the width. */
static const char *limit(const char *s, size_t width, char buf[FIELD_MAX])
{
	size_t n;

	if (width == 0)
		return s;
	n = strnlen(s, width < FIELD_MAX - 1 ? width : FIELD_MAX - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* A number; returns the bytes consumed from s, 0 on a matching failure. */
static size_t scan_number(const char *s, const struct conv *c, va_list *ap)
{
	char buf[FIELD_MAX], *end;
	const char *p = limit(s, c->width, buf);
	unsigned long long v;
	int base = 10;

	if (strchr("fFeEgGaA", c->kind)) {
		double d = strtod(p, &end);

		if (end == p)
			return 0;
		if (!c->skip && c->len == 'l')
			*va_arg(*ap, double *) = d;
		else if (!c->skip && c->len == 'D')
			*va_arg(*ap, long double *) = d;
		else if (!c->skip)
			*va_arg(*ap, float *) = (float)d;
		return (size_t)(end - p);
	}
	if (c->kind == 'i')
		base = 0;
	else if (c->kind == 'x' || c->kind == 'X' || c->kind == 'p')
		base = 16;
	else if (c->kind == 'o')
		base = 8;
	if (c->kind == 'd' || c->kind == 'i')
		v = (unsigned long long)strtoll(p, &end, base);
	else
		v = strtoull(p, &end, base);
	if (end == p)
		return 0;
	if (c->skip)
		return (size_t)(end - p);
	if (c->kind == 'p')
		*va_arg(*ap, void **) = (void *)(uintptr_t)v;
	else
		store_int(c, ap, v);
	return (size_t)(end - p);
}

/* Parses "[set]" at f (after '['); fills in[256]; returns the closing ']'. */
static const char *parse_set(const char *f, bool in[256])
{
	bool neg = false;
	int c;

	if (*f == '^') {
		neg = true;
		f++;
	}
	memset(in, 0, 256 * sizeof(bool));
	if (*f == ']')
		in[(unsigned char)*f++] = true;
	for (; *f && *f != ']'; f++) {
		if (f[1] == '-' && f[2] && f[2] != ']') {
			for (c = (unsigned char)f[0]; c <= (unsigned char)f[2];
			     c++)
				in[c] = true;
			f += 2;
		} else {
			in[(unsigned char)*f] = true;
		}
	}
	if (neg)
		for (c = 0; c < 256; c++)
			in[c] = !in[c];
	in[0] = false;
	return f;
}

/* %c, %s and %[: returns bytes consumed, 0 on a matching failure. */
static size_t scan_chars(const char *s, struct conv *c, const bool *set,
			 va_list *ap)
{
	char *dst = c->skip ? NULL : va_arg(*ap, char *);
	size_t max = c->width ? c->width : (c->kind == 'c' ? 1 : SIZE_MAX);
	size_t n = 0;

	for (; n < max && s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (c->kind == 's' && isspace(ch))
			break;
		if (c->kind == '[' && !set[ch])
			break;
		if (dst)
			dst[n] = (char)ch;
	}
	if (n == 0 || (c->kind == 'c' && n < max))
		return 0;
	if (dst && c->kind != 'c')
		dst[n] = '\0';
	return n;
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

int vsscanf(const char *__restrict s, const char *__restrict fmt, va_list ap)
{
	const char *start = s;
	int assigned = 0;
	bool converted = false, eof = false;
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		struct conv c;
		bool set[256];
		size_t used;

		if (isspace((unsigned char)*fmt)) {
			s = skip_space(s);
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			fmt += *fmt == '%';
			if (*fmt == '%')
				s = skip_space(s);
			if (*s != *fmt) {
				eof = *s == '\0' && !converted;
				break;
			}
			s++;
			continue;
		}
		fmt = parse_conv(fmt + 1, &c);
		if (c.kind == '\0')
			break;
		if (c.kind == 'n') {
			if (!c.skip)
				store_int(&c, &args,
					  (unsigned long long)(s - start));
			continue;
		}
		if (c.kind == '[') {
			fmt = parse_set(fmt + 1, set);
			if (*fmt == '\0')
				break;
		}
		if (c.kind != 'c' && c.kind != '[')
			s = skip_space(s);
		if (*s == '\0') {
			eof = !converted;
			break;
		}
		converted = true;
		if (c.kind == 'c' || c.kind == 's' || c.kind == '[')
			used = scan_chars(s, &c, set, &args);
		else if (c.kind && strchr("diouxXpfFeEgGaA", c.kind))
			used = scan_number(s, &c, &args);
		else
			used = 0;
		if (used == 0)
			break;
		s += used;
		assigned += !c.skip;
	}
	va_end(args);
	return eof ? EOF : assigned;
}

int sscanf(const char *__restrict s, const char *__restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}
