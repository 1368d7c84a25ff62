/* glintd_config.h: every glintd setting in one struct, from defaults, the config file and flags. */
#ifndef GLINT_GLINTD_CONFIG_H
#define GLINT_GLINTD_CONFIG_H

/* Not "config.h": that name is autoconf's, included first by every .c. */

#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine.h"
#include "log.h"

#define GLINTD_TOKEN_MAX 256 /* bytes of a bearer token, NUL included */

/*
 * Plain data. Order of filling: glintd_config_default, then the config
 * file (glintd_config_load_file), then flags; glintd_config_parse_args does
 * all three in that order so flags override the file. Secrets named by the
 * config (token files, TLS PEM files) are read afterwards by
 * glintd_config_load_secrets; glintd_config_release frees what that read.
 * engine.state_dir and engine.kv_redis_url point into this struct. Not thread-safe: filled once on
 * the main thread before anything starts, read-only afterwards.
 */
struct glintd_config {
	char config_path[PATH_MAX]; /* the file loaded; "" when none */
	char listen_host[64];	    /* IPv4 address */
	uint16_t listen_port;	    /* 0: the kernel picks one (logged) */
	char state_dir[PATH_MAX];
	char kv_redis_url[512]; /* engine.kv_redis_url points here */
	struct engine_config engine;
	size_t max_invoke_bytes;	 /* invoke body limit */
	size_t max_small_body_bytes;	 /* body limit of every other route */
	unsigned max_request_headers;	 /* header lines per request (431) */
	size_t max_request_header_bytes; /* names + values per request (431) */
	size_t max_url_bytes;		 /* request target (414) */
	unsigned max_connections;	 /* concurrent HTTP connections */
	unsigned max_connections_per_ip; /* 0: no per-address limit */
	unsigned connection_timeout_s;	 /* idle connection timeout */
	unsigned request_head_timeout_s; /* whole request head */
	unsigned min_body_bytes_per_s;	 /* 0: any upload rate */
	unsigned metrics_max_functions;	 /* function series in /metrics */
	unsigned max_log_followers;	/* GET .../logs?follow=1 per function */
	size_t connection_memory_bytes; /* per-connection header memory */
	uint32_t shutdown_grace_ms;	/* in-flight calls after SIGTERM */
	uint32_t startup_hold_ms; /* connections wait this long for ready */
	enum log_level log_level;
	/* Every thread runs under SCHED_BATCH (set in main.c):
	 * a thread woken by a request or a finished call does not preempt the
	 * thread running, so wake-ups coalesce under load. */
	int batch_scheduling;

	/* API security */
	char admin_token_file[PATH_MAX];  /* "" = admin API unguarded */
	char invoke_token_file[PATH_MAX]; /* "" = invocation unguarded */
	int allow_insecure_remote; /* non-loopback listen without a token */
	int metrics_public;	   /* /metrics open even with an admin token */
	/* Crash details (addresses, registers) in HTTP error messages:
	 * "fault_details_to_clients" true, false, or unset (-1): true only
	 * when listening on a loopback address. The function's log always
	 * has them. fault_details_to_clients is what applies, set by
	 * glintd_config_resolve. */
	int fault_details;
	int fault_details_to_clients;
	char tls_cert_file[PATH_MAX]; /* both or neither */
	char tls_key_file[PATH_MAX];

	/* Read by glintd_config_load_secrets. */
	char admin_token[GLINTD_TOKEN_MAX]; /* "" when none */
	char invoke_token[GLINTD_TOKEN_MAX];
	char *tls_cert_pem; /* malloc'd, NUL-terminated; NULL without TLS */
	char *tls_key_pem;
};

#define GLINTD_DEFAULT_LISTEN "127.0.0.1:8080"
/* Relative to the working directory, so the daemon runs without root from
 * the build tree; the installed glintd.conf says /var/lib/glint. */
#define GLINTD_DEFAULT_STATE_DIR "./var/glint"
/* Loaded when it exists and neither --config nor --no-config is given. */
#ifndef GLINTD_DEFAULT_CONFIG
#define GLINTD_DEFAULT_CONFIG "/etc/glint/glintd.conf"
#endif

void glintd_config_default(struct glintd_config *cfg);

/* "ADDR:PORT" with a dotted-quad IPv4 address; -EINVAL otherwise. */
int glintd_config_set_listen(struct glintd_config *cfg, const char *spec);

/*
 * Loads a JSON config file over cfg (see config/glintd.conf for the keys).
 * Keys starting with "_comment" are ignored anywhere. Returns 0, or
 * -EINVAL / -errno with a message in err naming the file and the key, e.g.
 * `FILE: "workers" must be an integer from 0 to 1024`, or
 * `FILE:3:14: invalid JSON: ...`. On error cfg may be partly changed.
 */
int glintd_config_load_file(struct glintd_config *cfg, const char *path,
			    char *err, size_t err_len);

/*
 * Defaults, then the config file (--config FILE, or GLINTD_DEFAULT_CONFIG
 * when it exists, or none with --no-config), then the other flags. Returns
 * 0 to run, 1 when --help or --version printed its text to stdout (exit
 * 0), or negative with a message in err (usage or config error, exit 2).
 */
int glintd_config_parse_args(struct glintd_config *cfg, int argc, char **argv,
			     char *err, size_t err_len);

/* Reads the token and TLS files the config names; 0 or negative with a
 * message naming the setting and the file. */
int glintd_config_load_secrets(struct glintd_config *cfg, char *err,
			       size_t err_len);

/* Refuses (-EPERM, message says why) to serve on addr when it is not a
 * loopback address, no admin token is set and allow_insecure_remote is
 * off. */
int glintd_config_check_exposure(const struct glintd_config *cfg,
				 const struct sockaddr *addr, char *err,
				 size_t err_len);

/* Settles what depends on the address served (addr): whether fault
 * details reach HTTP clients. */
void glintd_config_resolve(struct glintd_config *cfg,
			   const struct sockaddr *addr);

/* A secret file setting (token or TLS file) -> the file to open: a name
 * without '/' is $CREDENTIALS_DIRECTORY/NAME when the service manager set
 * that (LoadCredential=), else the setting itself. -ENAMETOOLONG. */
int glintd_config_secret_path(const char *name, char *out, size_t len);

struct glintd_config_reload_report {
	char error[512];	  /* why nothing was applied */
	char applied[256];	  /* settings that changed and now apply */
	char restart_needed[256]; /* settings that changed, ignored until a
				     restart */
};

/*
 * Reload (SIGHUP): builds the settings afresh exactly as at start-up
 * (defaults, config file, the same flags), reads the secrets again and
 * checks the exposure rule for the address being served (addr). On
 * success copies into cfg what the running daemon reads per request
 * (tokens, log level, function defaults, body limits, shutdown grace,
 * allow_insecure_remote) and lists in rep what changed and what needs a
 * restart; returns 0. On error cfg is untouched, rep->error says why.
 * Loop thread only: cfg is read there without locks.
 */
int glintd_config_reload(struct glintd_config *cfg, int argc, char **argv,
			 const struct sockaddr *addr,
			 struct glintd_config_reload_report *rep);

/* Frees what glintd_config_load_secrets allocated; safe to repeat. */
void glintd_config_release(struct glintd_config *cfg);

void glintd_config_usage(FILE *out);

#endif /* GLINT_GLINTD_CONFIG_H */
