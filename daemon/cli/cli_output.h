/* cli_output.h: what the glint CLI prints: tables, summaries and error lines. */
#ifndef GLINT_DAEMON_CLI_OUTPUT_H
#define GLINT_DAEMON_CLI_OUTPUT_H

#include <stddef.h>

#include <jansson.h>

/*
 * The one-line error for a response that is not the expected success:
 * "CODE: MESSAGE (what to do)". The code and message come from glintd's
 * {"error":{"code","message","request_id"}} body, else from the status;
 * function (may be NULL) names the function in the advice.
 */
void cli_output_error_line(long status, const char *body, size_t len,
			   const char *function, char *line, size_t cap);

/* The server's JSON as it came, ending with a newline, on stdout. */
void cli_output_raw_json(const char *body, size_t len);

/* Human-readable output on stdout, from glintd's JSON documents. Missing
 * fields print as "-": a newer or older daemon does not break them. */
void cli_output_deployed(const char *body, size_t len, const char *name);
void cli_output_list(json_t *doc);
void cli_output_info(json_t *doc);

/* Summarises /metrics text per function (table, or JSON when json is
 * set) on stdout. 0 or -ENOMEM. */
int cli_output_stats(const char *metrics, size_t len, int json);

/* A duration for people: "850 us", "1.25 ms", "2.10 s". */
void cli_output_duration(double seconds, char *dst, size_t cap);

#endif /* GLINT_DAEMON_CLI_OUTPUT_H */
