#!/usr/bin/env bash
# build.sh: configures (once) and builds glint in _build/ under the source tree.
# Extra arguments go to configure on the first run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --quiet "$@"
make -j"$(nproc)" >/dev/null
