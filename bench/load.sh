#!/usr/bin/env bash
# load.sh: a bounded load run against glintd: checked good and hostile calls at 64 connections, throughput, latency, RSS and fds.
# Usage: bench/load.sh [total-requests (default 1000000)] [connections (default 64)]
set -euo pipefail
build=${GLINT_BUILDDIR:-$PWD}
total=${1:-1000000}
conns=${2:-64}
glintd="$build/glintd"
for f in "$glintd" "$build/bench/loadgen" "$build/guest/examples/echo.elf" \
	"$build/guest/examples/hello.elf" "$build/tests/guests/hostile.elf" \
	"$build/tests/guests/counter.elf" "$build/tests/robust/guests/liar.elf"; do
	[ -e "$f" ] || { echo "load: $f not built (make bench-load builds it)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/glint-load-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$glintd" --no-config --listen 127.0.0.1:0 --state-dir "$tmp/state" --log-level error ${GLINTD_ARGS:-} 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 200); do
	port=$(ss -Htlnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[2]; exit}')
	[ -n "$port" ] && curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { echo "load: glintd exited" >&2; cat "$tmp/log" >&2; exit 1; }
	sleep 0.05
done
url="http://127.0.0.1:$port"
deploy() { # name image query
	local code
	code=$(curl -s -o "$tmp/deploy" -w '%{http_code}' -X PUT --data-binary "@$build/$2" "$url/functions/$1?$3")
	[ "$code" = 201 ] || { echo "load: deploy $1 failed ($code): $(cat "$tmp/deploy")" >&2; exit 1; }
}
# idle_ms=1000: pools shrink back to min_warm soon after the load, so the
# last sample shows whether anything leaked.
pool="max_concurrency=8&queue_max=1024&idle_ms=1000"
deploy echo guest/examples/echo.elf "min_warm=4&$pool"
deploy hello guest/examples/hello.elf "min_warm=2&$pool"
deploy counter tests/guests/counter.elf "min_warm=2&$pool"
deploy hostile tests/guests/hostile.elf "min_warm=2&timeout_ms=1000&$pool"
deploy liar tests/robust/guests/liar.elf "min_warm=1&$pool"
deploy slow tests/guests/hostile.elf "min_warm=1&timeout_ms=50&$pool"

echo "glintd pid $pid on port $port; $total requests on $conns connections"
"$build/bench/loadgen" "$port" "$total" "$conns" "$pid"
