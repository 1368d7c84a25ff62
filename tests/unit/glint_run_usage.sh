#!/bin/sh
# glint_run_usage.sh: glint-run's command-line and image errors (no KVM needed).
set -u

run="${GLINT_BUILDDIR:?}/glint-run"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/glint-run-usage.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect STATUS MESSAGE ARGS...: glint-run ARGS must exit STATUS and print
# exactly one stderr line, starting "glint-run: " and containing MESSAGE.
expect() {
	want=$1 msg=$2
	shift 2
	"$run" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$got" != "$want" ]; then
		echo "FAIL: glint-run $*: exit $got, want $want"; fails=$((fails + 1))
	elif [ "$lines" != 1 ] || ! head -n 1 "$tmp/err" | grep -q '^glint-run: '; then
		echo "FAIL: glint-run $*: want one 'glint-run: ' line, got:"
		cat "$tmp/err"; fails=$((fails + 1))
	elif ! grep -qF -- "$msg" "$tmp/err"; then
		echo "FAIL: glint-run $*: message lacks '$msg':"
		cat "$tmp/err"; fails=$((fails + 1))
	elif [ -s "$tmp/out" ]; then
		echo "FAIL: glint-run $*: wrote to stdout"; fails=$((fails + 1))
	else
		echo "ok: glint-run $* -> $got: $(cat "$tmp/err")"
	fi
}

# --help: usage on stdout, success.
if "$run" --help >"$tmp/out" 2>"$tmp/err" && grep -q '^Usage: glint-run IMAGE' "$tmp/out" &&
	grep -q -- '--repeat' "$tmp/out" && [ ! -s "$tmp/err" ]; then
	echo "ok: glint-run --help"
else
	echo "FAIL: glint-run --help"; fails=$((fails + 1))
fi

printf 'this is not an image\n' >"$tmp/text.elf"
printf '\177ELF\002\001\001\000' >"$tmp/short.elf"
# A shared object: the usual output of a default, position-independent build.
head -c 4096 /bin/sh >"$tmp/pie.elf"
: >"$tmp/empty.in"

expect 2 "no image given"
expect 2 "unexpected argument 'b.elf'" a.elf b.elf
expect 2 "unknown option '--bogus'" --bogus "$tmp/text.elf"
expect 2 "option '--memory' needs a value" "$tmp/text.elf" --memory
expect 2 "--memory: '0' is not a number from 1 to 1024" --memory 0 "$tmp/text.elf"
expect 2 "--memory: '1025' is not a number from 1 to 1024" --memory=1025 "$tmp/text.elf"
expect 2 "--memory: '16M' is not a number" -m 16M "$tmp/text.elf"
expect 2 "--memory: '-1' is not a number" --memory=-1 "$tmp/text.elf"
expect 2 "--timeout: '0' is not a number from 1 to 3600000" --timeout 0 "$tmp/text.elf"
expect 2 "--timeout: '99999999999999999999999' is not a number" --timeout 99999999999999999999999 "$tmp/text.elf"
expect 2 "--repeat: '' is not a number" --repeat "" "$tmp/text.elf"
expect 2 "--repeat: '1000001' is not a number from 1 to 1000000" --repeat 1000001 "$tmp/text.elf"
expect 2 "cannot open input $tmp/none.in: No such file or directory" --input "$tmp/none.in" "$tmp/text.elf"
expect 2 "cannot read input $tmp: Is a directory" --input "$tmp" "$tmp/text.elf"
expect 2 "cannot open $tmp/none.elf: No such file or directory" "$tmp/none.elf"
expect 2 "$tmp is not a regular file" "$tmp"
expect 2 "$tmp/text.elf: not an ELF file (bad magic number)" "$tmp/text.elf"
expect 2 "$tmp/short.elf: file is too short for an ELF header (8 bytes)" "$tmp/short.elf"
expect 2 "shared object / position-independent executable" --input "$tmp/empty.in" "$tmp/pie.elf"

# Input larger than the input area of a 1 MiB VM.
head -c 2000000 /dev/zero >"$tmp/big.in"
expect 2 "input is larger than the" --memory 1 --input "$tmp/big.in" "$tmp/text.elf"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
