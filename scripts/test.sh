#!/usr/bin/env bash
# test.sh: installs what is missing, builds with -Werror and runs the whole
# test suite (unit, KVM, end-to-end with a subset of the Wasm spec suite,
# the whole Wasm spec suite, format check, distcheck), then the suite again under ASan + UBSan
# (scripts/sanitize.sh, _build-asan) and every fuzz target under libFuzzer
# for GLINT_FUZZ_SECONDS each (default 20; scripts/fuzz.sh, _build-fuzzer). Stops at the first failing stage, after
# printing the logs that say why.
# Set GLINT_REQUIRE_KVM=1 to make KVM tests fail instead of skip without
# /dev/kvm, GLINT_REQUIRE_ALL=1 (.ci/run does) to make every skip a failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# stage NAME COMMAND...: runs one stage and says how long it took.
stage() {
	local name=$1 start=$SECONDS
	shift
	echo "test.sh: $name"
	"$@"
	echo "test.sh: $name passed in $((SECONDS - start)) s"
}

# Every test that did not pass has its log in test-suite.log (automake).
make_check() {
	if ! make -j"$(nproc)" check; then
		[ -f test-suite.log ] && cat test-suite.log
		echo "test.sh: make check failed" >&2
		return 1
	fi
}

# distcheck's own output is long: kept in a file, shown on failure with the
# test-suite.log of the tarball's build.
distcheck() {
	local log=$top/_build/distcheck.log
	if ! make -j"$(nproc)" distcheck \
		DISTCHECK_CONFIGURE_FLAGS=--enable-werror >"$log" 2>&1; then
		tail -n 60 "$log"
		find "$top/_build" -path '*/_build/sub/test-suite.log' \
			-exec cat {} \;
		echo "test.sh: make distcheck failed (whole output: $log)" >&2
		return 1
	fi
}

# systemd for real, once: boots this host's systemd in a container and runs
# the README's "Running under systemd" in it. It exits 77 where it cannot
# run: a skip, which fails when everything must run (GLINT_REQUIRE_ALL=1).
boot_test() {
	local rc=0
	bash "$top/systemd/boot.test" || rc=$?
	if [ "$rc" -eq 77 ] && [ "${GLINT_REQUIRE_ALL:-0}" != 1 ]; then
		echo "test.sh: SKIP: systemd/boot.test could not run here"
		return 0
	fi
	[ "$rc" -eq 0 ] || echo "test.sh: systemd/boot.test failed ($rc)" >&2
	return "$rc"
}

stage "dependencies" bash scripts/deps.sh --test
rm -rf _build
stage "build (-Werror)" bash scripts/build.sh --enable-werror
cd _build
# make check runs 24 files of the WebAssembly core spec suite
# (tests/wasm/spec.test); the next stage runs every file of it (167, of
# which 101 convert with this wabt), one per CPU: 7 min on a loaded
# 2-core machine.
stage "make check" make_check
stage "Wasm spec suite, every file" make check-wasm-spec
stage "make check-format" make check-format
stage "systemd, booted" boot_test
stage "make distcheck" distcheck
cd "$top"
stage "ASan + UBSan" bash scripts/sanitize.sh --build _build-asan
rm -rf _build-fuzzer
stage "fuzzers" bash scripts/fuzz.sh --build _build-fuzzer \
	--seconds "${GLINT_FUZZ_SECONDS:-20}"
echo "test.sh: all tests passed in $SECONDS s"
