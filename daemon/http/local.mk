# daemon/http/local.mk: glintd itself (main, HTTP server, API routes, config,
# service manager glue) over the engine.
sbin_PROGRAMS += glintd
glintd_SOURCES = daemon/http/main.c \
	daemon/http/glintd_config.c daemon/http/glintd_config.h \
	daemon/http/http.c daemon/http/http.h \
	daemon/http/api.c daemon/http/api.h \
	daemon/http/kvapi.c daemon/http/kvapi.h \
	daemon/http/invreq.c daemon/http/invreq.h \
	daemon/http/service.c daemon/http/service.h
# The installed config file, loaded when it exists and no --config is given.
GLINTD_CONFIG_CPPFLAGS = \
	-DGLINTD_DEFAULT_CONFIG='"$(sysconfdir)/glint/glintd.conf"'
HTTP_CPPFLAGS = -I$(top_srcdir)/daemon/http $(ENGINE_CPPFLAGS) \
	$(OBS_CPPFLAGS) $(MHD_CFLAGS)
glintd_CPPFLAGS = $(AM_CPPFLAGS) $(GLINTD_CONFIG_CPPFLAGS) $(HTTP_CPPFLAGS) \
	$(SYSTEMD_CFLAGS)
glintd_LDADD = $(OBS_LIBS) $(ENGINE_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS)
