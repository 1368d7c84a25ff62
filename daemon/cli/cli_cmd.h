/* cli_cmd.h: glint's subcommands and what they share: one run's session, requests to glintd and failure reports. */
#ifndef GLINT_DAEMON_CLI_CMD_H
#define GLINT_DAEMON_CLI_CMD_H

#include <stddef.h>

#include <jansson.h>

#include "cli_args.h"
#include "cli_http.h"

/* Whole-request limits; connecting is limited to 5 s in cli_http.c. An
 * invocation may wait for a VM and then run, each up to 600 s. */
#define CLI_INVOKE_TIMEOUT_S 1230L
#define CLI_DEPLOY_TIMEOUT_S 600L
#define CLI_QUERY_TIMEOUT_S 60L

/* One run of glint: its arguments and the glintd it talks to. */
struct cli {
	struct cli_args a;
	struct cli_server srv;
	char url[1024];
	char *token_buf; /* from --token-file */
	int json;
};

/* A JSON document built by the CLI itself (json_pack's fmt), for --json. */
void cli_print_json_pack(const char *fmt, ...);

/* Sends one request; on a transport failure prints the reason and returns
 * CLI_EXIT_UNREACHABLE (r is then empty). On CLI_EXIT_OK the caller frees
 * r with cli_resp_free. */
int cli_request(struct cli *c, const char *method, const char *path,
		const void *body, size_t len, long timeout_s,
		struct cli_resp *r);
/* A response that is not the expected success: one line on stderr, and
 * with --json the server's error document on stdout for scripts. Returns
 * CLI_EXIT_REFUSED. */
int cli_server_said_no(struct cli *c, const char *function,
		       const struct cli_resp *r);
/* GET path expecting 200 with a JSON object, in *out (the caller's, also
 * when it returns an error: json_decref and cli_resp_free both). */
int cli_get_json(struct cli *c, const char *path, const char *function,
		 struct cli_resp *r, json_t **out);
/* GET path, then the object as it came with --json, else through print. */
int cli_show_json(struct cli *c, const char *path, const char *function,
		  void (*print)(json_t *doc));
/* A request whose success is status ok; prints nothing on success, when
 * the caller frees r. */
int cli_send_ok(struct cli *c, const char *method, const char *path,
		const void *body, size_t len, const char *name, long ok,
		struct cli_resp *r);

/* The subcommands, with c's arguments parsed and checked against the
 * command table; each returns a CLI_EXIT_* code. */
/* cli_cmd_fn.c: a function's life and calls */
int cli_cmd_deploy(struct cli *c);
int cli_cmd_invoke(struct cli *c);
int cli_cmd_list(struct cli *c);
int cli_cmd_info(struct cli *c);
int cli_cmd_rm(struct cli *c);
int cli_cmd_logs(struct cli *c);
int cli_cmd_stats(struct cli *c);
int cli_cmd_new(struct cli *c);
/* cli_cmd_config.c: what a deployed function keeps beside its image */
int cli_cmd_env(struct cli *c);
int cli_cmd_secret(struct cli *c);
int cli_cmd_versions(struct cli *c);
int cli_cmd_rollback(struct cli *c);
int cli_cmd_kv(struct cli *c);

#endif /* GLINT_DAEMON_CLI_CMD_H */
