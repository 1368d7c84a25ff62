/* robust_util.h: helpers shared by the robustness tests: error checks, deploys and background traffic. */
#ifndef GLINT_TESTS_ROBUST_UTIL_H
#define GLINT_TESTS_ROBUST_UTIL_H

#include <pthread.h>
#include <stddef.h>

#include "tests/e2e/harness.h"

/* Checks status, error code and (when in_message is not NULL) a part of the
 * message of a glintd JSON error body; fails the test otherwise. */
void robust_assert_error(const struct http_resp *r, long status,
			 const char *code, const char *in_message);
/* Deploys elf (relative to GLINT_BUILDDIR) as name and checks the status. */
void robust_deploy(const struct glintd_proc *g, const char *name,
		   const char *elf, const char *query, long want);
/* POST /invoke/name with in; the response must arrive. */
void robust_invoke(const struct glintd_proc *g, const char *name,
		   const void *in, size_t in_len, struct http_resp *r);

/*
 * Well-behaved traffic on its own thread and kept-alive connection: "echo"
 * with varied binary inputs (answer must be byte-exact) or "hello" with a
 * JSON name (answer must be the exact greeting). Failures are counted and
 * the first one described; the test asserts on them after robust_good_stop.
 */
enum robust_good_kind { ROBUST_GOOD_ECHO, ROBUST_GOOD_HELLO };

struct robust_good {
	const struct glintd_proc *g;
	const char *function;
	enum robust_good_kind kind;
	pthread_t thread;
	volatile int stop;
	unsigned calls, failures;
	char first_failure[256];
};

void robust_good_start(struct robust_good *b, const struct glintd_proc *g,
		       const char *function, enum robust_good_kind kind);
/* Waits for the first call (cap a minute), stops the thread and fails the
 * test unless calls > 0 and failures == 0. */
void robust_good_stop(struct robust_good *b);

#endif /* GLINT_TESTS_ROBUST_UTIL_H */
