# daemon/cli/local.mk: glint, the command-line client of glintd's HTTP API.
# It checks names and setting ranges with glintd's own rules (daemon/common)
# and links neither the engine nor libuv.
bin_PROGRAMS += glint
GLINT_CLI_MODULES = daemon/cli/cli_args.c daemon/cli/cli_args.h \
	daemon/cli/cli_http.c daemon/cli/cli_http.h \
	daemon/cli/cli_kv.c daemon/cli/cli_kv.h \
	daemon/cli/cli_output.c daemon/cli/cli_output.h \
	daemon/cli/cli_stats.c daemon/cli/cli_stats.h \
	daemon/cli/cli_templates.c daemon/cli/cli_templates.h
# The subcommands and what they share; only glint itself links them.
GLINT_CLI_COMMANDS = daemon/cli/cli_cmd.c daemon/cli/cli_cmd.h \
	daemon/cli/cli_cmd_config.c daemon/cli/cli_cmd_fn.c
glint_SOURCES = daemon/cli/glint.c $(GLINT_CLI_COMMANDS) $(GLINT_CLI_MODULES)
CLI_CPPFLAGS = -I$(top_srcdir)/daemon/cli $(COMMON_CPPFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS)
glint_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_CPPFLAGS)
glint_LDADD = $(COMMON_LIBS) $(CURL_LIBS) $(JANSSON_LIBS) -lm
