# daemon/http.mk: glintd itself (main, HTTP server, API routes, metrics, logging).

# Logging and metrics, linkable by the engine and its tests as $(OBS_LIBS).
noinst_LIBRARIES += daemon/libglintobs.a
daemon_libglintobs_a_SOURCES = daemon/log.c daemon/log.h daemon/metrics.c \
	daemon/metrics.h
OBS_LIBS = daemon/libglintobs.a

sbin_PROGRAMS += glintd
glintd_SOURCES = daemon/main.c \
	daemon/glintd_config.c daemon/glintd_config.h \
	daemon/http.c daemon/http.h \
	daemon/api.c daemon/api.h \
	daemon/service.c daemon/service.h
# The installed config file, loaded when it exists and no --config is given.
GLINTD_CONFIG_CPPFLAGS = \
	-DGLINTD_DEFAULT_CONFIG='"$(sysconfdir)/glint/glintd.conf"'
glintd_CPPFLAGS = $(AM_CPPFLAGS) $(GLINTD_CONFIG_CPPFLAGS) $(UV_CFLAGS) \
	$(MHD_CFLAGS) $(JANSSON_CFLAGS) $(SYSTEMD_CFLAGS)
glintd_LDADD = $(OBS_LIBS) $(ENGINE_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS)
