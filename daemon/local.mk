# daemon/local.mk: glintd = the HTTP layer (http.mk) over the engine (engine.mk).
include daemon/engine.mk
include daemon/http.mk
include daemon/cli.mk
