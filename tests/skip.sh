# skip.sh: sourced by the shell tests: the rule of tests/kvm_required.h.
# test_skip WHY [REQUIRED]: exit 77 (automake's SKIP), or fail with 1 when
# REQUIRED is 1 or GLINT_REQUIRE_ALL=1 says every test must run here.
test_skip() {
	if [ "${2:-}" = 1 ] || [ "${GLINT_REQUIRE_ALL:-}" = 1 ]; then
		echo "FAIL: $1, and every test must run here"
		exit 1
	fi
	echo "SKIP: $1"
	exit 77
}

# kvm_required: call before the first test that needs /dev/kvm.
kvm_required() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		test_skip "/dev/kvm is not usable" "${GLINT_REQUIRE_KVM:-}"
	fi
}
