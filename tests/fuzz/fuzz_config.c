/* fuzz_config.c: fuzz target for glintd's config file loader and --listen parser. */
#define _GNU_SOURCE /* memfd_create */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "glintd_config.h"

/*
 * Input: the bytes of a config file. glintd_config_load_file only takes a
 * path, so the input is written to a memfd and loaded through
 * /proc/self/fd/N: the public entry point, no copy of its internals. The
 * input (up to its first NUL) is also given to glintd_config_set_listen.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static int config_fd = -1;
static char config_path[64];

static int open_memfd(void)
{
	if (config_fd >= 0)
		return 0;
	config_fd = memfd_create("glintd.conf", MFD_CLOEXEC);
	if (config_fd < 0)
		return -errno;
	snprintf(config_path, sizeof(config_path), "/proc/self/fd/%d",
		 config_fd);
	return 0;
}

static int write_input(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(config_fd, 0) < 0)
		return -errno;
	while (off < size) {
		ssize_t n =
			pwrite(config_fd, data + off, size - off, (off_t)off);

		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}

/* What a loaded config promises the rest of glintd. */
static void check_loaded(const struct glintd_config *cfg)
{
	struct in_addr a;
	char err[256];

	if (!TERMINATED(cfg->config_path) || !TERMINATED(cfg->listen_host) ||
	    !TERMINATED(cfg->state_dir) || !TERMINATED(cfg->admin_token_file) ||
	    !TERMINATED(cfg->invoke_token_file) ||
	    !TERMINATED(cfg->tls_cert_file) || !TERMINATED(cfg->tls_key_file))
		abort();
	if (strcmp(cfg->config_path, config_path) != 0 ||
	    cfg->engine.state_dir != cfg->state_dir || !cfg->state_dir[0] ||
	    inet_pton(AF_INET, cfg->listen_host, &a) != 1 ||
	    !cfg->tls_cert_file[0] != !cfg->tls_key_file[0] ||
	    cfg->engine.workers > 1024 || cfg->max_invoke_bytes < 1 ||
	    cfg->max_connections < 1)
		abort();
	if (function_settings_check(&cfg->engine.defaults, err, sizeof(err)))
		abort();
}

static void fuzz_listen(const uint8_t *data, size_t size)
{
	struct glintd_config cfg;
	char spec[128];
	struct in_addr a;
	size_t n = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;

	memcpy(spec, data, n);
	spec[n] = '\0';
	glintd_config_default(&cfg);
	if (glintd_config_set_listen(&cfg, spec) == 0 &&
	    (!TERMINATED(cfg.listen_host) ||
	     inet_pton(AF_INET, cfg.listen_host, &a) != 1 ||
	     strncmp(spec, cfg.listen_host, strlen(cfg.listen_host)) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct glintd_config cfg; /* large: keep it off the stack */
	char err[512];
	int rc;

	fuzz_listen(data, size);
	if (open_memfd() < 0 || write_input(data, size) < 0)
		return 0;
	glintd_config_default(&cfg);
	memset(err, 0, sizeof(err));
	rc = glintd_config_load_file(&cfg, config_path, err, sizeof(err));
	if (rc == 0) {
		check_loaded(&cfg);
	} else if (rc != -EINVAL ||
		   strncmp(err, config_path, strlen(config_path)) != 0 ||
		   !TERMINATED(err)) {
		abort(); /* every failure names the file */
	}
	glintd_config_release(&cfg);
	return 0;
}
