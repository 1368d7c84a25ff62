# daemon/http.mk: glintd itself (main, HTTP server, API routes, metrics, logging).
