#!/usr/bin/env bash
# http_bench.sh: glintd throughput and latency with wrk: POST /invoke/echo vs GET /healthz (host-only baseline).
# Usage: bench/http_bench.sh [seconds-per-run]   (GLINT_BUILDDIR defaults to ., GLINTD_ARGS adds glintd flags)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${GLINT_BUILDDIR:-$PWD}
secs=${1:-5}
wrk=${WRK:-wrk}
glintd="$build/glintd"
echo_elf="$build/guest/examples/echo.elf"
for f in "$glintd" "$echo_elf"; do
	[ -e "$f" ] || { echo "http_bench: $f not built (run make first)" >&2; exit 1; }
done
command -v "$wrk" >/dev/null || { echo "http_bench: wrk not found (Debian package wrk)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/glint-bench-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$glintd" --listen 127.0.0.1:0 --state-dir "$tmp/state" --log-level warn ${GLINTD_ARGS:-} 2>"$tmp/log" &
pid=$!
# --log-level warn hides "listening on"; find the port from the socket.
port=
for _ in $(seq 200); do
	port=$(ss -Htlnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[2]; exit}')
	[ -n "$port" ] && curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { echo "http_bench: glintd exited" >&2; cat "$tmp/log" >&2; exit 1; }
	sleep 0.05
done
url="http://127.0.0.1:$port"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$echo_elf" \
	"$url/functions/echo?min_warm=4&max_concurrency=8&queue_max=1024")
[ "$code" = 201 ] || { echo "http_bench: deploy failed ($code)" >&2; cat "$tmp/log" >&2; exit 1; }

run() { # method path conns -> "rps p50 p99 non2xx+errors"
	local threads=$(( $3 < 2 ? 1 : 2 ))
	GLINT_BENCH_METHOD=$1 "$wrk" -t"$threads" -c"$3" -d"${secs}s" -s "$here/http_bench.lua" "$url$2" |
		awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "%.0f %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"], v["p99_us"], v["non2xx"] + v["errors"] }'
}

printf '%-6s | %-28s | %-28s | %s\n' conns "invoke echo: req/s p50 p99" "healthz: req/s p50 p99" "invoke/healthz"
bad=0
for c in 1 8 64; do
	read -r irps ip50 ip99 ibad < <(run POST /invoke/echo "$c")
	read -r hrps hp50 hp99 hbad < <(run GET /healthz "$c")
	printf '%-6s | %9s %7sus %7sus | %9s %7sus %7sus | %.2f\n' "$c" \
		"$irps" "$ip50" "$ip99" "$hrps" "$hp50" "$hp99" \
		"$(awk -v a="$irps" -v b="$hrps" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	bad=$((bad + ibad + hbad))
done
# The same call carrying ten more headers and a query string: what the
# request metadata costs end to end.
for c in 1 8; do
	read -r mrps mp50 mp99 mbad < <(GLINT_BENCH_HEADERS=1 run POST "/invoke/echo/items/42?page=2&sort=name+asc&filter=a%26b" "$c")
	read -r irps ip50 ip99 ibad < <(run POST /invoke/echo "$c")
	printf 'conns %s: +10 headers, query: %s req/s p50 %sus p99 %sus; bare: %s req/s p50 %sus; metadata %+dus p50\n' \
		"$c" "$mrps" "$mp50" "$mp99" "$irps" "$ip50" "$((mp50 - ip50))"
	bad=$((bad + mbad + ibad))
done
echo "non-2xx or failed responses: $bad"
[ "$bad" = 0 ]
