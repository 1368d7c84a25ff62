# bench/local.mk: benchmarks (programs that print numbers; not run by make check).
include bench/vmm.mk
include bench/http.mk
include bench/load.mk
include bench/kv.mk
include bench/fetch.mk
include bench/wasm.mk
include bench/hc.mk
