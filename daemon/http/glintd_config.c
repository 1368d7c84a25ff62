/* glintd_config.c: glintd's defaults, its JSON config file (jansson) and command-line flags. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "glintd_config.h"
#include "kv.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)
#define GIB (1024ull * 1024ull * 1024ull)
#define PEM_MAX_BYTES (1u << 20)

void glintd_config_default(struct glintd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	glintd_config_set_listen(cfg, GLINTD_DEFAULT_LISTEN);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 GLINTD_DEFAULT_STATE_DIR);
	engine_config_default(&cfg->engine);
	cfg->engine.state_dir = cfg->state_dir;
	cfg->engine.kv_redis_url = cfg->kv_redis_url;
	if (!cfg->engine.max_image_bytes)
		cfg->engine.max_image_bytes = 64u << 20;
	cfg->max_invoke_bytes = 6u << 20;
	cfg->max_small_body_bytes = 64u << 10;
	cfg->max_request_headers = 100;
	cfg->max_request_header_bytes = 8u << 10;
	cfg->max_url_bytes = 8u << 10;
	cfg->max_connections = 1024;
	cfg->max_connections_per_ip = 256;
	cfg->connection_timeout_s = 60;
	cfg->request_head_timeout_s = 20;
	cfg->min_body_bytes_per_s = 1024;
	cfg->metrics_max_functions = 1000;
	cfg->max_log_followers = 8;
	cfg->fault_details = -1;
	cfg->connection_memory_bytes = 16u << 10;
	cfg->shutdown_grace_ms = 10000;
	cfg->startup_hold_ms = 10000;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->batch_scheduling = 1;
}

int glintd_config_set_listen(struct glintd_config *cfg, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	char host[sizeof(cfg->listen_host)];
	struct in_addr a;
	unsigned long port;
	char *end;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host) ||
	    !colon[1])
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535)
		return -EINVAL;
	memcpy(cfg->listen_host, host, sizeof(host));
	cfg->listen_port = (uint16_t)port;
	return 0;
}

/* ---- the config file ---- */

enum key_kind {
	K_LISTEN,
	K_DIR, /* a required directory path: no null, no "" */
	K_PATH,
	K_UINT,
	K_BOOL,
	K_LOG_LEVEL,
	K_DEFAULTS,
	K_KV_BACKEND,
	K_REDIS_URL
};

struct key_desc {
	const char *name;
	enum key_kind kind;
	size_t off, width; /* the field in struct glintd_config */
	unsigned long long min, max;
};

#define FIELD(f)                                                               \
	offsetof(struct glintd_config, f),                                     \
		sizeof(((struct glintd_config *)0)->f)
#define KEY_UINT(k, f, lo, hi)                                                 \
	{                                                                      \
		k, K_UINT, FIELD(f), lo, hi                                    \
	}
#define KEY_PATH(k, f)                                                         \
	{                                                                      \
		k, K_PATH, FIELD(f), 0, 0                                      \
	}

static const struct key_desc keys[] = {
	{"listen", K_LISTEN, 0, 0, 0, 0},
	{"state_dir", K_DIR, FIELD(state_dir), 0, 0},
	KEY_UINT("workers", engine.workers, 0, 1024),
	{"log_level", K_LOG_LEVEL, FIELD(log_level), 0, 0},
	KEY_UINT("shutdown_grace_ms", shutdown_grace_ms, 0, 600000),
	KEY_UINT("startup_hold_ms", startup_hold_ms, 0, 600000),
	KEY_UINT("max_invoke_bytes", max_invoke_bytes, 1, 1 * GIB),
	KEY_UINT("max_image_bytes", engine.max_image_bytes, 4 * KIB, 1 * GIB),
	KEY_UINT("max_small_body_bytes", max_small_body_bytes, 1 * KIB,
		 16 * MIB),
	KEY_UINT("max_request_headers", max_request_headers, 1, 10000),
	KEY_UINT("max_request_header_bytes", max_request_header_bytes, 256,
		 16 * MIB),
	KEY_UINT("max_url_bytes", max_url_bytes, 64, 16 * MIB),
	KEY_UINT("max_connections", max_connections, 1, 65536),
	KEY_UINT("max_connections_per_ip", max_connections_per_ip, 0, 65536),
	KEY_UINT("connection_timeout_s", connection_timeout_s, 1, 86400),
	KEY_UINT("connection_memory_bytes", connection_memory_bytes, 4 * KIB,
		 16 * MIB),
	KEY_UINT("request_head_timeout_s", request_head_timeout_s, 1, 3600),
	KEY_UINT("min_body_bytes_per_s", min_body_bytes_per_s, 0, 1 * GIB),
	KEY_UINT("metrics_max_functions", metrics_max_functions, 1, 100000),
	KEY_UINT("max_log_followers", max_log_followers, 0, 1024),
	KEY_UINT("guest_log_lines_per_call", engine.guest_log_lines_per_call, 0,
		 1000000),
	KEY_UINT("guest_log_bytes_per_call", engine.guest_log_bytes_per_call, 0,
		 64 * MIB),
	KEY_UINT("guest_log_lines_per_second", engine.guest_log_lines_per_s, 0,
		 10000000),
	KEY_UINT("log_buffer_bytes", engine.log_buffer_bytes, 0, 64 * MIB),
	KEY_UINT("hostcalls_per_call", engine.hostcalls_per_call, 1, 100000000),
	KEY_UINT("hostcall_in_bytes_per_call",
		 engine.hostcall_in_bytes_per_call, 1, 64 * GIB),
	KEY_UINT("hostcall_out_bytes_per_call",
		 engine.hostcall_out_bytes_per_call, 1, 64 * GIB),
	KEY_UINT("fetches_per_call", engine.fetches_per_call, 1, 1000000),
	/* Functions' key-value state (kv.h). */
	{"kv_backend", K_KV_BACKEND, FIELD(engine.kv_backend), 0, 0},
	{"kv_redis_url", K_REDIS_URL, FIELD(kv_redis_url), 0, 0},
	KEY_UINT("kv_max_key_bytes", engine.kv_max_key_bytes, 1, 4 * KIB),
	KEY_UINT("kv_max_value_bytes", engine.kv_max_value_bytes, 1, 64 * MIB),
	KEY_UINT("kv_map_bytes", engine.kv_map_bytes, 1 * MIB, 16384 * GIB),
	KEY_PATH("admin_token_file", admin_token_file),
	KEY_PATH("invoke_token_file", invoke_token_file),
	{"allow_insecure_remote", K_BOOL, FIELD(allow_insecure_remote), 0, 0},
	{"metrics_public", K_BOOL, FIELD(metrics_public), 0, 0},
	{"fault_details_to_clients", K_BOOL, FIELD(fault_details), 0, 0},
	{"batch_scheduling", K_BOOL, FIELD(batch_scheduling), 0, 0},
	KEY_PATH("tls_cert_file", tls_cert_file),
	KEY_PATH("tls_key_file", tls_key_file),
	{"function_defaults", K_DEFAULTS, 0, 0, 0, 0},
	/* Fairness and budgets (engine.h); 0 = derived. */
	KEY_UINT("function_workers_max", engine.function_workers_max, 0, 1024),
	KEY_UINT("deploy_workers", engine.deploy_workers, 0, 1024),
	KEY_UINT("deploy_queue_max", engine.deploy_queue_max, 0, 1024),
	KEY_UINT("keep_versions", engine.keep_versions, 1, 1000),
	KEY_UINT("max_functions", engine.max_functions, 0, 1000000),
	KEY_UINT("max_vms", engine.max_vms, 0, 1000000),
	KEY_UINT("max_warm_vms", engine.max_warm_vms, 0, 1000000),
	KEY_UINT("memory_budget_mb", engine.memory_budget_mb, 0, 1u << 30),
	KEY_UINT("fd_reserve", engine.fd_reserve, 0, 1000000),
};

static int is_comment(const char *key)
{
	return strncmp(key, "_comment", 8) == 0;
}

static void store_uint(void *field, size_t width, unsigned long long v)
{
	if (width == sizeof(uint64_t)) {
		uint64_t x = v;
		memcpy(field, &x, sizeof(x));
	} else if (width == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)v;
		memcpy(field, &x, sizeof(x));
	} else {
		uint16_t x = (uint16_t)v;
		memcpy(field, &x, sizeof(x));
	}
}

static int load_defaults(struct glintd_config *cfg, json_t *obj,
			 const char *path, char *err, size_t err_len)
{
	const char *key;
	json_t *v;
	char num[32], msg[256];

	if (!json_is_object(obj)) {
		snprintf(err, err_len,
			 "%s: \"function_defaults\" must be an "
			 "object",
			 path);
		return -EINVAL;
	}
	json_object_foreach(obj, key, v)
	{
		if (is_comment(key))
			continue;
		msg[0] = '\0';
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(err, err_len,
				 "%s: \"function_defaults.%s\" "
				 "must be a non-negative integer",
				 path, key);
			return -EINVAL;
		}
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		if (function_settings_set(&cfg->engine.defaults, key, num, msg,
					  sizeof(msg)) < 0) {
			snprintf(err, err_len,
				 "%s: \"function_defaults.%s\": %s", path, key,
				 msg[0] ? msg : "invalid");
			return -EINVAL;
		}
	}
	if (function_settings_check(&cfg->engine.defaults, msg, sizeof(msg))) {
		snprintf(err, err_len, "%s: \"function_defaults\": %s", path,
			 msg);
		return -EINVAL;
	}
	return 0;
}

static int load_string(struct glintd_config *cfg, const struct key_desc *d,
		       json_t *v)
{
	const char *s = json_string_value(v);
	char *field = (char *)cfg + d->off;
	enum log_level level;

	/* null clears an optional path. */
	if ((d->kind == K_PATH || d->kind == K_REDIS_URL) && json_is_null(v)) {
		field[0] = '\0';
		return 0;
	}
	if (!s)
		goto bad;
	if (d->kind == K_LISTEN)
		return glintd_config_set_listen(cfg, s) == 0 ? 0 : -EINVAL;
	if (d->kind == K_LOG_LEVEL) {
		if (log_level_parse(s, &level) < 0)
			goto bad;
		cfg->log_level = level;
		return 0;
	}
	if (d->kind == K_KV_BACKEND) {
		if (strcmp(s, "embedded") && strcmp(s, "redis"))
			goto bad;
		cfg->engine.kv_backend = s[0] == 'r' ? KV_REDIS : KV_EMBEDDED;
		return 0;
	}
	/* The rest of the URL is the kv module's to judge at start-up. */
	if (d->kind == K_REDIS_URL && strncmp(s, "redis://", 8) != 0)
		goto bad;
	if (strlen(s) >= d->width || (d->kind == K_DIR && !s[0]))
		goto bad;
	memcpy(field, s, strlen(s) + 1);
	return 0;
bad:
	return -EINVAL;
}

static const char *expectation(const struct key_desc *d, char *buf, size_t len)
{
	switch (d->kind) {
	case K_LISTEN:
		return "a string \"ADDR:PORT\" with an IPv4 address";
	case K_DIR:
		return "a directory path (a non-empty string)";
	case K_PATH:
		return "a file or directory path (string), or null";
	case K_BOOL:
		return "true or false";
	case K_LOG_LEVEL:
		return "one of \"error\", \"warn\", \"info\", \"debug\"";
	case K_DEFAULTS:
		return "an object";
	case K_KV_BACKEND:
		return "\"embedded\" or \"redis\"";
	case K_REDIS_URL:
		return "a string \"redis://HOST:PORT[/DB]\" shorter than 512 "
		       "bytes, or null";
	case K_UINT:
		break;
	}
	snprintf(buf, len, "an integer from %llu to %llu", d->min, d->max);
	return buf;
}

static int load_key(struct glintd_config *cfg, const struct key_desc *d,
		    json_t *v, const char *path, char *err, size_t err_len)
{
	char buf[64];
	json_int_t n;

	switch (d->kind) {
	case K_DEFAULTS:
		return load_defaults(cfg, v, path, err, err_len);
	case K_BOOL:
		if (!json_is_boolean(v))
			break;
		*(int *)((char *)cfg + d->off) = json_is_true(v);
		return 0;
	case K_UINT:
		if (!json_is_integer(v))
			break;
		n = json_integer_value(v);
		if (n < 0 || (unsigned long long)n < d->min ||
		    (unsigned long long)n > d->max)
			break;
		store_uint((char *)cfg + d->off, d->width,
			   (unsigned long long)n);
		return 0;
	default:
		if (load_string(cfg, d, v) == 0)
			return 0;
		break;
	}
	snprintf(err, err_len, "%s: \"%s\" must be %s", path, d->name,
		 expectation(d, buf, sizeof(buf)));
	return -EINVAL;
}

static int load_object(struct glintd_config *cfg, json_t *root,
		       const char *path, char *err, size_t err_len)
{
	const char *key;
	json_t *v;
	size_t i, n = sizeof(keys) / sizeof(keys[0]);
	int rc;

	if (!json_is_object(root)) {
		snprintf(err, err_len,
			 "%s: the top level must be a JSON "
			 "object",
			 path);
		return -EINVAL;
	}
	json_object_foreach(root, key, v)
	{
		if (is_comment(key))
			continue;
		for (i = 0; i < n && strcmp(keys[i].name, key) != 0; i++)
			;
		if (i == n) {
			snprintf(err, err_len, "%s: unknown key \"%.64s\"",
				 path, key);
			return -EINVAL;
		}
		rc = load_key(cfg, &keys[i], v, path, err, err_len);
		if (rc < 0)
			return rc;
	}
	if (cfg->engine.kv_backend == KV_REDIS && !cfg->kv_redis_url[0]) {
		snprintf(err, err_len,
			 "%s: \"kv_backend\": \"redis\" needs \"kv_redis_url\"",
			 path);
		return -EINVAL;
	}
	if (!cfg->tls_cert_file[0] != !cfg->tls_key_file[0]) {
		snprintf(err, err_len,
			 "%s: \"tls_cert_file\" and "
			 "\"tls_key_file\" go together: set both or neither",
			 path);
		return -EINVAL;
	}
	return 0;
}

int glintd_config_load_file(struct glintd_config *cfg, const char *path,
			    char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, err_len, "%s: cannot open: %s", path,
			 strerror(-rc));
		return rc;
	}
	/* Duplicate keys would silently hide one setting. */
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		snprintf(err, err_len, "%s:%d:%d: invalid JSON: %s", path,
			 jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = load_object(cfg, root, path, err, err_len);
	json_decref(root);
	if (rc == 0) {
		snprintf(cfg->config_path, sizeof(cfg->config_path), "%s",
			 path);
		cfg->engine.state_dir = cfg->state_dir;
		cfg->engine.kv_redis_url = cfg->kv_redis_url;
	}
	return rc;
}

/* ---- flags ---- */

void glintd_config_usage(FILE *out)
{
	fprintf(out,
		"Usage: glintd [OPTION]...\n"
		"Serve functions in micro-VMs over HTTP.\n\n"
		"  --config FILE        JSON settings (default %s\n"
		"                       when it exists); flags override it\n"
		"  --no-config          load no config file\n"
		"  --listen ADDR:PORT   IPv4 address and port (default %s;\n"
		"                       port 0 picks a free port, logged);\n"
		"                       ignored when systemd passes a socket\n"
		"  --state-dir DIR      deployed functions (default %s,\n"
		"                       relative to the working directory)\n"
		"  --workers N          worker threads, 0 = one per CPU "
		"plus one (default 0)\n"
		"  --log-level LEVEL    error, warn, info or debug "
		"(default info)\n"
		"  --admin-token-file FILE   bearer token guarding "
		"/functions\n"
		"  --invoke-token-file FILE  bearer token guarding /invoke\n"
		"  --help               show this help and exit\n"
		"  --version            show the version and exit\n",
		GLINTD_DEFAULT_CONFIG, GLINTD_DEFAULT_LISTEN,
		GLINTD_DEFAULT_STATE_DIR);
}

static int set_option(struct glintd_config *cfg, int opt, const char *arg,
		      char *err, size_t err_len)
{
	unsigned long v;
	char *end;

	switch (opt) {
	case 'l':
		if (glintd_config_set_listen(cfg, arg) == 0)
			return 0;
		snprintf(err, err_len, "--listen: expected ADDR:PORT, got '%s'",
			 arg);
		return -EINVAL;
	case 's':
		if (*arg && strlen(arg) < sizeof(cfg->state_dir)) {
			snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
				 arg);
			return 0;
		}
		snprintf(err, err_len, "--state-dir: bad directory");
		return -EINVAL;
	case 'w':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (arg[0] >= '0' && arg[0] <= '9' && !errno && !*end &&
		    v <= 1024) {
			cfg->engine.workers = (unsigned)v;
			return 0;
		}
		snprintf(err, err_len, "--workers: expected 0..1024, got '%s'",
			 arg);
		return -EINVAL;
	case 'v':
		if (log_level_parse(arg, &cfg->log_level) == 0)
			return 0;
		snprintf(err, err_len,
			 "--log-level: expected error, warn, info or debug, "
			 "got '%s'",
			 arg);
		return -EINVAL;
	case 'a':
	case 'i':
		if (*arg && strlen(arg) < PATH_MAX) {
			snprintf(opt == 'a' ? cfg->admin_token_file
					    : cfg->invoke_token_file,
				 PATH_MAX, "%s", arg);
			return 0;
		}
		snprintf(err, err_len, "--%s-token-file: bad file name",
			 opt == 'a' ? "admin" : "invoke");
		return -EINVAL;
	case 'c':
	case 'n':
		return 0; /* handled in the first pass */
	}
	return -EINVAL;
}

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"no-config", no_argument, NULL, 'n'},
	{"listen", required_argument, NULL, 'l'},
	{"state-dir", required_argument, NULL, 's'},
	{"workers", required_argument, NULL, 'w'},
	{"log-level", required_argument, NULL, 'v'},
	{"admin-token-file", required_argument, NULL, 'a'},
	{"invoke-token-file", required_argument, NULL, 'i'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* First pass: usage errors, --help/--version, and which file to load. */
static int scan_args(int argc, char **argv, const char **file, char *err,
		     size_t err_len)
{
	int opt, no_config = 0;

	*file = NULL;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			glintd_config_usage(stdout);
			return 1;
		}
		if (opt == 'V') {
			printf("glintd %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			snprintf(err, err_len,
				 "unknown or incomplete option '%s'",
				 argv[optind - 1]);
			return -EINVAL;
		}
		if (opt == 'c')
			*file = optarg;
		if (opt == 'n')
			no_config = 1;
	}
	if (optind < argc) {
		snprintf(err, err_len, "unexpected argument '%s'",
			 argv[optind]);
		return -EINVAL;
	}
	if (no_config && *file) {
		snprintf(err, err_len,
			 "--config and --no-config exclude "
			 "each other");
		return -EINVAL;
	}
	if (!no_config && !*file && access(GLINTD_DEFAULT_CONFIG, F_OK) == 0)
		*file = GLINTD_DEFAULT_CONFIG;
	return 0;
}

int glintd_config_parse_args(struct glintd_config *cfg, int argc, char **argv,
			     char *err, size_t err_len)
{
	const char *file;
	int opt, rc;

	rc = scan_args(argc, argv, &file, err, err_len);
	if (rc != 0)
		return rc;
	if (file) {
		rc = glintd_config_load_file(cfg, file, err, err_len);
		if (rc < 0)
			return rc;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if (set_option(cfg, opt, optarg, err, err_len))
			return -EINVAL;
	cfg->engine.state_dir = cfg->state_dir;
	cfg->engine.kv_redis_url = cfg->kv_redis_url;
	/* Every connection is a descriptor VMs must not take. */
	if (cfg->engine.fd_reserve == 0)
		cfg->engine.fd_reserve = cfg->max_connections + 64;
	return 0;
}

/* ---- secrets ---- */

/* Reads a whole small file; malloc'd and NUL-terminated. */
static int read_small_file(const char *path, size_t max_bytes, char **out,
			   size_t *len_out, int *loose_mode)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max_bytes) {
		rc = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out_close;
	}
	*loose_mode = (st.st_mode & 0077) != 0;
	buf = malloc((size_t)st.st_size + 1);
	rc = -ENOMEM;
	if (!buf)
		goto out_close;
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		rc = -errno;
		free(buf);
		goto out_close;
	}
	buf[n] = '\0';
	*out = buf;
	*len_out = (size_t)n;
	rc = 0;
out_close:
	close(fd);
	return rc;
}

/*
 * A secret file named without a '/' is a systemd credential when the
 * service manager passed some (LoadCredential=NAME:SOURCE puts a copy
 * readable by the service, even a DynamicUser one, in
 * $CREDENTIALS_DIRECTORY/NAME; systemd.exec(5)). Otherwise the name is a
 * path as usual.
 */
int glintd_config_secret_path(const char *name, char *out, size_t len)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (dir && dir[0] == '/' && !strchr(name, '/'))
		n = snprintf(out, len, "%s/%s", dir, name);
	else
		n = snprintf(out, len, "%s", name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Why a secret could not be read, with the way out for the usual case:
 * a root-only file and a service running as a dynamic user. */
static void secret_error(const char *setting, const char *name,
			 const char *path, int rc, char *err, size_t err_len)
{
	const char *hint = "";

	if (rc == -EACCES && strcmp(name, path) == 0 && getenv("INVOCATION_ID"))
		hint = " (under systemd, pass it with LoadCredential= and "
		       "name the credential here; see README)";
	snprintf(err, err_len, "%s %s: %s%s", setting, path,
		 rc == -EFBIG ? "too large" : strerror(-rc), hint);
}

/* A token is one line of visible ASCII; trailing whitespace is dropped. */
static int load_token(const char *setting, const char *name, char *token,
		      char *err, size_t err_len)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int loose = 0, rc;

	if (!name[0])
		return 0;
	rc = glintd_config_secret_path(name, path, sizeof(path));
	if (rc == 0)
		rc = read_small_file(path, 4096, &buf, &len, &loose);
	if (rc < 0) {
		secret_error(setting, name, path, rc, err, err_len);
		return rc;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
		       buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	rc = -EINVAL;
	if (len < 16 || len >= GLINTD_TOKEN_MAX) {
		snprintf(err, err_len,
			 "%s %s: a token must be 16 to %d "
			 "characters",
			 setting, path, GLINTD_TOKEN_MAX - 1);
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] <= 0x20 || buf[i] >= 0x7f) {
			snprintf(err, err_len,
				 "%s %s: a token is one line of "
				 "visible ASCII characters",
				 setting, path);
			goto out;
		}
	}
	memcpy(token, buf, len + 1);
	if (loose)
		log_msg(LOG_LEVEL_WARN,
			"%s %s is readable by others: chmod "
			"600 it",
			setting, path);
	rc = 0;
out:
	free(buf);
	return rc;
}

static int load_pem(const char *setting, const char *name, char **out,
		    char *err, size_t err_len)
{
	char path[PATH_MAX];
	size_t len;
	int loose, rc;

	rc = glintd_config_secret_path(name, path, sizeof(path));
	if (rc == 0)
		rc = read_small_file(path, PEM_MAX_BYTES, out, &len, &loose);
	if (rc < 0)
		secret_error(setting, name, path, rc, err, err_len);
	return rc;
}

int glintd_config_load_secrets(struct glintd_config *cfg, char *err,
			       size_t err_len)
{
	int rc;

	rc = load_token("admin_token_file", cfg->admin_token_file,
			cfg->admin_token, err, err_len);
	if (rc == 0)
		rc = load_token("invoke_token_file", cfg->invoke_token_file,
				cfg->invoke_token, err, err_len);
	if (rc == 0 && cfg->tls_cert_file[0])
		rc = load_pem("tls_cert_file", cfg->tls_cert_file,
			      &cfg->tls_cert_pem, err, err_len);
	if (rc == 0 && cfg->tls_key_file[0])
		rc = load_pem("tls_key_file", cfg->tls_key_file,
			      &cfg->tls_key_pem, err, err_len);
	return rc;
}

static int is_loopback(const struct sockaddr *addr)
{
	const struct sockaddr_in *sin = (const void *)addr;
	const struct sockaddr_in6 *sin6 = (const void *)addr;
	const uint8_t *b;

	switch (addr->sa_family) {
	case AF_UNIX:
		return 1;
	case AF_INET:
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		b = sin6->sin6_addr.s6_addr;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && b[12] == 127;
	}
	return 0;
}

int glintd_config_check_exposure(const struct glintd_config *cfg,
				 const struct sockaddr *addr, char *err,
				 size_t err_len)
{
	const struct sockaddr_in *sin = (const void *)addr;
	const struct sockaddr_in6 *sin6 = (const void *)addr;
	char host[INET6_ADDRSTRLEN] = "?";

	if (is_loopback(addr) || cfg->admin_token[0] ||
	    cfg->allow_insecure_remote)
		return 0;
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	else if (addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	snprintf(err, err_len,
		 "%s%srefusing to listen on %s, not a loopback address, "
		 "without an admin token: anyone who can reach it could "
		 "deploy and run code. Set \"admin_token_file\", or "
		 "\"allow_insecure_remote\": true to accept the risk",
		 cfg->config_path, cfg->config_path[0] ? ": " : "", host);
	return -EPERM;
}

void glintd_config_resolve(struct glintd_config *cfg,
			   const struct sockaddr *addr)
{
	/* Unset, a daemon others can reach keeps addresses and registers
	 * to the function's log: they help an attacker aim. */
	cfg->fault_details_to_clients = cfg->fault_details >= 0
						? cfg->fault_details
						: is_loopback(addr);
}

/* ---- reload ---- */

/* Appends ", name" (or "name" first) to a list; a full list is cut. */
static void list_add(char *list, size_t len, const char *name)
{
	size_t o = strlen(list);

	snprintf(list + o, len - o, "%s%s", o ? ", " : "", name);
}

static int pem_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* Settings only a restart applies: the listening socket, the HTTP server's
 * options and the engine's threads and directory are built once. */
static void list_restart_needed(const struct glintd_config *a,
				const struct glintd_config *b, char *out,
				size_t len)
{
	if (strcmp(a->listen_host, b->listen_host) ||
	    a->listen_port != b->listen_port)
		list_add(out, len, "listen");
	if (strcmp(a->state_dir, b->state_dir))
		list_add(out, len, "state_dir");
	if (a->engine.workers != b->engine.workers)
		list_add(out, len, "workers");
	if (a->engine.max_image_bytes != b->engine.max_image_bytes)
		list_add(out, len, "max_image_bytes");
	if (a->engine.kv_backend != b->engine.kv_backend ||
	    strcmp(a->kv_redis_url, b->kv_redis_url) ||
	    a->engine.kv_max_key_bytes != b->engine.kv_max_key_bytes ||
	    a->engine.kv_max_value_bytes != b->engine.kv_max_value_bytes ||
	    a->engine.kv_map_bytes != b->engine.kv_map_bytes)
		list_add(out, len, "kv_*");
	if (a->max_connections != b->max_connections)
		list_add(out, len, "max_connections");
	if (a->max_connections_per_ip != b->max_connections_per_ip)
		list_add(out, len, "max_connections_per_ip");
	if (a->connection_timeout_s != b->connection_timeout_s)
		list_add(out, len, "connection_timeout_s");
	if (a->connection_memory_bytes != b->connection_memory_bytes)
		list_add(out, len, "connection_memory_bytes");
	if (a->startup_hold_ms != b->startup_hold_ms)
		list_add(out, len, "startup_hold_ms");
	if (a->batch_scheduling != b->batch_scheduling)
		list_add(out, len, "batch_scheduling");
	if (strcmp(a->tls_cert_file, b->tls_cert_file) ||
	    strcmp(a->tls_key_file, b->tls_key_file) ||
	    pem_differs(a->tls_cert_pem, b->tls_cert_pem) ||
	    pem_differs(a->tls_key_pem, b->tls_key_pem))
		list_add(out, len, "tls_cert_file/tls_key_file");
}

/* Copies what the running daemon reads afresh on every request. */
static void apply_live(struct glintd_config *a, const struct glintd_config *b,
		       char *out, size_t len)
{
	if (strcmp(a->admin_token, b->admin_token) ||
	    strcmp(a->admin_token_file, b->admin_token_file))
		list_add(out, len, "admin token");
	if (strcmp(a->invoke_token, b->invoke_token) ||
	    strcmp(a->invoke_token_file, b->invoke_token_file))
		list_add(out, len, "invoke token");
	if (a->log_level != b->log_level)
		list_add(out, len, "log_level");
	if (memcmp(&a->engine.defaults, &b->engine.defaults,
		   sizeof(a->engine.defaults)))
		list_add(out, len, "function_defaults");
	if (a->max_invoke_bytes != b->max_invoke_bytes ||
	    a->max_small_body_bytes != b->max_small_body_bytes)
		list_add(out, len, "body limits");
	if (a->max_request_headers != b->max_request_headers ||
	    a->max_request_header_bytes != b->max_request_header_bytes ||
	    a->max_url_bytes != b->max_url_bytes)
		list_add(out, len, "request head limits");
	if (a->shutdown_grace_ms != b->shutdown_grace_ms)
		list_add(out, len, "shutdown_grace_ms");
	if (a->allow_insecure_remote != b->allow_insecure_remote)
		list_add(out, len, "allow_insecure_remote");
	memcpy(a->admin_token_file, b->admin_token_file, PATH_MAX);
	memcpy(a->invoke_token_file, b->invoke_token_file, PATH_MAX);
	memcpy(a->admin_token, b->admin_token, GLINTD_TOKEN_MAX);
	memcpy(a->invoke_token, b->invoke_token, GLINTD_TOKEN_MAX);
	a->log_level = b->log_level;
	log_set_level(a->log_level);
	a->engine.defaults = b->engine.defaults;
	a->max_invoke_bytes = b->max_invoke_bytes;
	a->max_small_body_bytes = b->max_small_body_bytes;
	a->max_request_headers = b->max_request_headers;
	a->max_request_header_bytes = b->max_request_header_bytes;
	a->max_url_bytes = b->max_url_bytes;
	a->shutdown_grace_ms = b->shutdown_grace_ms;
	a->allow_insecure_remote = b->allow_insecure_remote;
	if (a->fault_details_to_clients != b->fault_details_to_clients)
		list_add(out, len, "fault_details_to_clients");
	a->fault_details = b->fault_details;
	a->fault_details_to_clients = b->fault_details_to_clients;
}

int glintd_config_reload(struct glintd_config *cfg, int argc, char **argv,
			 const struct sockaddr *addr,
			 struct glintd_config_reload_report *rep)
{
	struct glintd_config *next = malloc(sizeof(*next));
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (!next) {
		snprintf(rep->error, sizeof(rep->error), "out of memory");
		return -ENOMEM;
	}
	glintd_config_default(next);
	rc = glintd_config_parse_args(next, argc, argv, rep->error,
				      sizeof(rep->error));
	if (rc == 0)
		rc = glintd_config_load_secrets(next, rep->error,
						sizeof(rep->error));
	if (rc == 0)
		rc = glintd_config_check_exposure(next, addr, rep->error,
						  sizeof(rep->error));
	if (rc == 0) {
		glintd_config_resolve(next, addr);
		list_restart_needed(cfg, next, rep->restart_needed,
				    sizeof(rep->restart_needed));
		apply_live(cfg, next, rep->applied, sizeof(rep->applied));
	}
	glintd_config_release(next);
	free(next);
	return rc < 0 ? rc : 0;
}

void glintd_config_release(struct glintd_config *cfg)
{
	free(cfg->tls_cert_pem);
	free(cfg->tls_key_pem);
	cfg->tls_cert_pem = cfg->tls_key_pem = NULL;
	explicit_bzero(cfg->admin_token, sizeof(cfg->admin_token));
	explicit_bzero(cfg->invoke_token, sizeof(cfg->invoke_token));
}
