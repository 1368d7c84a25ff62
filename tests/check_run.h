/* check_run.h: runs a Check suite and turns its result into an exit status. */
#ifndef GLINT_TESTS_CHECK_RUN_H
#define GLINT_TESTS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Runs every test of s (taking ownership of it) and returns EXIT_SUCCESS
 * when none failed: the last line of each test binary's main(). */
static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* GLINT_TESTS_CHECK_RUN_H */
