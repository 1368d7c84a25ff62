/* glintd_config.c: glintd's defaults and command-line flags. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glintd_config.h"

void glintd_config_default(struct glintd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	glintd_config_set_listen(cfg, GLINTD_DEFAULT_LISTEN);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 GLINTD_DEFAULT_STATE_DIR);
	engine_config_default(&cfg->engine);
	cfg->engine.state_dir = cfg->state_dir;
	if (!cfg->engine.max_image_bytes)
		cfg->engine.max_image_bytes = 64u << 20;
	cfg->max_invoke_bytes = 6u << 20;
	cfg->max_connections = 1024;
	cfg->connection_timeout_s = 60;
	cfg->connection_memory_bytes = 64u << 10;
	cfg->shutdown_grace_ms = 10000;
	cfg->log_level = LOG_LEVEL_INFO;
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

void glintd_config_usage(FILE *out)
{
	fprintf(out,
		"Usage: glintd [OPTION]...\n"
		"Serve functions in micro-VMs over HTTP.\n\n"
		"  --listen ADDR:PORT   IPv4 address and port (default %s;\n"
		"                       port 0 picks a free port, logged)\n"
		"  --state-dir DIR      deployed functions (default %s,\n"
		"                       relative to the working directory)\n"
		"  --workers N          worker threads, 0 = one per CPU "
		"(default 0)\n"
		"  --log-level LEVEL    error, warn, info or debug "
		"(default info)\n"
		"  --help               show this help and exit\n"
		"  --version            show the version and exit\n",
		GLINTD_DEFAULT_LISTEN, GLINTD_DEFAULT_STATE_DIR);
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
	}
	return -EINVAL;
}

int glintd_config_parse_args(struct glintd_config *cfg, int argc, char **argv,
			     char *err, size_t err_len)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"state-dir", required_argument, NULL, 's'},
		{"workers", required_argument, NULL, 'w'},
		{"log-level", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
		if (set_option(cfg, opt, optarg, err, err_len))
			return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, err_len, "unexpected argument '%s'",
			 argv[optind]);
		return -EINVAL;
	}
	cfg->engine.state_dir = cfg->state_dir;
	return 0;
}
