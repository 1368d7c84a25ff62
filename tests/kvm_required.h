/* kvm_required.h: how KVM test binaries decide to skip (exit 77) or fail. */
#ifndef GLINT_TESTS_KVM_REQUIRED_H
#define GLINT_TESTS_KVM_REQUIRED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Call first in main() of every test binary that needs /dev/kvm. Without a
 * usable /dev/kvm it exits 77 (automake's "skipped"), or 1 when the
 * environment sets GLINT_REQUIRE_KVM=1, as CI does. */
static inline void kvm_required(void)
{
	const char *req = getenv("GLINT_REQUIRE_KVM");

	if (access("/dev/kvm", R_OK | W_OK) == 0)
		return;
	if (req && strcmp(req, "1") == 0) {
		fprintf(stderr, "FAIL: /dev/kvm is not usable and "
				"GLINT_REQUIRE_KVM=1\n");
		exit(1);
	}
	fprintf(stderr, "SKIP: /dev/kvm is not usable\n");
	exit(77);
}

#endif /* GLINT_TESTS_KVM_REQUIRED_H */
