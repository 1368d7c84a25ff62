/* cli_args.h: command-line parsing and argument checks for the glint CLI. */
#ifndef GLINT_DAEMON_CLI_ARGS_H
#define GLINT_DAEMON_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define CLI_MAX_POSITIONAL 32

/* Exit codes, stable for scripts. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_REFUSED = 1,	  /* the server (or the local system) said no */
	CLI_EXIT_USAGE = 2,	  /* bad arguments: nothing was sent */
	CLI_EXIT_UNREACHABLE = 3, /* glintd could not be reached */
};

/* Every option's value, NULL when not given; flags read "1". Strings point
 * into argv. */
struct cli_args {
	const char *url, *token, *token_file, *cacert, *json, *help, *version;
	const char *memory, *timeout, *concurrency, *warm; /* deploy */
	const char *queue, *queue_timeout, *idle;	   /* deploy */
	const char *max_output, *wasi_stub_unknown;	   /* deploy */
	/* deploy --allow-fetch, repeatable: URL prefixes the function may
	 * fetch; allow_fetch_given is 1 even when every one is "" (which
	 * clears the list) */
	const char *allow_fetch[32];
	int n_allow_fetch, allow_fetch_given;
	const char *data, *file;			 /* invoke */
	const char *follow, *since, *level, *request_id; /* logs */
	const char *ttl, *prefix;			 /* kv */
	const char *purge;				 /* rm, delete */
	const char *lang;				 /* new */
	const char *pos[CLI_MAX_POSITIONAL];
	int npos;
	int stdin_dash; /* "-" given as a positional */
};

/*
 * Parses argv[0..argc) into a (which the caller zeroes once; later calls
 * add to it). cmd_mask says which command-specific options are allowed
 * (CLI_OPT_* bits); global options are always allowed. stop_at_positional
 * ends parsing at the first positional (the command name), returning its
 * index in *next. Returns 0, or -EINVAL with a one-line reason in err.
 */
#define CLI_OPT_DEPLOY 1u
#define CLI_OPT_INVOKE 2u
#define CLI_OPT_SECRET 4u /* --file and "-" */
#define CLI_OPT_LOGS 8u
#define CLI_OPT_KV 16u /* --ttl, --prefix and "-" */
#define CLI_OPT_RM 32u
#define CLI_OPT_NEW 64u
int cli_args_parse(int argc, char **argv, unsigned cmd_mask,
		   int stop_at_positional, struct cli_args *a, int *next,
		   char *err, size_t err_len);

/* The daemon's rule for function names (function_name_valid). */
int cli_name_ok(const char *name);
/* CLI_EXIT_OK, or a usage error for cmd saying what names may be. */
int cli_bad_name(const char *cmd, const char *name);
/* A decimal integer in [min, max]; 0 or -EINVAL. */
int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* "http://..." or "https://..." with a host, no spaces or control bytes;
 * copied to dst without trailing slashes. 0 or -EINVAL. */
int cli_url_normalize(const char *url, char *dst, size_t cap);
/* A token fit for a header line: printable ASCII without spaces. */
int cli_token_ok(const char *token);

/* "glint: " and the message on stderr, with where to find help for cmd
 * (NULL: glint's own); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "glint: " and the message on stderr; returns CLI_EXIT_REFUSED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reads a whole file ("-" = stdin) into a malloc'd buffer with a NUL after
 * the data. Returns 0 or a negative errno (-EISDIR for a directory).
 */
int cli_read_file(const char *path, char **buf_out, size_t *len_out);

#endif /* GLINT_DAEMON_CLI_ARGS_H */
