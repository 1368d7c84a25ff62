# tests/cli/local.mk: the glint CLI: unit tests (no KVM) and end to end against a real glintd (KVM).
GLINT_CLI_TEST_RUN = tests/cli/run_glint.c tests/cli/run_glint.h
GLINT_CLI_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) $(CLI_CPPFLAGS) \
	$(CHECK_CFLAGS)

check_PROGRAMS += tests/cli/test_cli_unit
TESTS += tests/cli/test_cli_unit
tests_cli_test_cli_unit_SOURCES = tests/cli/test_cli_unit.c \
	$(GLINT_CLI_TEST_RUN) $(GLINT_CLI_MODULES)
tests_cli_test_cli_unit_CPPFLAGS = $(GLINT_CLI_TEST_CPPFLAGS)
tests_cli_test_cli_unit_LDADD = $(COMMON_LIBS) $(CHECK_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS) -lm
tests_cli_test_cli_unit_DEPENDENCIES = glint$(EXEEXT)

check_PROGRAMS += tests/cli/test_cli_e2e
TESTS += tests/cli/test_cli_e2e
tests_cli_test_cli_e2e_SOURCES = tests/cli/test_cli_e2e.c \
	$(GLINT_CLI_TEST_RUN) $(E2E_HARNESS)
tests_cli_test_cli_e2e_CPPFLAGS = $(GLINT_CLI_TEST_CPPFLAGS)
tests_cli_test_cli_e2e_LDADD = $(CHECK_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)
tests_cli_test_cli_e2e_DEPENDENCIES = glint$(EXEEXT) $(E2E_DEPS) \
	guest/libglint-guest.a guest/glint-guest-uninstalled.pc
