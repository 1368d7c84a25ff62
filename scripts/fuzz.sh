#!/usr/bin/env bash
# fuzz.sh: builds glint's fuzz targets with clang + libFuzzer (ASan, UBSan) and runs each for a bounded time.
#
#   scripts/fuzz.sh [--seconds N] [--build DIR] [TARGET...]
#
# Targets: image imagesym exit json http settings config fetch hostcall
# kvapi (default: all, or $GLINT_FUZZ_TARGETS). DIR (default _build-fuzzer) is configured with
# CC=clang on first use. Each target reads its seeds from
# tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET and writes new
# inputs to DIR/tests/fuzz/work/TARGET only (the tree is never written);
# tests/fuzz/dict/TARGET.dict is used when it exists.
# A crash, leak, sanitizer report or timeout fails the run; the input is
# left in DIR/tests/fuzz/crashes/ to be copied to
# tests/fuzz/regressions/TARGET/ once fixed. Needs clang and the libFuzzer
# runtime (Debian: clang, libclang-rt-14-dev; scripts/deps.sh --test).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=30
build=$top/_build-fuzzer
all_targets=(image imagesym exit json http settings config fetch hostcall kvapi)
targets=()

while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=${2:-}; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ -n "$seconds" ] || seconds=30
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"${GLINT_FUZZ_TARGETS:-}"
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
	[[ " ${all_targets[*]} " == *" $t "* ]] ||
		{ echo "fuzz.sh: unknown target '$t' (${all_targets[*]})" >&2; exit 2; }
done

cc=${FUZZ_CC:-clang}
command -v "$cc" >/dev/null ||
	{ echo "fuzz.sh: $cc not found (Debian packages clang, libclang-rt-14-dev)" >&2; exit 1; }
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$build"
build=$(cd "$build" && pwd)
if [ ! -f "$build/Makefile" ]; then
	echo "fuzz.sh: configuring $build with $cc"
	# Conftest programs must not trip LeakSanitizer.
	(cd "$build" && ASAN_OPTIONS=detect_leaks=0 "$top/configure" -q \
		CC="$cc" CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san" \
		LDFLAGS="$san")
fi
progs=()
for t in "${targets[@]}"; do progs+=("tests/fuzz/fuzz_$t"); done
make -C "$build" -j2 -s "${progs[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
mkdir -p "$build/tests/fuzz/crashes"
for t in "${targets[@]}"; do
	work=$build/tests/fuzz/work/$t
	mkdir -p "$work"
	seeds=("$top/tests/fuzz/corpus/$t")
	[ -d "$top/tests/fuzz/regressions/$t" ] &&
		seeds+=("$top/tests/fuzz/regressions/$t")
	dict=()
	[ -f "$top/tests/fuzz/dict/$t.dict" ] &&
		dict=(-dict="$top/tests/fuzz/dict/$t.dict")
	echo "fuzz.sh: $t for ${seconds}s"
	log=$build/tests/fuzz/fuzz_$t.log
	if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$build/tests/fuzz/crashes/$t-" "${dict[@]}" \
		"$work" "${seeds[@]}" >"$log" 2>&1; then
		grep -E 'DONE +cov:' "$log" |
			sed "s/^/fuzz.sh: $t: /" || true
	else
		tail -n 60 "$log"
		echo "fuzz.sh: $t FAILED; input in $build/tests/fuzz/crashes/" >&2
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz.sh: failed: ${failed[*]} (copy the input to tests/fuzz/regressions/TARGET/ with the fix)" >&2
	exit 1
fi
echo "fuzz.sh: ${targets[*]}: no crash in ${seconds}s each"
