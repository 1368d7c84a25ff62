/* kvm_required.h: how test binaries decide to skip (exit 77) or fail. */
#ifndef GLINT_TESTS_KVM_REQUIRED_H
#define GLINT_TESTS_KVM_REQUIRED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Check has no per-test skip, so a test that can legitimately not run here
 * (no /dev/kvm, no mount namespace, no openssl) lives in a binary of its
 * own that exits 77, which automake reports as SKIP. Where everything must
 * run (CI sets GLINT_REQUIRE_ALL=1; GLINT_REQUIRE_KVM=1 for KVM alone) a
 * skip is a failure instead.
 */
static inline int test_env_is_1(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "1") == 0;
}

/* Ends the test binary: skipped, or failed when everything must run. */
static inline void test_skip(const char *why, int required)
{
	if (required || test_env_is_1("GLINT_REQUIRE_ALL")) {
		fprintf(stderr, "FAIL: %s, and every test must run here\n",
			why);
		exit(1);
	}
	fprintf(stderr, "SKIP: %s\n", why);
	exit(77);
}

/* Call first in main() of every test binary that needs /dev/kvm. */
static inline void kvm_required(void)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0)
		test_skip("/dev/kvm is not usable",
			  test_env_is_1("GLINT_REQUIRE_KVM"));
}

#endif /* GLINT_TESTS_KVM_REQUIRED_H */
