# tests/fuzz/local.mk: every fuzz target, replayed over its corpus by make check and run under libFuzzer by make fuzz.
#
# One scheme for all: target T is tests/fuzz/fuzz_T.c (LLVMFuzzerTestOneInput
# over the code named below), its seeds are tests/fuzz/corpus/T/ (the one
# corpus of T), inputs that once crashed it stay in tests/fuzz/regressions/T/
# and an optional dictionary is tests/fuzz/dict/T.dict.
#
#   image     image_parse                                     vmm/image.c
#   imagesym  image_syms_parse and the DWARF lines (libdw)    vmm/imagesym.c
#   exit      exit decoding, guest log lines                  vmm/ (library)
#   json      the guest JSON reader, built for the host       guest/src/
#   http      path decoding, routes, names, methods, query settings, tokens
#   settings  function_settings_set/check, function names
#   config    glintd_config_load_file, glintd_config_set_listen
#   fetch     the outbound allow-list: entries, URLs, address classes
#   hostcall  FETCH and KV host-call requests      daemon/engine/hcdecode.c
#   kvapi     the KV routes' keys and queries          daemon/http/kvapi.c
#
# make check builds tests/fuzz/replay_T with the configured compiler and
# tests/fuzz/replay.c as main: it replays corpus/T/ and regressions/T/.
# `make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS='a b']` runs scripts/fuzz.sh,
# the one fuzzing build: clang in tests/fuzz/clang/, linking
# tests/fuzz/fuzz_T with -fsanitize=fuzzer,address,undefined (those
# programs are EXTRA_PROGRAMS: they are only built there).

FUZZ_REPLAY = tests/fuzz/replay.c
FUZZ_DAEMON_CPPFLAGS = $(AM_CPPFLAGS) $(HTTP_CPPFLAGS)
# Only the clang build in scripts/fuzz.sh links these.
FUZZ_ENGINE_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
FUZZ_SECONDS = 30

check_PROGRAMS += tests/fuzz/replay_image tests/fuzz/replay_exit \
	tests/fuzz/replay_json tests/fuzz/replay_http \
	tests/fuzz/replay_settings tests/fuzz/replay_config \
	tests/fuzz/replay_fetch tests/fuzz/replay_hostcall \
	tests/fuzz/replay_kvapi tests/fuzz/replay_imagesym
TESTS += tests/fuzz/replay_image tests/fuzz/replay_exit \
	tests/fuzz/replay_json tests/fuzz/replay_http \
	tests/fuzz/replay_settings tests/fuzz/replay_config \
	tests/fuzz/replay_fetch tests/fuzz/replay_hostcall \
	tests/fuzz/replay_kvapi tests/fuzz/replay_imagesym
EXTRA_PROGRAMS = tests/fuzz/fuzz_image tests/fuzz/fuzz_exit \
	tests/fuzz/fuzz_json tests/fuzz/fuzz_http tests/fuzz/fuzz_settings \
	tests/fuzz/fuzz_config tests/fuzz/fuzz_fetch tests/fuzz/fuzz_hostcall \
	tests/fuzz/fuzz_kvapi tests/fuzz/fuzz_imagesym

# ---- image ----
fuzz_image_sources = tests/fuzz/fuzz_image.c vmm/image.c vmm/image.h
tests_fuzz_replay_image_SOURCES = $(fuzz_image_sources) $(FUZZ_REPLAY)
tests_fuzz_replay_image_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"image"'
tests_fuzz_fuzz_image_SOURCES = $(fuzz_image_sources)
tests_fuzz_fuzz_image_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- imagesym: the symbol table and, through libdw, the line tables ----
fuzz_imagesym_sources = tests/fuzz/fuzz_imagesym.c vmm/imagesym.c \
	vmm/imageline.c
tests_fuzz_replay_imagesym_SOURCES = $(fuzz_imagesym_sources) $(FUZZ_REPLAY)
tests_fuzz_replay_imagesym_CPPFLAGS = $(AM_CPPFLAGS) $(DW_CFLAGS) \
	-DFUZZ_TARGET='"imagesym"'
tests_fuzz_replay_imagesym_LDADD = $(DW_LIBS)
tests_fuzz_fuzz_imagesym_SOURCES = $(fuzz_imagesym_sources)
tests_fuzz_fuzz_imagesym_CPPFLAGS = $(AM_CPPFLAGS) $(DW_CFLAGS)
tests_fuzz_fuzz_imagesym_LDADD = $(DW_LIBS)
tests_fuzz_fuzz_imagesym_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- exit ----
tests_fuzz_replay_exit_SOURCES = tests/fuzz/fuzz_exit.c $(FUZZ_REPLAY)
tests_fuzz_replay_exit_CPPFLAGS = $(AM_CPPFLAGS) $(VMM_PRIVATE_CPPFLAGS) \
	-DFUZZ_TARGET='"exit"'
tests_fuzz_replay_exit_LDADD = vmm/libglintvmm.a
tests_fuzz_fuzz_exit_SOURCES = tests/fuzz/fuzz_exit.c
tests_fuzz_fuzz_exit_CPPFLAGS = $(AM_CPPFLAGS) $(VMM_PRIVATE_CPPFLAGS)
tests_fuzz_fuzz_exit_LDADD = vmm/libglintvmm.a
tests_fuzz_fuzz_exit_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- json: the guest sources built for the host (tests/guests/local.mk) ----
fuzz_json_sources = tests/fuzz/fuzz_json.c tests/guests/host_stubs.c \
	tests/guests/host_stubs.h
fuzz_json_cppflags = -I$(top_srcdir) -I$(top_srcdir)/tests/guests
tests_fuzz_replay_json_SOURCES = $(fuzz_json_sources) $(FUZZ_REPLAY)
tests_fuzz_replay_json_CPPFLAGS = $(AM_CPPFLAGS) $(fuzz_json_cppflags) \
	-DFUZZ_TARGET='"json"'
tests_fuzz_replay_json_LDADD = tests/guests/libguest-host.a
tests_fuzz_fuzz_json_SOURCES = $(fuzz_json_sources)
tests_fuzz_fuzz_json_CPPFLAGS = $(AM_CPPFLAGS) $(fuzz_json_cppflags)
tests_fuzz_fuzz_json_LDADD = tests/guests/libguest-host.a
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- http: includes daemon/http/http.c and daemon/http/api.c (see fuzz_http.c) ----
fuzz_http_cppflags = $(FUZZ_DAEMON_CPPFLAGS) $(MHD_CFLAGS)
fuzz_http_ldadd = $(OBS_LIBS) $(ENGINE_LIBS) $(MHD_LIBS)
tests_fuzz_replay_http_SOURCES = tests/fuzz/fuzz_http.c daemon/http/kvapi.c \
	$(FUZZ_REPLAY)
tests_fuzz_replay_http_CPPFLAGS = $(fuzz_http_cppflags) -DFUZZ_TARGET='"http"'
tests_fuzz_replay_http_LDADD = $(fuzz_http_ldadd)
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c daemon/http/kvapi.c
tests_fuzz_fuzz_http_CPPFLAGS = $(fuzz_http_cppflags)
tests_fuzz_fuzz_http_LDADD = $(fuzz_http_ldadd)
tests_fuzz_fuzz_http_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- settings ----
tests_fuzz_replay_settings_SOURCES = tests/fuzz/fuzz_settings.c $(FUZZ_REPLAY)
tests_fuzz_replay_settings_CPPFLAGS = $(FUZZ_DAEMON_CPPFLAGS) \
	-DFUZZ_TARGET='"settings"'
tests_fuzz_replay_settings_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_settings_SOURCES = tests/fuzz/fuzz_settings.c
tests_fuzz_fuzz_settings_CPPFLAGS = $(FUZZ_DAEMON_CPPFLAGS)
tests_fuzz_fuzz_settings_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_settings_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- config ----
fuzz_config_sources = tests/fuzz/fuzz_config.c daemon/http/glintd_config.c
fuzz_config_cppflags = $(FUZZ_DAEMON_CPPFLAGS) $(GLINTD_CONFIG_CPPFLAGS)
fuzz_config_ldadd = $(OBS_LIBS) $(ENGINE_LIBS)
tests_fuzz_replay_config_SOURCES = $(fuzz_config_sources) $(FUZZ_REPLAY)
tests_fuzz_replay_config_CPPFLAGS = $(fuzz_config_cppflags) \
	-DFUZZ_TARGET='"config"'
tests_fuzz_replay_config_LDADD = $(fuzz_config_ldadd)
tests_fuzz_fuzz_config_SOURCES = $(fuzz_config_sources)
tests_fuzz_fuzz_config_CPPFLAGS = $(fuzz_config_cppflags)
tests_fuzz_fuzz_config_LDADD = $(fuzz_config_ldadd)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- fetch ----
tests_fuzz_replay_fetch_SOURCES = tests/fuzz/fuzz_fetch.c $(FUZZ_REPLAY)
tests_fuzz_replay_fetch_CPPFLAGS = $(AM_CPPFLAGS) $(FETCH_CPPFLAGS) \
	-DFUZZ_TARGET='"fetch"'
tests_fuzz_replay_fetch_LDADD = $(FETCH_LIBS)
tests_fuzz_fuzz_fetch_SOURCES = tests/fuzz/fuzz_fetch.c
tests_fuzz_fuzz_fetch_CPPFLAGS = $(AM_CPPFLAGS) $(FETCH_CPPFLAGS)
tests_fuzz_fuzz_fetch_LDADD = $(FETCH_LIBS)
tests_fuzz_fuzz_fetch_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# ---- hostcall ----
fuzz_hostcall_sources = tests/fuzz/fuzz_hostcall.c daemon/engine/hcdecode.c
fuzz_hostcall_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/engine \
	-I$(top_srcdir)/vmm
tests_fuzz_replay_hostcall_SOURCES = $(fuzz_hostcall_sources) $(FUZZ_REPLAY)
tests_fuzz_replay_hostcall_CPPFLAGS = $(fuzz_hostcall_cppflags) \
	-DFUZZ_TARGET='"hostcall"'
tests_fuzz_fuzz_hostcall_SOURCES = $(fuzz_hostcall_sources)
tests_fuzz_fuzz_hostcall_CPPFLAGS = $(fuzz_hostcall_cppflags)
tests_fuzz_fuzz_hostcall_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)

# Seed corpora and regressions: whole directories, so a new crash input
# is distributed without editing this file.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/regressions tests/fuzz/dict \
	scripts/fuzz.sh \
	scripts/sanitize.sh scripts/sanitize-lsan.supp

# ---- make fuzz ----
FUZZ_CLANG_BUILDDIR = $(abs_top_builddir)/tests/fuzz/clang
fuzz:
	GLINT_FUZZ_TARGETS='$(FUZZ_TARGETS)' $(SHELL) \
		$(top_srcdir)/scripts/fuzz.sh --seconds '$(FUZZ_SECONDS)' \
		--build '$(FUZZ_CLANG_BUILDDIR)'
clean-local: clean-local-fuzz
clean-local-fuzz:
	-rm -rf '$(FUZZ_CLANG_BUILDDIR)'
.PHONY: fuzz clean-local-fuzz

# ---- kvapi ----
fuzz_kvapi_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon/http \
	$(KV_CPPFLAGS) $(JANSSON_CFLAGS)
fuzz_kvapi_ldadd = $(KV_LIBS) $(JANSSON_LIBS)
tests_fuzz_replay_kvapi_SOURCES = tests/fuzz/fuzz_kvapi.c daemon/http/kvapi.c \
	$(FUZZ_REPLAY)
tests_fuzz_replay_kvapi_CPPFLAGS = $(fuzz_kvapi_cppflags) \
	-DFUZZ_TARGET='"kvapi"'
tests_fuzz_replay_kvapi_LDADD = $(fuzz_kvapi_ldadd)
tests_fuzz_fuzz_kvapi_SOURCES = tests/fuzz/fuzz_kvapi.c daemon/http/kvapi.c
tests_fuzz_fuzz_kvapi_CPPFLAGS = $(fuzz_kvapi_cppflags)
tests_fuzz_fuzz_kvapi_LDADD = $(fuzz_kvapi_ldadd)
tests_fuzz_fuzz_kvapi_LDFLAGS = $(FUZZ_ENGINE_LINK_FLAGS)
