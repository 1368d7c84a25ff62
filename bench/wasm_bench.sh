#!/usr/bin/env bash
# wasm_bench.sh BUILDDIR: Wasm functions against native ones, same run.
#
# Deploys the Wasm modules to a private glintd (timing each deploy and
# reading its compile_ms), takes the images it compiled from its cache,
# and runs native and Wasm images with glint-run on the same CPU:
#   - warm call of an echo (native guest/examples/echo.elf vs the Wasm
#     tests/wasm/echo.wasm);
#   - SHA-256 of 1 MiB, the same C source (bench/wasm/sha256.c) built
#     natively and as wasm32-wasi -> wasm2c (target: <= 2x native).
# Prints medians and p99 from glint-run --stats, and the ratios.
set -euo pipefail
b=$(cd "${1:?usage: wasm_bench.sh BUILDDIR}" && pwd)
n=${WASM_BENCH_CALLS:-2000}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
GLINT_WASM_SDK_DIR="$b/guest/wasi/sdk" "$b/glintd" --no-config \
	--listen "127.0.0.1:$port" --state-dir "$tmp/state" \
	--log-level warn 2>"$tmp/glintd.log" &
pid=$!
for _ in $(seq 300); do
	curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
	sleep 0.1
done

echo "== deploy of each Wasm module (translate + compile + boot; no cache)"
deploy() { # name file
	local out
	out=$(curl -s -w ' %{time_total}' -X PUT --data-binary "@$2" \
		"http://127.0.0.1:$port/functions/$1")
	printf '%-10s %8s bytes  wall %6.0f ms  %s %s\n' "$1" \
		"$(stat -c %s "$2")" "$(echo "${out##* } * 1000" | bc)" \
		"$(grep -o '"compile_ms":[0-9]*' <<<"$out")" \
		"$(grep -o '"boot_ms":[0-9]*' <<<"$out")"
}
deploy echo "$b/tests/wasm/echo.wasm"
deploy sha256 "$b/bench/wasm/sha256.wasm"
deploy stats "$b/guest/examples/wasm/stats.wasm"
deploy greet "$b/guest/examples/wasm/greet.wasm"

cached() { ls "$tmp/state/wasm-cache/$(sha256sum "$1" | cut -c1-64)"-*.elf; }
median() { # prints the call median (us) from glint-run --stats output
	awk '$1 == "call" { print $3 }' "$1"
}
run() { # label image input
	"$b/glint-run" "$2" -i "$3" -n "$n" -s >/dev/null 2>"$tmp/$1.stats"
	printf '%-22s %s\n' "$1" "$(grep '^  call ' "$tmp/$1.stats")"
}

printf 'hello' >"$tmp/hello.in"
head -c 1048576 /dev/urandom >"$tmp/mib.in"
echo "== warm calls, $n each (glint-run, restore included)"
run native-echo "$b/guest/examples/echo.elf" "$tmp/hello.in"
run wasm-echo "$(cached "$b/tests/wasm/echo.wasm")" "$tmp/hello.in"
run native-sha256-1MiB "$b/bench/wasm/sha256.elf" "$tmp/mib.in"
run wasm-sha256-1MiB "$(cached "$b/bench/wasm/sha256.wasm")" "$tmp/mib.in"
ratio() { echo "scale=2; $(median "$tmp/$2.stats") / $(median "$tmp/$1.stats")" | bc; }
echo "== ratios (Wasm / native, medians)"
echo "echo:         $(ratio native-echo wasm-echo)x"
echo "sha256 1 MiB: $(ratio native-sha256-1MiB wasm-sha256-1MiB)x (target <= 2x)"
