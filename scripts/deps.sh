#!/usr/bin/env bash
# deps.sh: installs the Debian packages glint needs to build, run and test
# (only those missing). Needs root or sudo when something is missing.
set -euo pipefail

# musl-dev: the guest libm objects (guest/rt/mkrt.sh); g++: the C++ example;
# lmdb, hiredis: the KV store; sqlite3: bench/kvengines compares it
# libdw: file:line in crash reports from an image's DWARF
# wabt: wasm2c (glintd translates Wasm modules with it) and its wasm-rt.h
pkgs=(autoconf automake libtool pkg-config make gcc libc6-dev linux-libc-dev
      libuv1-dev libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev check
      curl musl-dev g++ liblmdb-dev libhiredis-dev libsqlite3-dev
      ca-certificates wabt libdw-dev)
# ca-certificates: the system CA store that outbound HTTPS (daemon/fetch)
# verifies peers against.
if [ "${1:-}" = "--test" ]; then
	# clang + its runtimes: libFuzzer targets (scripts/fuzz.sh);
	# systemd: systemd-analyze (systemd/verify-units.test); openssl: the
	# TLS test's certificate (tests/e2e/test_service_tls);
	# systemd-container: systemd-nspawn for systemd/boot.test;
	# redis-server: the KV store's Redis backend is tested against it
	pkgs+=(clang-format wrk prometheus clang libclang-rt-14-dev systemd
	       openssl systemd-container redis-server)
	# WASI modules for tests/wasm: C (clang, wasi-libc, wasm-ld, the wasm32
	# builtins) and Rust (Debian's rustc and its wasm32-wasi std)
	pkgs+=(wasi-libc lld libclang-rt-14-dev-wasm32 rustc libstd-rust-dev-wasm32)
	# AssemblyScript (tests/wasm/test_wasm_as): node and npm; the compiler
	# itself comes from the npm registry at test time. assemblyscript
	# 0.28 asks for node >= 20: this host's nodejs package (NodeSource)
	# carries npm; Debian's own nodejs 18 needs the separate npm package.
	pkgs+=(nodejs)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
