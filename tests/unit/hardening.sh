#!/bin/sh
# hardening.sh: the host programs carry the hardening configure chose, and guest images none of it.
#
# GLINT_HARDEN_CFLAGS / GLINT_HARDEN_LDFLAGS are what configure kept
# (Makefile.am passes them); a flag it kept must show in the binaries.
set -u
build=${GLINT_BUILDDIR:?}
cflags=" ${GLINT_HARDEN_CFLAGS:-} "
ldflags=" ${GLINT_HARDEN_LDFLAGS:-} "
command -v readelf >/dev/null || { echo "SKIP: readelf not found (Debian package binutils)"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for p in glintd glint glint-run; do
	bin=$build/$p
	[ -x "$bin" ] || { fail "$bin not built"; continue; }
	case $ldflags in *" -pie "*)
		readelf -h "$bin" | grep -q 'Type: *DYN' || fail "$p is not PIE" ;;
	esac
	case $ldflags in *",-z,now "*)
		readelf -d "$bin" | grep -q 'BIND_NOW' || fail "$p lacks BIND_NOW" ;;
	esac
	case $ldflags in *",-z,relro "*)
		readelf -lW "$bin" | grep -q 'GNU_RELRO' || fail "$p lacks RELRO" ;;
	esac
	case $ldflags in *",-z,noexecstack "*)
		readelf -lW "$bin" | grep 'GNU_STACK' | grep -q 'RWE' &&
			fail "$p has an executable stack" ;;
	esac
	case $cflags in *" -fstack-protector-strong "*)
		readelf -sW --dyn-syms "$bin" | grep -q '__stack_chk_fail' ||
			fail "$p has no stack protector" ;;
	esac
	case $cflags in *" -D_FORTIFY_SOURCE=2 "*)
		readelf -sW --dyn-syms "$bin" | grep -q '_chk@' ||
			fail "$p calls no fortified function" ;;
	esac
done

# Guest images are freestanding and static: none of the above reaches them.
img=$build/guest/examples/echo.elf
if [ -f "$img" ]; then
	readelf -h "$img" | grep -q 'Type: *EXEC' || fail "echo.elf is not a static executable"
	readelf -sW "$img" | grep -q '__stack_chk' && fail "echo.elf has a stack protector"
	readelf -lW "$img" | grep -q 'GNU_RELRO' && fail "echo.elf has RELRO"
else
	fail "$img not built"
fi
[ "$fails" = 0 ] && echo "hardening: glintd, glint, glint-run as configured ($(echo $ldflags)); guest image untouched"
[ "$fails" = 0 ]
