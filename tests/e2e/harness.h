/* harness.h: starts the real glintd on a free loopback port and talks to it with libcurl. */
#ifndef GLINT_TESTS_E2E_HARNESS_H
#define GLINT_TESTS_E2E_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The daemon runs as a child of the test process with PR_SET_PDEATHSIG, so
 * it dies with the test even when a test crashes. Its stderr goes to
 * <state_dir>/../glintd.log, shown by harness_dump_log on failure.
 */
struct glintd_proc {
	pid_t pid;
	uint16_t port;
	char dir[256];	     /* temporary directory owned by the harness */
	char state_dir[300]; /* dir/state */
	char log_path[300];
	char base_url[64];
	size_t log_skip; /* log bytes written by earlier runs */
};

struct http_resp {
	long status;
	char *body; /* NUL-terminated; len excludes the NUL */
	size_t len;
	char *headers; /* raw header block of the final response */
	size_t headers_len;
	double total_s;
	const char *error; /* libcurl's words when the request failed */
};

/* Path of a built artefact under GLINT_BUILDDIR (static buffer). */
const char *harness_built(const char *rel);

/* Makes a fresh temporary directory and starts glintd there; extra is a
 * NULL-terminated list of more flags, may be NULL. Waits for /readyz. */
int harness_start(struct glintd_proc *g, const char *const *extra);
/* Starts glintd again on the same state directory (after a stop). */
int harness_restart(struct glintd_proc *g, const char *const *extra);
/* SIGTERM, then SIGKILL after timeout_ms; returns the exit status as from
 * waitpid, or -1. */
int harness_stop(struct glintd_proc *g, unsigned timeout_ms);
/* Stops (if running) and removes the temporary directory. */
void harness_cleanup(struct glintd_proc *g);
void harness_dump_log(const struct glintd_proc *g);

/* One request; body may be NULL. Returns 0 when a response arrived. Every
 * response is checked for X-Request-Id and Server-Timing (aborts the test
 * when missing). */
int harness_request(const struct glintd_proc *g, const char *method,
		    const char *path, const void *body, size_t len,
		    struct http_resp *out);
/* The same on a caller's CURL easy handle, whose connection is kept for
 * the next request. */
int harness_request_on(void *curl, const struct glintd_proc *g,
		       const char *method, const char *path, const void *body,
		       size_t len, struct http_resp *out);
void http_resp_free(struct http_resp *r);
/* Value of a response header (case-insensitive name), malloc'd, or NULL. */
char *http_resp_header(const struct http_resp *r, const char *name);

/* Reads a whole file; malloc'd. */
void *harness_read_file(const char *path, size_t *len_out);
/* PUT the image file at path as function name, with query (may be ""). */
int harness_deploy(const struct glintd_proc *g, const char *name,
		   const char *image_path, const char *query,
		   struct http_resp *out);

/* Value of the /metrics sample series (its name and labels exactly as
 * glintd renders them, e.g. glint_queue_depth{function="f"}), or -1 when
 * it is absent. */
long harness_metric(const struct glintd_proc *g, const char *series);
/* Polls /metrics until series has the value want: the way a test waits
 * for a call to be running or queued, on a host of any speed. Returns 0,
 * or -ETIMEDOUT after timeout_ms. */
int harness_wait_metric(const struct glintd_proc *g, const char *series,
			long want, unsigned timeout_ms);

#endif /* GLINT_TESTS_E2E_HARNESS_H */
