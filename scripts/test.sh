#!/usr/bin/env bash
# test.sh: installs what is missing, builds with -Werror and runs the whole
# test suite (unit, KVM, end-to-end, format check, distcheck).
# Set GLINT_REQUIRE_KVM=1 to make KVM tests fail instead of skip without /dev/kvm.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/deps.sh --test
rm -rf _build
bash scripts/build.sh --enable-werror
cd _build
status=0
make -j"$(nproc)" check || status=$?
for log in test-suite.log tests/*.log tests/*/*.log; do
	# show the failing tests' logs so CI output says what went wrong
	[ "$status" -ne 0 ] && [ -f "$log" ] && grep -l '^FAIL' "$log" >/dev/null 2>&1 && cat "$log"
done
[ "$status" -eq 0 ] || { echo "test.sh: make check failed" >&2; exit "$status"; }
make check-format
make distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null
echo "test.sh: all tests passed"
