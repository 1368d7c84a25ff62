# daemon/http.mk: glintd itself (main, HTTP server, API routes, metrics, logging).

# Logging and metrics, linkable by the engine and its tests as $(OBS_LIBS).
noinst_LIBRARIES += daemon/libglintobs.a
daemon_libglintobs_a_SOURCES = daemon/log.c daemon/log.h daemon/metrics.c \
	daemon/metrics.h
OBS_LIBS = daemon/libglintobs.a
