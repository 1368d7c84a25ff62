/* cli_stats.c: Prometheus text parsing and histogram quantiles for `glint stats`. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_stats.h"

#define FAM_CALLS "glint_invocations_total"
#define FAM_DURATION "glint_invocation_duration_seconds"

/* One sample line, split in place into a scratch copy. */
struct sample {
	char name[96];
	char function[64];
	char outcome[32];
	char le[32];
	double value;
};

/* Reads a quoted label value (escapes \\, \" and \n) into dst; returns
 * the position after the closing quote, or NULL when malformed. */
static const char *label_value(const char *p, const char *end, char *dst,
			       size_t cap)
{
	size_t n = 0;

	if (p >= end || *p++ != '"')
		return NULL;
	for (; p < end && *p != '"'; p++) {
		char c = *p;

		if (c == '\\' && p + 1 < end) {
			c = *++p == 'n' ? '\n' : *p;
		}
		if (n + 1 < cap)
			dst[n++] = c;
	}
	dst[n] = '\0';
	return p < end ? p + 1 : NULL;
}

static const char *parse_labels(const char *p, const char *end,
				struct sample *s)
{
	while (p < end && *p != '}') {
		const char *key = p;
		size_t klen;
		char scratch[64];
		char *dst = scratch;
		size_t cap = sizeof(scratch);

		while (p < end && *p != '=')
			p++;
		klen = (size_t)(p - key);
		if (p >= end)
			return NULL;
		if (klen == 8 && memcmp(key, "function", 8) == 0)
			dst = s->function, cap = sizeof(s->function);
		else if (klen == 7 && memcmp(key, "outcome", 7) == 0)
			dst = s->outcome, cap = sizeof(s->outcome);
		else if (klen == 2 && memcmp(key, "le", 2) == 0)
			dst = s->le, cap = sizeof(s->le);
		p = label_value(p + 1, end, dst, cap);
		if (!p)
			return NULL;
		if (p < end && *p == ',')
			p++;
	}
	return p < end ? p + 1 : NULL;
}

static double parse_number(const char *p, const char *end, int *ok)
{
	char buf[64];
	size_t n = 0;
	char *stop;
	double v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p != ' ' && *p != '\t' && n + 1 < sizeof(buf))
		buf[n++] = *p++;
	buf[n] = '\0';
	if (strcmp(buf, "+Inf") == 0)
		return *ok = 1, INFINITY;
	v = strtod(buf, &stop);
	*ok = n > 0 && *stop == '\0';
	return v;
}

/* Returns 1 for a usable sample line, 0 otherwise. */
static int parse_line(const char *p, const char *end, struct sample *s)
{
	size_t n = 0;
	int ok;

	memset(s, 0, sizeof(*s));
	if (p >= end || *p == '#')
		return 0;
	while (p < end && *p != '{' && *p != ' ' && n + 1 < sizeof(s->name))
		s->name[n++] = *p++;
	s->name[n] = '\0';
	if (p < end && *p == '{') {
		p = parse_labels(p + 1, end, s);
		if (!p)
			return 0;
	}
	s->value = parse_number(p, end, &ok);
	return ok && s->function[0];
}

static struct cli_stats_fn *fn_get(struct cli_stats *st, const char *name)
{
	struct cli_stats_fn *f;

	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->fns[i].name, name) == 0)
			return &st->fns[i];
	f = realloc(st->fns, (st->n + 1) * sizeof(*f));
	if (!f)
		return NULL;
	st->fns = f;
	f = &st->fns[st->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

static void add_outcome(struct cli_stats_fn *f, const struct sample *s)
{
	uint64_t n =
		s->value > 0 && isfinite(s->value) ? (uint64_t)s->value : 0;

	if (!s->outcome[0])
		return;
	f->calls += n;
	if (strcmp(s->outcome, "ok") != 0)
		f->errors += n;
	for (size_t i = 0; i < f->noutcomes; i++)
		if (strcmp(f->outcomes[i].code, s->outcome) == 0) {
			f->outcomes[i].count += n;
			return;
		}
	if (f->noutcomes == CLI_STATS_MAX_OUTCOMES)
		return;
	snprintf(f->outcomes[f->noutcomes].code, sizeof(f->outcomes[0].code),
		 "%s", s->outcome);
	f->outcomes[f->noutcomes++].count = n;
}

static void add_bucket(struct cli_stats_fn *f, const struct sample *s)
{
	int ok;
	double le = parse_number(s->le, s->le + strlen(s->le), &ok);
	size_t i;

	if (!ok || isnan(le) || f->nbuckets == CLI_STATS_MAX_BUCKETS)
		return;
	/* Insertion keeps the buckets sorted whatever the line order. */
	for (i = f->nbuckets; i > 0 && f->le_s[i - 1] > le; i--) {
		f->le_s[i] = f->le_s[i - 1];
		f->cumulative[i] = f->cumulative[i - 1];
	}
	f->le_s[i] = le;
	f->cumulative[i] = s->value;
	f->nbuckets++;
}

static int add_sample(struct cli_stats *st, const struct sample *s)
{
	int calls = strcmp(s->name, FAM_CALLS) == 0;
	int bucket = strcmp(s->name, FAM_DURATION "_bucket") == 0;
	int sum = strcmp(s->name, FAM_DURATION "_sum") == 0;
	int count = strcmp(s->name, FAM_DURATION "_count") == 0;
	struct cli_stats_fn *f;

	if (!calls && !bucket && !sum && !count)
		return 0;
	f = fn_get(st, s->function);
	if (!f)
		return -ENOMEM;
	if (calls)
		add_outcome(f, s);
	else if (bucket && s->le[0])
		add_bucket(f, s);
	else if (sum && isfinite(s->value))
		f->sum_s = s->value;
	else if (count && s->value >= 0 && isfinite(s->value))
		f->count = (uint64_t)s->value;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cli_stats_fn *)a)->name,
		      ((const struct cli_stats_fn *)b)->name);
}

int cli_stats_parse(const char *text, size_t len, struct cli_stats *out)
{
	const char *p = text, *end = text + len;
	struct sample s;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		if (parse_line(p, eol, &s) && add_sample(out, &s) < 0) {
			cli_stats_free(out);
			return -ENOMEM;
		}
		p = eol + 1;
	}
	if (out->n > 1)
		qsort(out->fns, out->n, sizeof(out->fns[0]), by_name);
	return 0;
}

void cli_stats_free(struct cli_stats *s)
{
	if (!s)
		return;
	free(s->fns);
	s->fns = NULL;
	s->n = 0;
}

double cli_stats_quantile(const struct cli_stats_fn *f, double q)
{
	double total, rank, lo = 0, below = 0;

	if (f->nbuckets == 0 || !(q > 0 && q < 1))
		return -1;
	total = f->cumulative[f->nbuckets - 1];
	if (!(total > 0))
		return -1;
	rank = q * total;
	for (size_t i = 0; i < f->nbuckets; i++) {
		double hi = f->le_s[i], c = f->cumulative[i];

		if (c >= rank) {
			if (isinf(hi))
				return lo; /* the highest finite bound */
			if (c <= below)
				return hi;
			return lo + (hi - lo) * (rank - below) / (c - below);
		}
		lo = hi;
		below = c;
	}
	return lo;
}
