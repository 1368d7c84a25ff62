/* cli_args.c: option parsing and argument validation for the glint CLI. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "settings.h"

#define GLOBAL 0u /* allowed with every command */

static const struct opt {
	const char *name;
	int has_arg;
	size_t off; /* of a const char * in struct cli_args */
	unsigned mask;
} opts[] = {
	{"url", 1, offsetof(struct cli_args, url), GLOBAL},
	{"token", 1, offsetof(struct cli_args, token), GLOBAL},
	{"token-file", 1, offsetof(struct cli_args, token_file), GLOBAL},
	{"cacert", 1, offsetof(struct cli_args, cacert), GLOBAL},
	{"json", 0, offsetof(struct cli_args, json), GLOBAL},
	{"help", 0, offsetof(struct cli_args, help), GLOBAL},
	{"version", 0, offsetof(struct cli_args, version), GLOBAL},
	{"memory", 1, offsetof(struct cli_args, memory), CLI_OPT_DEPLOY},
	{"timeout", 1, offsetof(struct cli_args, timeout), CLI_OPT_DEPLOY},
	{"concurrency", 1, offsetof(struct cli_args, concurrency),
	 CLI_OPT_DEPLOY},
	{"warm", 1, offsetof(struct cli_args, warm), CLI_OPT_DEPLOY},
	{"queue", 1, offsetof(struct cli_args, queue), CLI_OPT_DEPLOY},
	{"queue-timeout", 1, offsetof(struct cli_args, queue_timeout),
	 CLI_OPT_DEPLOY},
	{"idle", 1, offsetof(struct cli_args, idle), CLI_OPT_DEPLOY},
	{"wasi-stub-unknown", 1, offsetof(struct cli_args, wasi_stub_unknown),
	 CLI_OPT_DEPLOY},
	{"max-output", 1, offsetof(struct cli_args, max_output),
	 CLI_OPT_DEPLOY},
	/* repeatable: parse_one collects it into allow_fetch[] */
	{"allow-fetch", 1, 0, CLI_OPT_DEPLOY},
	{"data", 1, offsetof(struct cli_args, data), CLI_OPT_INVOKE},
	{"file", 1, offsetof(struct cli_args, file), CLI_OPT_INVOKE},
	{"file", 1, offsetof(struct cli_args, file), CLI_OPT_SECRET},
	{"follow", 0, offsetof(struct cli_args, follow), CLI_OPT_LOGS},
	{"since", 1, offsetof(struct cli_args, since), CLI_OPT_LOGS},
	{"level", 1, offsetof(struct cli_args, level), CLI_OPT_LOGS},
	{"request-id", 1, offsetof(struct cli_args, request_id), CLI_OPT_LOGS},
	{"ttl", 1, offsetof(struct cli_args, ttl), CLI_OPT_KV},
	{"prefix", 1, offsetof(struct cli_args, prefix), CLI_OPT_KV},
	{"purge", 0, offsetof(struct cli_args, purge), CLI_OPT_RM},
	{"lang", 1, offsetof(struct cli_args, lang), CLI_OPT_NEW},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const struct opt *find_opt(const char *name, size_t len,
				  unsigned cmd_mask)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len &&
		    memcmp(opts[i].name, name, len) == 0 &&
		    (opts[i].mask == GLOBAL || (opts[i].mask & cmd_mask)))
			return &opts[i];
	return NULL;
}

static int add_allow_fetch(struct cli_args *a, const char *value, char *err,
			   size_t err_len)
{
	const int max =
		(int)(sizeof(a->allow_fetch) / sizeof(a->allow_fetch[0]));

	a->allow_fetch_given = 1;
	if (!value[0])
		return 0; /* "--allow-fetch ''": no outbound access */
	if (a->n_allow_fetch == max) {
		snprintf(err, err_len,
			 "--allow-fetch is given more than %d times", max);
		return -EINVAL;
	}
	a->allow_fetch[a->n_allow_fetch++] = value;
	return 0;
}

/* One "--name[=value]" (or "-h"); consumes argv[*i] and maybe the next. */
static int parse_one(int argc, char **argv, int *i, unsigned cmd_mask,
		     struct cli_args *a, char *err, size_t err_len)
{
	const char *arg = argv[*i], *name = arg + 2, *eq, *value = NULL;
	const struct opt *o;
	size_t len;

	if (strcmp(arg, "-h") == 0)
		name = "help";
	else if (strcmp(arg, "-f") == 0)
		name = "follow";
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	o = arg[1] == '-' || name != arg + 2 ? find_opt(name, len, cmd_mask)
					     : NULL;
	if (!o) {
		snprintf(err, err_len, "unknown option '%s'", arg);
		return -EINVAL;
	}
	if (o->has_arg) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else {
			snprintf(err, err_len, "option --%s needs a value",
				 o->name);
			return -EINVAL;
		}
	} else if (eq) {
		snprintf(err, err_len, "option --%s takes no value", o->name);
		return -EINVAL;
	}
	if (strcmp(o->name, "allow-fetch") == 0)
		return add_allow_fetch(a, value, err, err_len);
	*(const char **)((char *)a + o->off) = o->has_arg ? value : "1";
	return 0;
}

int cli_args_parse(int argc, char **argv, unsigned cmd_mask,
		   int stop_at_positional, struct cli_args *a, int *next,
		   char *err, size_t err_len)
{
	int i, only_positional = 0;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!only_positional && strcmp(arg, "--") == 0) {
			only_positional = 1;
			continue;
		}
		if (!only_positional && arg[0] == '-' && arg[1]) {
			if (parse_one(argc, argv, &i, cmd_mask, a, err,
				      err_len) < 0)
				return -EINVAL;
			continue;
		}
		if (stop_at_positional)
			break;
		if (strcmp(arg, "-") == 0 && !only_positional) {
			a->stdin_dash = 1;
			continue;
		}
		if (a->npos == CLI_MAX_POSITIONAL) {
			snprintf(err, err_len, "unexpected argument '%s'", arg);
			return -EINVAL;
		}
		a->pos[a->npos++] = arg;
	}
	if (next)
		*next = i;
	return 0;
}

int cli_name_ok(const char *name)
{
	return function_name_valid(name, strlen(name));
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("glint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see: glint %s%s--help)\n", cmd ? cmd : "",
		cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("glint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_REFUSED;
}

int cli_bad_name(const char *cmd, const char *name)
{
	if (cli_name_ok(name))
		return CLI_EXIT_OK;
	return cli_usage_error(cmd,
			       "bad function name '%s': use 1-63 of a-z, 0-9, "
			       "'-' and '_'",
			       name);
}

int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	if (n == 0 || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int cli_url_normalize(const char *url, char *dst, size_t cap)
{
	size_t n = strlen(url), skip;

	if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return -EINVAL;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return -EINVAL;
	while (n > skip && url[n - 1] == '/')
		n--;
	if (n == skip || url[skip] == '/' || n + 1 > cap)
		return -EINVAL;
	memcpy(dst, url, n);
	dst[n] = '\0';
	return 0;
}

int cli_token_ok(const char *token)
{
	size_t n = 0;

	for (; token[n]; n++)
		if ((unsigned char)token[n] <= 0x20 ||
		    (unsigned char)token[n] >= 0x7f)
			return 0;
	return n > 0 && n <= 1024;
}

static int read_fd(int fd, char **buf_out, size_t *len_out)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *p;
	ssize_t got;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			p = cap < ((size_t)1 << 40) ? realloc(buf, cap * 2)
						    : NULL;
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		got = read(fd, buf + len, cap - len - 1);
		if (got == 0)
			break;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = -errno;

			free(buf);
			return rc;
		}
		len += (size_t)got;
	}
	buf[len] = '\0';
	*buf_out = buf;
	*len_out = len;
	return 0;
}

int cli_read_file(const char *path, char **buf_out, size_t *len_out)
{
	struct stat st;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_fd(STDIN_FILENO, buf_out, len_out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	rc = read_fd(fd, buf_out, len_out);
	close(fd);
	return rc;
}
