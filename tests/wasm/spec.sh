#!/usr/bin/env bash
# spec.sh: the WebAssembly core spec tests through glint's translation path.
#
#   spec.sh BUILDDIR WAST...
#
# Each .wast file is converted with wast2json, its modules translated with
# wasm2c, and a harness (tests/wasm/spec_gen) checks its assertions twice:
# natively, linked with wabt's own wasm2c runtime, and inside a glint
# micro-VM (glint-run), linked with the guest SDK and glint's WASI layer
# and runtime. Prints both counts per file; fails when a file's glint
# count differs from its native count or a harness fails to build or run.
set -uo pipefail
b=$(cd "${1:?usage: spec.sh BUILDDIR WAST...}" && pwd)
shift
sdk="$b/guest/wasi/sdk"
rt=/usr/share/wabt/wasm2c
gcc_inc=$(gcc -print-file-name=include)
# The guest SDK's code generation, and wasm2c's conformance flags.
guest_flags=(-nostdinc -isystem "$gcc_inc" -I"$sdk/include" -O2 -ffreestanding
	-fno-pic -fno-pie -fno-stack-protector -mno-red-zone
	-fno-optimize-sibling-calls -frounding-math -fsignaling-nans
	-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -w -static -nostdlib -no-pie
	-Wl,-z,max-page-size=4096 -Wl,--gc-sections -Wl,-z,norelro
	-Wl,--build-id=none -Wl,-T,"$sdk/lib/glint.ld")
native_flags=(-O2 -fno-optimize-sibling-calls -frounding-math
	-fsignaling-nans -w)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
tot_native=0
tot_glint=0

count() { sed -n 's|^\([0-9]*\)/\([0-9]*\) passed.*|\1 \2|p' "$1" | tail -n1; }

# run_one WAST: converts, translates, builds and runs one file; prints its
# line (and why it failed); returns 1 when glint's count differs.
run_one() {
	local wast=$1 f w i m mods n gl skipped
	f=$(basename "$wast" .wast)
	w="$tmp/$f"
	mkdir -p "$w"
	# The older assert_return_{canonical,arithmetic}_nan commands, as
	# assert_return with a NaN pattern (spec_gen checks it against the
	# function's own result type).
	sed -E 's/^\(assert_return_(canonical|arithmetic)_nan (.*)\)[[:space:]]*$/(assert_return \2 (f32.const nan:\1))/' \
		"$wast" >"$w/$f.wast"
	# The rewrite says f32; where the result is f64, wast2json names
	# every such line at once: those become f64.const, and it runs again.
	if ! wast2json "$w/$f.wast" -o "$w/$f.json" 2>"$w/wast2json.err"; then
		lines=$(sed -n 's|^[^:]*:\([0-9]*\):[0-9]*: error: type mismatch for result 0 of action. got f32, expected f64$|\1|p' \
			"$w/wast2json.err" | sed 's|$|s/(f32.const nan:/(f64.const nan:/|')
		[ -n "$lines" ] && sed -i -e "$lines" "$w/$f.wast"
	fi
	if ! wast2json "$w/$f.wast" -o "$w/$f.json" 2>"$w/wast2json.err"; then
		printf '%-28s not converted by wast2json: %s\n' "$f" \
			"$(head -c 120 "$w/wast2json.err" | head -n1)"
		return 0
	fi
	i=0
	while read -r m; do
		# Modules with imports (spectest, registered modules) are
		# not run: their translations go.
		[ "$m" != "-" ] &&
			wasm2c -n "m$i" "$w/$m" -o "$w/m$i.c" 2>/dev/null &&
			! grep -q '/\* import: ' "$w/m$i.h" ||
			rm -f "$w/m$i.c" "$w/m$i.h"
		i=$((i + 1))
	done < <("$b/tests/wasm/spec_gen" --modules "$w/$f.json")
	"$b/tests/wasm/spec_gen" "$w/$f.json" "$w" >"$w/harness.c" || {
		echo "$f: spec_gen failed"; return 1; }
	ln -sf /usr/include/wasm-rt.h "$w/wasm-rt.h"
	mods=$(ls "$w"/m*.c 2>/dev/null)
	# shellcheck disable=SC2086
	gcc "${native_flags[@]}" -DSPEC_NATIVE -I"$w" -I"$rt" -o "$w/native" \
		"$w/harness.c" $mods "$rt/wasm-rt-impl.c" -lm 2>"$w/native.err" &&
		"$w/native" >"$w/native.out" 2>&1
	# shellcheck disable=SC2086
	gcc "${guest_flags[@]}" -I"$w" -o "$w/guest.elf" "$w/harness.c" $mods \
		-Wl,--start-group "$sdk/lib/libglint-wasi.a" \
		"$sdk/lib/libglint-guest.a" "$sdk/lib/libglint-rt.a" \
		-Wl,--end-group 2>"$w/guest.err" &&
		# The largest function memory: resizing.wast grows a memory to
		# 625 MiB, which a smaller function must refuse (-1).
		"$b/glint-run" "$w/guest.elf" -m 1024 -t 600000 \
			>"$w/glint.out" 2>&1
	n=$(count "$w/native.out" 2>/dev/null)
	gl=$(count "$w/glint.out" 2>/dev/null)
	skipped=$(sed -n 's|.* passed, \([0-9]*\) skipped|\1|p' "$w/glint.out" 2>/dev/null | tail -n1)
	printf '%-28s native %-11s glint %-11s skipped %s\n' "$f" \
		"${n/ //}" "${gl/ //}" "${skipped:-?}"
	echo "${n%% *} ${gl%% *}" >"$w/passed"
	if [ -z "$gl" ] || [ "$n" != "$gl" ]; then
		grep -h '^line' "$w/glint.out" 2>/dev/null | head -n5
		head -n3 "$w/guest.err" 2>/dev/null
		tail -n2 "$w/glint.out" 2>/dev/null
		return 1
	fi
}

# Files run side by side, GLINT_SPEC_JOBS at a time (default: one per
# CPU); their lines are printed in the order given.
jobs=${GLINT_SPEC_JOBS:-$(nproc)}
running=0
for wast in "$@"; do
	f=$(basename "$wast" .wast)
	{ run_one "$wast" >"$tmp/$f.line" 2>&1; echo $? >"$tmp/$f.rc"; } &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for wast in "$@"; do
	f=$(basename "$wast" .wast)
	cat "$tmp/$f.line"
	[ "$(cat "$tmp/$f.rc")" = 0 ] || bad=1
	read -r n gl 2>/dev/null <"$tmp/$f/passed" || continue
	[ -n "$n" ] && tot_native=$((tot_native + n))
	[ -n "$gl" ] && tot_glint=$((tot_glint + gl))
done
echo "total passed: native $tot_native, glint $tot_glint"
exit $bad
