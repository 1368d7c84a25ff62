# daemon/cli.mk: glint, the command-line client of glintd's HTTP API.
bin_PROGRAMS += glint
GLINT_CLI_MODULES = daemon/cli_args.c daemon/cli_args.h \
	daemon/cli_http.c daemon/cli_http.h \
	daemon/cli_output.c daemon/cli_output.h \
	daemon/cli_stats.c daemon/cli_stats.h \
	daemon/cli_templates.c daemon/cli_templates.h
glint_SOURCES = daemon/glint_cli.c $(GLINT_CLI_MODULES)
# The CLI checks names and setting ranges with the daemon's own rules
# (daemon/settings.c, pulled from the engine library; it needs no libuv).
glint_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(UV_CFLAGS)
glint_LDADD = daemon/libglintengine.a $(CURL_LIBS) $(JANSSON_LIBS) -lm
