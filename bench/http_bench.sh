#!/usr/bin/env bash
# http_bench.sh: glintd's invoke path against its parts, measured in the same run: wrk on POST /invoke/echo and GET /healthz, vmbench's warm call, per-thread CPU.
# Usage: bench/http_bench.sh [seconds-per-run [rounds]]   (defaults 5 and 3; empty means default)
#   GLINT_BUILDDIR: the build tree (default .); GLINTD_ARGS: extra glintd
#   flags; GLINTD: the daemon binary (default $GLINT_BUILDDIR/glintd); WRK:
#   the wrk binary. Exits 1 when a ratio misses its target. GLINT_LOOP_RUNS=0
#   (passed on to glintd) hands every call to a worker: the comparison run
#   for run-to-completion on the loop thread.
#
# Every figure is the median over the rounds; each ratio is computed inside
# one round from that round's numbers, then the median of the rounds' ratios
# is reported and checked, for the bare invoke and again for one that
# carries 10 more headers, a path and a query string. CPU comes from
# /proc/PID/task/*/stat (glintd's loop thread and the others, i.e.
# workers) and from the wrk process's own rusage (client), over each wrk
# run; it is per request of that run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${GLINT_BUILDDIR:-$PWD}
secs=${1:-5}
rounds=${2:-3}
wrk=${WRK:-wrk}
glintd=${GLINTD:-$build/glintd}
vmbench="$build/bench/vmbench"
echo_elf="$build/guest/examples/echo.elf"
for f in "$glintd" "$vmbench" "$echo_elf"; do
	[ -e "$f" ] || { echo "http_bench: $f not built (run make first)" >&2; exit 1; }
done
command -v "$wrk" >/dev/null || { echo "http_bench: wrk not found (Debian package wrk)" >&2; exit 1; }
cores=$(nproc)
hz=$(getconf CLK_TCK)

tmp=$(mktemp -d /tmp/glint-bench-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$glintd" --no-config --listen 127.0.0.1:0 --state-dir "$tmp/state" --log-level warn ${GLINTD_ARGS:-} 2>"$tmp/log" &
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

# glintd's CPU ticks so far: "loop others" (the loop thread is the main one).
glintd_ticks() {
	local t line loop=0 other=0 f
	for t in /proc/"$pid"/task/*; do
		line=$(cat "$t/stat" 2>/dev/null) || continue
		line=${line##*) } # comm may hold spaces
		read -r -a f <<<"$line"
		if [ "${t##*/}" = "$pid" ]; then
			loop=$((loop + f[11] + f[12]))
		else
			other=$((other + f[11] + f[12]))
		fi
	done
	echo "$loop $other"
}

# One wrk run; appends "key value" lines for it to $out.
# Keys: <route>.<conns>.{rps,p50,p99,bad,loop,workers,client,glintd,machine}
# (latency in us, CPU in us per request).
run() { # route method path conns
	local threads=$(( $4 < 2 ? 1 : 2 )) l0 o0 l1 o1 res
	read -r l0 o0 < <(glintd_ticks)
	# `times` in the inner shell reports its children: wrk alone.
	res=$(GLINT_BENCH_METHOD=$2 bash -c '"$@"; times' _ \
		"$wrk" -t"$threads" -c"$4" -d"${secs}s" -s "$here/http_bench.lua" "$url$3")
	read -r l1 o1 < <(glintd_ticks)
	awk -v k="$1.$4" -v hz="$hz" -v dl=$((l1 - l0)) -v dother=$((o1 - o0)) '
		function sec(s,  m) { m = s; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", s); sub(/s$/, "", s); return m * 60 + s }
		/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		/^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { if (++nt == 2) client = sec($1) + sec($2) }
		END {
			n = v["requests"] > 0 ? v["requests"] : 1
			printf "%s.rps %.0f\n%s.p50 %d\n%s.p99 %d\n%s.bad %d\n", k, n / (v["duration_us"] / 1e6), k, v["p50_us"], k, v["p99_us"], k, v["non2xx"] + v["errors"]
			loop = dl / hz * 1e6 / n; workers = dother / hz * 1e6 / n; cl = client * 1e6 / n
			printf "%s.loop %.2f\n%s.workers %.2f\n%s.client %.2f\n", k, loop, k, workers, k, cl
			printf "%s.glintd %.2f\n%s.machine %.2f\n", k, loop + workers, k, loop + workers + cl
		}' <<<"$res" >>"$out"
}

round() { # -> key value lines on stdout
	local c
	out=$tmp/round
	: >"$out"
	echo "load $(cut -d' ' -f1 /proc/loadavg)" >>"$out"
	"$vmbench" -m warm -n 2000 "$build" >"$tmp/vmbench" || { cat "$tmp/vmbench" >&2; exit 1; }
	awk '/^floor:/ { print "floor", $(NF - 5) }
		/^warm call CPU/ { print "warm_cpu", $(NF - 1) }
		/^warm call: echo/ { print "warm", $(NF - 5) }' "$tmp/vmbench" >>"$out"
	for c in 1 8 64; do
		run healthz GET /healthz "$c"
		run invoke POST /invoke/echo "$c"
	done
	# The same call with ten more headers, a path and a query string:
	# what the request metadata costs end to end.
	for c in 1 8 64; do
		GLINT_BENCH_HEADERS=1 run meta POST \
			"/invoke/echo/items/42?page=2&sort=name+asc&filter=a%26b" "$c"
	done
	echo "load_end $(cut -d' ' -f1 /proc/loadavg)" >>"$out"
	# The ratios, within this round: r_* for the bare invoke, rm_* for
	# the one with metadata (against the same healthz and warm call).
	awk -v cores="$cores" '{ v[$1] = $2 }
		END {
			ceil = cores * 1e6 / (v["healthz.64.machine"] + v["warm_cpu"])
			print "ceiling", ceil
			for (i = 1; i <= 2; i++) {
				r = i == 1 ? "invoke" : "meta"
				p = i == 1 ? "r_" : "rm_"
				print p "p50", v[r ".1.p50"] / (v["healthz.1.p50"] + v["warm"])
				for (c = 1; c <= 64; c *= 8)
					print p "cpu." c, v[r "." c ".glintd"] / (v["healthz." c ".glintd"] + v["warm_cpu"])
				print p "rps", v[r ".64.rps"] / ceil
				print p "p99", v[r ".64.p99"] / (v[r ".64.p50"] > 0 ? v[r ".64.p50"] : 1)
			}
		}' "$out" >>"$out"
	cat "$out"
}

: >"$tmp/all"
for r in $(seq "$rounds"); do
	round >"$tmp/r$r"
	echo "round $r: load $(awk '$1 == "load" { a = $2 } $1 == "load_end" { b = $2 } END { print a " -> " b }' "$tmp/r$r")," \
		"ratios $(awk '$1 ~ /^r_/ { printf "%s=%.2f ", $1, $2 }' "$tmp/r$r")"
	cat "$tmp/r$r" >>"$tmp/all"
done

# Medians over the rounds.
sort -k1,1 -k2,2g "$tmp/all" | awk '
	$1 != k { if (k != "") print k, a[int((n + 1) / 2)]; k = $1; n = 0 }
	{ a[++n] = $2 }
	END { print k, a[int((n + 1) / 2)] }' >"$tmp/med"
m() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/med"; }

echo
echo "host: $cores cores; bare exit $(m floor) us; warm call (vmbench, same run) median $(m warm) us, CPU $(m warm_cpu) us"
echo "medians of $rounds rounds of ${secs}s per cell; CPU in us per request (loop thread / other glintd threads / wrk)"
printf '%-7s %-5s | %8s %8s %8s | %7s %7s %7s %7s\n' route conns req/s p50_us p99_us loop workers client glintd
for c in 1 8 64; do
	for route in healthz invoke meta; do
		k=$route.$c
		printf '%-7s %-5s | %8s %8s %8s | %7s %7s %7s %7s\n' "$route" "$c" \
			"$(m "$k.rps")" "$(m "$k.p50")" "$(m "$k.p99")" \
			"$(m "$k.loop")" "$(m "$k.workers")" "$(m "$k.client")" "$(m "$k.glintd")"
	done
done
for c in 1 8 64; do
	echo "metadata, $c conn: +10 headers, path and query: p50 $(m "meta.$c.p50") us, $(m "meta.$c.rps") req/s; bare: p50 $(m "invoke.$c.p50") us ($(awk -v a="$(m "meta.$c.p50")" -v b="$(m "invoke.$c.p50")" 'BEGIN { printf "%+d", a - b }') us)"
done
echo "ceiling at 64 connections: $cores cores / (machine CPU per healthz $(m healthz.64.machine) us + warm-call CPU $(m warm_cpu) us) = $(m ceiling) req/s"

fail=0
check() { # name value op target
	local ok
	ok=$(awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { print (op == "<=" ? v <= t : v >= t) }')
	printf '%-62s %6.2f  target %s %s  %s\n' "$1" "$2" "$3" "$4" "$([ "$ok" = 1 ] && echo ok || echo MISSED)"
	[ "$ok" = 1 ] || fail=1
}
checks() { # key prefix, label suffix
	check "invoke p50 / (healthz p50 + warm call), 1 conn$2" "$(m "${1}p50")" "<=" 1.2
	for c in 1 8 64; do
		check "CPU/invoke / (CPU/healthz + warm-call CPU), $c conn$2" "$(m "${1}cpu.$c")" "<=" 1.25
	done
	check "invoke req/s / ceiling, 64 conns$2" "$(m "${1}rps")" ">=" 0.85
	check "invoke p99 / p50, 64 conns$2" "$(m "${1}p99")" "<=" 4
}
checks r_ ""
echo "the same with 10 more headers, a path and a query string on every invoke:"
checks rm_ ", metadata"
bad=$(awk '$1 ~ /\.bad$/ { s += $2 } END { print s + 0 }' "$tmp/all")
echo "non-2xx or failed responses: $bad"
[ "$bad" = 0 ] || fail=1
exit "$fail"
