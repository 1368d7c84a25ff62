/* run_glint.h: runs the built glint binary as a child process and captures what it prints. */
#ifndef GLINT_TESTS_CLI_RUN_GLINT_H
#define GLINT_TESTS_CLI_RUN_GLINT_H

#include <stddef.h>
#include <sys/types.h>

struct glint_run {
	int exit_code; /* -1 when killed by a signal */
	char *out;     /* stdout, NUL-terminated; out_len excludes the NUL */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	size_t err_len;
};

/*
 * Runs $GLINT_BUILDDIR/glint with args (NULL-terminated, without argv[0]).
 * env is a NULL-terminated list of "NAME=value" set in the child (GLINT_URL
 * and GLINT_TOKEN are removed first), may be NULL. stdin_data (may be
 * NULL: empty stdin) is fed on standard input. Aborts the test on set-up
 * failures; free the result with glint_run_free.
 */
void glint_run(const char *const *args, const char *const *env,
	       const void *stdin_data, size_t stdin_len, struct glint_run *r);
/* The same, started in the background: returns the pid; finish with
 * glint_run_wait. */
pid_t glint_run_start(const char *const *args, const char *const *env,
		      const void *stdin_data, size_t stdin_len);
void glint_run_wait(pid_t pid, struct glint_run *r);
void glint_run_free(struct glint_run *r);

/* "glint: ..." on one line, nothing after it: the error format. */
int glint_run_one_error_line(const struct glint_run *r);

/* A loopback port nothing listens on (bound, then closed). */
unsigned glint_run_closed_port(void);

#endif /* GLINT_TESTS_CLI_RUN_GLINT_H */
