/* cli_stats.h: reads glintd's Prometheus text into per-function call summaries. */
#ifndef GLINT_DAEMON_CLI_STATS_H
#define GLINT_DAEMON_CLI_STATS_H

#include <stddef.h>
#include <stdint.h>

#define CLI_STATS_MAX_OUTCOMES 16
#define CLI_STATS_MAX_BUCKETS 64

struct cli_stats_outcome {
	char code[32];
	uint64_t count;
};

/* One function, from glint_invocations_total{function,outcome} and the
 * glint_invocation_duration_seconds histogram. */
struct cli_stats_fn {
	char name[64];
	uint64_t calls;	 /* all outcomes */
	uint64_t errors; /* every outcome but "ok" */
	size_t noutcomes;
	struct cli_stats_outcome outcomes[CLI_STATS_MAX_OUTCOMES];
	size_t nbuckets; /* sorted by le_s; the +Inf bucket is le_s = inf */
	double le_s[CLI_STATS_MAX_BUCKETS];
	double cumulative[CLI_STATS_MAX_BUCKETS];
	double sum_s;
	uint64_t count; /* observations in the histogram */
};

struct cli_stats {
	struct cli_stats_fn *fns; /* sorted by name */
	size_t n;
};

/*
 * Parses the text exposition format (0.0.4). Lines it does not need, and
 * malformed lines, are skipped: the summary shows what could be read.
 * Returns 0 or -ENOMEM; free out with cli_stats_free.
 */
int cli_stats_parse(const char *text, size_t len, struct cli_stats *out);
void cli_stats_free(struct cli_stats *s);

/*
 * The q-quantile (0 < q < 1) of a function's call duration in seconds,
 * estimated as Prometheus' histogram_quantile does: linear within the
 * bucket holding the rank, the highest finite bound when the rank falls in
 * +Inf. Returns -1 when the histogram holds no calls.
 */
double cli_stats_quantile(const struct cli_stats_fn *f, double q);

#endif /* GLINT_DAEMON_CLI_STATS_H */
