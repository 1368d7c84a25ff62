#!/usr/bin/env bash
# test.sh: installs what is missing, builds with -Werror and runs the whole
# test suite (unit, KVM, end-to-end, the Wasm spec suite, format check,
# distcheck), then the suite again under ASan + UBSan (scripts/sanitize.sh, _build-asan) and every
# fuzz target under libFuzzer for GLINT_FUZZ_SECONDS each (default 20;
# scripts/fuzz.sh, _build-fuzzer).
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
# The whole WebAssembly core spec suite (make check runs a subset).
make check-wasm-spec
make check-format
make distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null
cd "$top"
bash scripts/sanitize.sh --build _build-asan
rm -rf _build-fuzzer
bash scripts/fuzz.sh --build _build-fuzzer --seconds "${GLINT_FUZZ_SECONDS:-20}"
echo "test.sh: all tests passed"
