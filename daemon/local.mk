# daemon/local.mk: glintd and glint, in four components and a shared module:
#   common/  function names, settings rules and outcome codes (glintd + CLI)
#   obs/     logging and metrics
#   wasm/    WebAssembly modules to guest images (wasm2c + cc, confined)
#   engine/  registry, state, pools, workers: everything below HTTP
#   http/    glintd itself: HTTP server, API routes, config, service glue
#   cli/     glint, the command-line client (no engine, no libuv)
include daemon/common/local.mk
include daemon/obs/local.mk
include daemon/fetch/local.mk
include daemon/wasm/local.mk
include daemon/engine/local.mk
include daemon/kv/local.mk
include daemon/http/local.mk
include daemon/cli/local.mk
