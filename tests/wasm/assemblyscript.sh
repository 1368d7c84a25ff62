#!/bin/sh
# assemblyscript.sh SRCDIR BUILDDIR: installs the AssemblyScript compiler
# and @assemblyscript/wasi-shim at the exact versions of
# guest/examples/wasm/assemblyscript/package-lock.json into
# BUILDDIR/tests/wasm/assemblyscript (npm ci, from the npm registry), then
# compiles the example to hello.wasm there. Exit 77 when npm is missing,
# 1 when the install or the compile fails.
set -eu
src=$1/guest/examples/wasm/assemblyscript
dir=$2/tests/wasm/assemblyscript
if ! command -v npm >/dev/null 2>&1; then
	echo "assemblyscript.sh: npm not found (Debian package npm)" >&2
	exit 77
fi
mkdir -p "$dir"
cp "$src/package.json" "$src/package-lock.json" "$src/hello.ts" "$dir/"
cd "$dir"
# npm ci reinstalls every time; an install that matches the lock is kept.
if ! cmp -s package-lock.json node_modules/.glint-lock 2>/dev/null; then
	npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1 || {
		cat npm.log >&2
		echo "assemblyscript.sh: npm ci failed" >&2
		exit 1
	}
	cp package-lock.json node_modules/.glint-lock
fi
node_modules/.bin/asc hello.ts \
	--config node_modules/@assemblyscript/wasi-shim/asconfig.json \
	-O3 -o hello.wasm
