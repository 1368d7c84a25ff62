/* glintd_config.h: every glintd setting in one struct, and command-line parsing. */
#ifndef GLINT_GLINTD_CONFIG_H
#define GLINT_GLINTD_CONFIG_H

/* Not "config.h": that name is autoconf's, included first by every .c. */

#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "log.h"

/*
 * Plain data, filled by glintd_config_default and then by flags (a config
 * file can later be loaded into the same struct). engine.state_dir points
 * into state_dir.
 */
struct glintd_config {
	char listen_host[64]; /* IPv4 address */
	uint16_t listen_port; /* 0: the kernel picks one (logged) */
	char state_dir[PATH_MAX];
	struct engine_config engine;
	size_t max_invoke_bytes;	/* invoke body limit */
	unsigned max_connections;	/* concurrent HTTP connections */
	unsigned connection_timeout_s;	/* idle connection timeout */
	size_t connection_memory_bytes; /* per-connection header memory */
	uint32_t shutdown_grace_ms;	/* in-flight calls after SIGTERM */
	enum log_level log_level;
};

#define GLINTD_DEFAULT_LISTEN "127.0.0.1:8080"
/* Relative to the working directory, so the daemon runs without root from
 * the build tree; packaged installs pass --state-dir /var/lib/glint. */
#define GLINTD_DEFAULT_STATE_DIR "./var/glint"

void glintd_config_default(struct glintd_config *cfg);

/* "ADDR:PORT" with a dotted-quad IPv4 address; -EINVAL otherwise. */
int glintd_config_set_listen(struct glintd_config *cfg, const char *spec);

/*
 * Parses argv. Returns 0 to run, 1 when --help or --version printed its
 * text to stdout (exit 0), or -EINVAL with a message in err (usage error,
 * exit 2).
 */
int glintd_config_parse_args(struct glintd_config *cfg, int argc, char **argv,
			     char *err, size_t err_len);

void glintd_config_usage(FILE *out);

#endif /* GLINT_GLINTD_CONFIG_H */
