#!/bin/sh
# glint_run_kvm.sh: glint-run running real guest images on KVM.
set -u

. "${GLINT_SRCDIR:?}/tests/skip.sh"
kvm_required

b="${GLINT_BUILDDIR:?}"
# Every call gets a deadline far above its work (glint-run's default is
# 1 s); the one case about deadlines passes its own, later, --timeout.
glint_run="$b/glint-run"
run() { "$glint_run" --timeout 30000 "$@"; }
echo_elf="$b/guest/examples/echo.elf"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/glint-run-kvm.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"; [ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err"
	fails=$((fails + 1))
}

[ -f "$echo_elf" ] || { echo "FAIL: $echo_elf was not built"; exit 1; }

# echo: the output is the input, byte for byte, including NULs and 0xff.
head -c 3000 /dev/urandom >"$tmp/in"
printf '\000\377\n' >>"$tmp/in"
if run "$echo_elf" --input "$tmp/in" >"$tmp/out" 2>"$tmp/err" && cmp -s "$tmp/in" "$tmp/out"; then
	echo "ok: echo returns its input"
else
	fail "echo did not return its input"
fi

# Input from stdin, several calls: each call's output in turn.
if run "$echo_elf" --input - --repeat 3 <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &&
	cat "$tmp/in" "$tmp/in" "$tmp/in" | cmp -s - "$tmp/out"; then
	echo "ok: echo --repeat 3 from stdin"
else
	fail "echo --repeat 3 from stdin"
fi

# No input: empty output.
if run "$echo_elf" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/out" ]; then
	echo "ok: echo without input"
else
	fail "echo without input"
fi

# --stats: timings of every phase on stderr, output unchanged.
if run "$echo_elf" --input "$tmp/in" --repeat 20 --stats >"$tmp/out" 2>"$tmp/err" &&
	grep -q '^boot: create .* us, init .* us, snapshot .* us' "$tmp/err" &&
	grep -q '^calls: 20$' "$tmp/err" &&
	grep -q 'call  *median .* us, p99 ' "$tmp/err" &&
	grep -q 'restore  *median ' "$tmp/err" &&
	grep -q 'dirty pages  *median ' "$tmp/err" &&
	[ "$(wc -c <"$tmp/out")" = $((20 * $(wc -c <"$tmp/in"))) ]; then
	echo "ok: --stats"; sed 's/^/  /' "$tmp/err"
else
	fail "--stats"
fi

# A corrupt copy of a real image: the validator's message, exit 2.
cp "$echo_elf" "$tmp/bad.elf"
printf '\003' | dd of="$tmp/bad.elf" bs=1 seek=18 conv=notrunc 2>/dev/null # e_machine = EM_386
run "$tmp/bad.elf" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ "$st" = 2 ] && grep -q '^glint-run: .*bad.elf: not an x86-64 executable (machine 3)$' "$tmp/err"; then
	echo "ok: corrupt image exits 2"
else
	fail "corrupt image: exit $st"
fi

# hello: JSON in, JSON out, its log line on stderr with the call id.
printf '{"name": "glint"}' >"$tmp/hello.in"
if run "$b/guest/examples/hello.elf" --input "$tmp/hello.in" >"$tmp/out" 2>"$tmp/err" &&
	[ "$(cat "$tmp/out")" = '{"greeting":"Hello, glint!"}' ] &&
	grep -q '^\[call 1\] info: greeted glint$' "$tmp/err"; then
	echo "ok: hello answers JSON"
else
	fail "hello: got '$(cat "$tmp/out")'"
fi

# expect_exit STATUS IMAGE INPUT MESSAGE [ARGS...]: glint-run IMAGE with
# INPUT must exit STATUS, print MESSAGE on its one "glint-run: " line and
# nothing on stdout.
expect_exit() {
	want=$1 img="$b/$2" msg=$4
	printf '%s' "$3" >"$tmp/case.in"
	shift 4
	if [ ! -f "$img" ]; then
		fail "$img was not built"; return
	fi
	run "$img" --input "$tmp/case.in" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = "$want" ] && [ "$(grep -c '^glint-run: ' "$tmp/err")" = 1 ] &&
		grep -qF -- "$msg" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		echo "ok: $(basename "$img") '$(cat "$tmp/case.in")' exits $st: $(grep '^glint-run: ' "$tmp/err")"
	else
		fail "$(basename "$img") '$(cat "$tmp/case.in")': exit $st, want $want and '$msg'"
	fi
}

h=tests/guests/hostile.elf
expect_exit 1 $h fail "glint-run: function error: nope"
expect_exit 1 $h abort "glint-run: abort: boom"
expect_exit 1 $h null-read "glint-run: exception: page fault (#PF)"
expect_exit 1 $h write-pt "accessing 0x40000000 (write"
expect_exit 1 $h div0 "glint-run: exception: divide error (#DE)"
expect_exit 1 $h loop "glint-run: timeout: " --timeout 50
expect_exit 1 $h big-output "glint-run: output_too_large: " 
expect_exit 1 tests/guests/initfail.elf "" "init failed on purpose"
expect_exit 1 tests/guests/noready.elf "" "READY"
expect_exit 2 tests/guests/badabi.elf "" "badabi.elf: image built for glint ABI 999; this glintd runs ABI 2: rebuild it against the current guest SDK (pkg-config glint-guest)"
expect_exit 2 tests/guests/hugebss.elf "" "hugebss.elf: image needs"
# hugebss fits once the VM is large enough.
if run "$b/tests/guests/hugebss.elf" --memory 128 --input "$tmp/hello.in" >"$tmp/out" 2>"$tmp/err" &&
	cmp -s "$tmp/hello.in" "$tmp/out"; then
	echo "ok: hugebss runs with --memory 128"
else
	fail "hugebss with --memory 128"
fi

# A guest whose log buffer overflows: the lines it dropped are reported.
printf 'log-tiny' >"$tmp/tiny.in"
if run "$b/$h" --input "$tmp/tiny.in" >"$tmp/out" 2>"$tmp/err" &&
	grep -Eq '^\[call 1\] warning: [1-9][0-9]* log line\(s\) dropped: the call.s log buffer was full$' "$tmp/err"; then
	echo "ok: dropped guest log lines are reported"
else
	fail "dropped guest log lines not reported"
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
