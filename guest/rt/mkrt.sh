#!/bin/sh
# mkrt.sh: builds libglint-rt.a, the guest's libm and compiler helpers, from
# objects selected out of Debian's static libraries (musl-dev's libc.a for
# the math functions, gcc's libgcc.a for 128-bit arithmetic and the like).
#
#   mkrt.sh OUT.a LIST MUSL_LIBC.a LIBGCC.a
#
# LIST names the symbols the SDK promises (one per line, '#' comments). The
# objects defining them are taken, plus every object they need in turn,
# and nothing else: the rest of musl (stdio, syscalls, threads) can never be
# linked into a guest. The build fails when the selection would need any
# symbol outside itself except the few the guest runtime provides, so a
# musl update that drags in errno or system calls is caught here.
#
# musl-dev is built with -fstack-protector-strong, whose canary lives at
# %fs:0x28 (thread-local storage). Guests have no TLS: FS base is 0 and page
# zero is never mapped. Each canary access is rewritten in place to a
# same-length sequence with a zero canary: the load becomes `xor reg,reg`,
# the check `test reg,reg` (ZF set iff the saved canary is still 0), padded
# with a 6-byte nop. The build then checks that no %fs access is left.
set -eu
out=$1 list=$2 musl=$3 libgcc=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkrt.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Symbols the guest runtime (libglint-guest.a) supplies to these objects.
provided="memcpy memmove memset memcmp abort __stack_chk_fail _GLOBAL_OFFSET_TABLE_"

# "archive-tag member kind symbol" for every defined (T/D/R/B/W) or
# undefined (U) symbol of both archives.
for pair in "m:$musl" "g:$libgcc"; do
	tag=${pair%%:*} lib=${pair#*:}
	nm -A "$lib" 2>/dev/null | awk -v tag="$tag" '
		NF == 3 { split($1, p, ":"); k = $2; s = $3
			  if (k ~ /^[TDRBWVi]$/) print tag, p[2], "D", s
			  else if (k == "U") print tag, p[2], "U", s }'
done | sort -u > "$tmp/syms"

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | tr -d ' \t' > "$tmp/want"

# Closure: members defining wanted symbols, then their undefined symbols.
awk -v provided="$provided" '
	FILENAME == ARGV[1] {
		if ($3 == "D" && !($4 in def)) def[$4] = $1 " " $2
		if ($3 == "U") { n = ++nu[$1 " " $2]; und[$1 " " $2, n] = $4 }
		next
	}
	{ queue[++qn] = $1 }
	END {
		split(provided, pv, " ")
		for (i in pv) have[pv[i]] = 1
		for (q = 1; q <= qn; q++) {
			s = queue[q]
			if (s in have || s in seen) continue
			seen[s] = 1
			if (!(s in def)) { print "MISSING " s; bad = 1; continue }
			m = def[s]
			if (m in taken) continue
			taken[m] = 1; print "TAKE " m
			for (i = 1; i <= nu[m]; i++) queue[++qn] = und[m, i]
		}
		exit bad
	}' "$tmp/syms" "$tmp/want" > "$tmp/closure" || {
	echo "mkrt.sh: symbols not found in the selected objects:" >&2
	grep MISSING "$tmp/closure" >&2
	exit 1
}

mkdir "$tmp/o"
n=0
grep '^TAKE' "$tmp/closure" | while read -r _ tag member; do
	case $tag in m) lib=$musl ;; g) lib=$libgcc ;; esac
	n=$((n + 1))
	(cd "$tmp" && ar x "$lib" "$member")
	mv "$tmp/$member" "$tmp/o/$tag-$member.o"
done

# Rewrite the stack-protector canary accesses (see the header comment).
perl -0777 -pi -e '
	s{\x64([\x48\x4c])\x8b([\x04\x0c\x14\x1c\x24\x2c\x34\x3c])\x25\x28\x00\x00\x00}
	 {my $r = (ord($2) >> 3) & 7; my $x = ord($1) == 0x4c ? "\x4d" : "\x48";
	  $x . "\x31" . chr(0xc0 | ($r << 3) | $r) . "\x66\x0f\x1f\x44\x00\x00"}ge;
	s{\x64([\x48\x4c])[\x2b\x33]([\x04\x0c\x14\x1c\x24\x2c\x34\x3c])\x25\x28\x00\x00\x00}
	 {my $r = (ord($2) >> 3) & 7; my $x = ord($1) == 0x4c ? "\x4d" : "\x48";
	  $x . "\x85" . chr(0xc0 | ($r << 3) | $r) . "\x66\x0f\x1f\x44\x00\x00"}ge;
' "$tmp"/o/*.o
if objdump -d "$tmp"/o/*.o | grep -q '%fs'; then
	echo "mkrt.sh: thread-local accesses left in the selected objects:" >&2
	objdump -d "$tmp"/o/*.o | grep -B3 '%fs' >&2
	exit 1
fi
rm -f "$out"
ar cr "$out" "$tmp"/o/*.o
ranlib "$out"
