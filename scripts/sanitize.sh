#!/usr/bin/env bash
# sanitize.sh: builds glint with ASan + UBSan and runs the whole test suite there; any sanitizer report fails.
#
#   scripts/sanitize.sh [--build DIR] [make check arguments, e.g. TESTS='...']
#
# DIR (default _build-asan) is configured from scratch. Reports go to files
# (ASan/LSan/UBSan log_path) rather than stderr, so reports from children
# the tests start and only stop at the end (glintd in tests/e2e, tests/cli)
# are seen even when a test does not look at the child's exit status, and
# tests that read glintd's stderr are not disturbed. After make check, any
# report file fails the run and is printed. Guest images are built with
# their own flags (guest/local.mk), never with these.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build-asan
if [ "${1:-}" = "--build" ]; then
	build=$2
	shift 2
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
rm -rf "$build"
mkdir -p "$build"
build=$(cd "$build" && pwd)
reports=$build/sanitizer-reports
mkdir -p "$reports"
cd "$build"
# Conftest programs must not trip LeakSanitizer.
ASAN_OPTIONS=detect_leaks=0 "$top/configure" -q --enable-werror \
	CFLAGS="-g -O1 $san" LDFLAGS="$san"
make -j2 -s >/dev/null

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:exitcode=86:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$reports/ubsan"
export LSAN_OPTIONS="exitcode=86:suppressions=$top/scripts/sanitize-lsan.supp:print_suppressions=0"
status=0
make -j2 check "$@" || status=$?
# Every test that did not pass has its log in test-suite.log (automake).
if [ "$status" -ne 0 ] && [ -f test-suite.log ]; then
	cat test-suite.log
fi
found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
	for f in $found; do
		echo "==== $f"
		cat "$f"
	done
	echo "sanitize.sh: $(echo "$found" | wc -l) sanitizer report(s), see above" >&2
	exit 1
fi
[ "$status" -eq 0 ] || { echo "sanitize.sh: make check failed under ASan/UBSan" >&2; exit "$status"; }
echo "sanitize.sh: all tests passed under ASan + UBSan, no reports"
