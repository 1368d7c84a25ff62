/* glint.c: the glint command: deploys, invokes and inspects functions on glintd over HTTP; its table of subcommands, help and set-up. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "cli_cmd.h"
#include "cli_http.h"

#define DEFAULT_URL "http://127.0.0.1:8080"

struct command {
	const char *name, *synopsis, *help;
	unsigned opts;
	int min_pos, max_pos;
	int needs_server;
	int (*run)(struct cli *c);
};

static const struct command commands[] = {
	{"deploy",
	 "NAME IMAGE [--memory MIB] [--timeout MS] "
	 "[--concurrency N] [--warm N] [--queue N] [--queue-timeout MS] "
	 "[--idle MS] [--max-output BYTES] [--allow-fetch PREFIX]... "
	 "[--wasi-stub-unknown 0|1]",
	 "Uploads the image file IMAGE (an ELF built with pkg-config "
	 "glint-guest) as\nfunction NAME, replacing an older version, and "
	 "waits until it is ready.\n\n"
	 "  --memory MIB      guest memory in MiB (1-1024)\n"
	 "  --timeout MS      time limit of one call in ms (1-600000)\n"
	 "  --concurrency N   VMs running at once at most (1-1024)\n"
	 "  --warm N          VMs kept booted and ready (0-1024)\n"
	 "  --queue N         calls waiting for a VM at most (0-100000)\n"
	 "  --queue-timeout MS  longest wait in that queue (1-600000)\n"
	 "  --idle MS         VMs above --warm go after this idle time "
	 "(100-86400000)\n"
	 "  --max-output BYTES  largest response body (1-6291456); more is\n"
	 "                    an output_too_large error\n"
	 "  --allow-fetch PREFIX  a URL prefix the function may fetch, e.g.\n"
	 "                    https://api.example.com/v1/ (repeat for more;\n"
	 "                    '' for none, the default)\n"
	 "  --wasi-stub-unknown 0|1  Wasm modules: 1 links imports glint "
	 "does not\n"
	 "                    provide to stubs returning ENOSYS instead of "
	 "refusing\n"
	 "                    the module\n"
	 "Settings not given keep the function's current values (the "
	 "daemon's\ndefaults for a new function); so do its environment "
	 "and secrets.\n",
	 CLI_OPT_DEPLOY, 2, 2, 1, cli_cmd_deploy},
	{"invoke", "NAME [--data TEXT | --file FILE | -]",
	 "Calls function NAME and writes its output to standard output, "
	 "byte for byte.\n\n"
	 "  --data TEXT   request body given on the command line\n"
	 "  --file FILE   request body read from FILE\n"
	 "  -             request body read from standard input\n"
	 "With none of them the request body is empty.\n",
	 CLI_OPT_INVOKE, 1, 1, 1, cli_cmd_invoke},
	{"list", "", "Lists the deployed functions and their settings.\n", 0, 0,
	 0, 1, cli_cmd_list},
	{"info", "NAME",
	 "Shows function NAME: version, image, settings, call counts and its "
	 "VM pool.\n",
	 0, 1, 1, 1, cli_cmd_info},
	{"rm", "NAME [--purge]",
	 "Deletes function NAME and its VMs. Its key-value store stays (a "
	 "later deploy\nof NAME sees the keys) unless --purge is given.\n\n"
	 "  --purge   delete the key-value store too (also when NAME is no "
	 "longer\n            deployed)\n",
	 CLI_OPT_RM, 1, 1, 1, cli_cmd_rm},
	{"delete", "NAME [--purge]", "The same as glint rm.\n", CLI_OPT_RM, 1,
	 1, 1, cli_cmd_rm},
	{"kv", "get|set|rm|ls NAME [KEY] [VALUE | -] [--ttl MS] [--prefix P]",
	 "Reads and changes the key-value store of function NAME (the "
	 "glint_kv_*\ncalls in the guest). Keys and values are passed byte "
	 "for byte.\n\n"
	 "  glint kv get NAME KEY          the value on standard output\n"
	 "  glint kv set NAME KEY VALUE    set KEY to VALUE\n"
	 "  glint kv set NAME KEY -        the value from standard input "
	 "(also\n                                 without - when input is "
	 "not a terminal)\n"
	 "  glint kv rm NAME KEY\n"
	 "  glint kv ls NAME [--prefix P]  the keys, one a line\n\n"
	 "  --ttl MS      with set: the key expires MS milliseconds later\n"
	 "  --prefix P    with ls: only the keys that begin with P\n"
	 "set and rm print nothing on success; a missing key is "
	 "key_not_found.\n",
	 CLI_OPT_KV, 2, 4, 1, cli_cmd_kv},
	{"logs", "NAME [-f] [--since WHEN] [--level LEVEL] [--request-id ID]",
	 "Shows the recent log lines of function NAME that glintd keeps "
	 "(oldest first):\ntime, level, request id, version and text.\n\n"
	 "  -f, --follow        keep printing new lines as they come\n"
	 "  --since WHEN        lines since Unix time WHEN (seconds) or an age "
	 "such as\n                      90s, 15m, 2h\n"
	 "  --level LEVEL       error, warn, info or debug: lines at LEVEL or "
	 "more severe\n"
	 "  --request-id ID     the lines of one call (its X-Request-Id)\n",
	 CLI_OPT_LOGS, 1, 1, 1, cli_cmd_logs},
	{"env", "set|get|unset NAME [KEY=VALUE... | KEY...]",
	 "Shows or changes the environment of function NAME (getenv() in the "
	 "guest).\nA change initialises the function again, like a "
	 "redeploy.\n\n"
	 "  glint env get NAME\n"
	 "  glint env set NAME KEY=VALUE...\n"
	 "  glint env unset NAME KEY...\n",
	 0, 2, CLI_MAX_POSITIONAL, 1, cli_cmd_env},
	{"secret", "set|ls|rm NAME [SECRET] [--file FILE | -]",
	 "Manages the secrets of function NAME (glint_secret() in the guest; "
	 "not\nvisible through getenv()). A value is read from --file FILE or "
	 "standard\ninput, never from the command line; one trailing newline "
	 "is dropped.\nA change initialises the function again.\n\n"
	 "  glint secret set NAME SECRET < value-file\n"
	 "  glint secret ls NAME      names and update times, never values\n"
	 "  glint secret rm NAME SECRET\n",
	 CLI_OPT_SECRET, 2, 3, 1, cli_cmd_secret},
	{"versions", "NAME",
	 "Lists the kept images of function NAME, newest first; * marks the "
	 "live one.\n",
	 0, 1, 1, 1, cli_cmd_versions},
	{"rollback", "NAME [VERSION]",
	 "Makes an older kept image of NAME live again (default: the one "
	 "before the\nlive one) with its current settings, environment and "
	 "secrets; calls in\nflight finish on the old version.\n",
	 0, 1, 2, 1, cli_cmd_rollback},
	{"stats", "",
	 "Summarises glintd's metrics per function: calls, errors, error "
	 "rate and\ncall duration (p50, p99) estimated from the histogram "
	 "buckets.\n",
	 0, 0, 0, 1, cli_cmd_stats},
	{"new", "NAME [DIR] [--lang c|c-wasm|rust|assemblyscript]",
	 "Creates directory DIR (default NAME) with a starter function NAME.c, "
	 "a\nMakefile that builds NAME.elf with pkg-config glint-guest "
	 "(`make`) and\ndeploys it (`make deploy`), and a README.md.\n\n"
	 "  --lang c-wasm   NAME.c as a WASI module (clang, wasi-libc), "
	 "deployed as\n                  NAME.wasm\n"
	 "  --lang rust     NAME.rs as a WASI module (rustc, wasm32-wasi)\n"
	 "  --lang assemblyscript  NAME.ts as a WASI module (AssemblyScript "
	 "and\n                  @assemblyscript/wasi-shim from npm)\n",
	 CLI_OPT_NEW, 1, 2, 0, cli_cmd_new},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_help[] =
	"Global options (before or after the command):\n"
	"  --url URL          glintd's address (default $GLINT_URL, "
	"else " DEFAULT_URL ")\n"
	"  --token TOKEN      bearer token for the API (default "
	"$GLINT_TOKEN)\n"
	"  --token-file FILE  read the token from FILE\n"
	"  --cacert FILE      CA certificate(s) for an https URL (default "
	"$GLINT_CACERT)\n"
	"  --json             print JSON for scripts\n"
	"  --help             help for a command\n"
	"Exit status: 0 ok, 1 the server said no, 2 usage error, 3 glintd "
	"unreachable.\n";

static void print_usage(FILE *f)
{
	fprintf(f, "usage: glint [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-7s %s\n", commands[i].name,
			commands[i].synopsis);
	fprintf(f, "\n%s", global_help);
}

static void print_command_help(const struct command *cmd)
{
	printf("usage: glint %s %s\n\n%s\n%s", cmd->name, cmd->synopsis,
	       cmd->help, global_help);
}

/* ---- set-up ---- */

static int setup_token(struct cli *c)
{
	const char *tok = c->a.token;
	size_t len;
	int rc;

	if (c->a.token && c->a.token_file)
		return cli_usage_error(NULL,
				       "give --token or --token-file, not "
				       "both");
	if (c->a.token_file) {
		rc = cli_read_file(c->a.token_file, &c->token_buf, &len);
		if (rc < 0)
			return cli_usage_error(NULL,
					       "cannot read token file %s: %s",
					       c->a.token_file, strerror(-rc));
		while (len > 0 && strchr(" \t\r\n", c->token_buf[len - 1]))
			c->token_buf[--len] = '\0';
		tok = c->token_buf;
	}
	if (!tok)
		tok = getenv("GLINT_TOKEN");
	if (tok && !*tok && !c->a.token_file && !c->a.token)
		tok = NULL; /* GLINT_TOKEN= means none */
	if (tok && !cli_token_ok(tok))
		return cli_usage_error(NULL,
				       "the token must be 1-1024 printable "
				       "characters without spaces");
	c->srv.token = tok;
	return CLI_EXIT_OK;
}

static int setup_server(struct cli *c)
{
	const char *url = c->a.url;
	int rc;

	if (!url)
		url = getenv("GLINT_URL");
	if (!url || !*url)
		url = DEFAULT_URL;
	if (cli_url_normalize(url, c->url, sizeof(c->url)) < 0)
		return cli_usage_error(
			NULL, "bad URL '%s': use http://HOST:PORT", url);
	c->srv.url = c->url;
	c->srv.cacert = c->a.cacert ? c->a.cacert : getenv("GLINT_CACERT");
	if (c->srv.cacert && access(c->srv.cacert, R_OK) < 0)
		return cli_usage_error(NULL, "cannot read CA file %s: %s",
				       c->srv.cacert, strerror(errno));
	if ((rc = setup_token(c)) != CLI_EXIT_OK)
		return rc;
	return CLI_EXIT_OK;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int check_positionals(struct cli *c, const struct command *cmd)
{
	if (c->a.stdin_dash &&
	    !(cmd->opts & (CLI_OPT_INVOKE | CLI_OPT_SECRET | CLI_OPT_KV)))
		return cli_usage_error(cmd->name, "unexpected argument '-'");
	if (c->a.npos < cmd->min_pos)
		return cli_usage_error(cmd->name,
				       "missing arguments; usage: glint "
				       "%s %s",
				       cmd->name, cmd->synopsis);
	if (c->a.npos > cmd->max_pos)
		return cli_usage_error(cmd->name, "unexpected argument '%s'",
				       c->a.pos[cmd->max_pos]);
	if (cmd->min_pos > 0)
		return cli_bad_name(cmd->name, c->a.pos[0]);
	return CLI_EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	const struct command *cmd;
	char err[256];
	int next, rc;

	if (cli_args_parse(argc - 1, argv + 1, 0, 1, &c->a, &next, err,
			   sizeof(err)) < 0)
		return cli_usage_error(NULL, "%s", err);
	next++;
	if (c->a.version) {
		printf("glint %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	if (next >= argc || strcmp(argv[next], "help") == 0) {
		cmd = next + 1 < argc ? find_command(argv[next + 1]) : NULL;
		if (cmd)
			print_command_help(cmd);
		else
			print_usage(c->a.help || next < argc ? stdout : stderr);
		return c->a.help || next < argc ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	cmd = find_command(argv[next]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'",
				       argv[next]);
	if (cli_args_parse(argc - next - 1, argv + next + 1, cmd->opts, 0,
			   &c->a, NULL, err, sizeof(err)) < 0)
		return cli_usage_error(cmd->name, "%s", err);
	if (c->a.help) {
		print_command_help(cmd);
		return CLI_EXIT_OK;
	}
	c->json = c->a.json != NULL;
	if ((rc = check_positionals(c, cmd)) != CLI_EXIT_OK)
		return rc;
	if (cmd->needs_server && (rc = setup_server(c)) != CLI_EXIT_OK)
		return rc;
	return cmd->run(c);
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (cli_http_init() < 0)
		return cli_fail("cannot initialise libcurl");
	rc = run(&c, argc, argv);
	free(c.token_buf);
	cli_http_cleanup();
	return rc;
}
