/* cli_kv.h: `glint kv get|set|rm|ls`: a function's key-value store through
 * glintd's /functions/{name}/kv routes. */
#ifndef GLINT_DAEMON_CLI_KV_H
#define GLINT_DAEMON_CLI_KV_H

#include <stddef.h>

#include "cli_args.h"
#include "cli_http.h"

/* What the command needs from the glint program around it. */
struct cli_kv_io {
	/* Sends one request; returns a CLI_EXIT_* code (CLI_EXIT_OK when a
	 * response, of any status, is in r). */
	int (*request)(void *ctx, const char *method, const char *path,
		       const void *body, size_t len, struct cli_resp *r);
	/* Reports a response that is not the expected success; returns
	 * the exit code. */
	int (*refused)(void *ctx, const char *function,
		       const struct cli_resp *r);
	void *ctx;
	int json; /* --json */
};

/* Runs `glint kv ACTION NAME ...` with a->pos[0] the action; returns a
 * CLI_EXIT_* code. */
int cli_kv_run(const struct cli_kv_io *io, const struct cli_args *a);

/* Decodes %XX escapes of src in place; returns the decoded length, or
 * -EINVAL for a '%' not followed by two hex digits. */
long cli_kv_decode(char *src);

#endif /* GLINT_DAEMON_CLI_KV_H */
