# tests/wasm/local.mk: WebAssembly end to end (KVM, the real glintd).
#
# Needs wabt (wat2wasm, wasm2c), clang with wasi-libc, lld and
# libclang-rt-14-dev-wasm32 (the C example), and Debian's rustc with
# libstd-rust-dev-wasm32 (the Rust example): scripts/deps.sh --test
# installs them, and make check needs them.

WAT2WASM = wat2wasm
TESTS_WASM_MODULES = tests/wasm/traps.wasm tests/wasm/echo.wasm \
	tests/wasm/imports.wasm tests/wasm/nostart.wasm \
	tests/wasm/bigmem.wasm tests/wasm/invalid.wasm tests/wasm/exit.wasm \
	tests/wasm/starttrap.wasm tests/wasm/stubbed.wasm \
	tests/wasm/badsig.wasm
EXTRA_DIST += $(TESTS_WASM_MODULES:.wasm=.wat)
CLEANFILES += $(TESTS_WASM_MODULES)

tests/wasm/%.wasm: tests/wasm/%.wat
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(WAT2WASM) $< -o $@
# Test modules in C, built with wasi-libc like the C example.
TESTS_WASM_C_MODULES = tests/wasm/cgienv.wasm
EXTRA_DIST += $(TESTS_WASM_C_MODULES:.wasm=.c)
CLEANFILES += $(TESTS_WASM_C_MODULES)
tests/wasm/%.wasm: tests/wasm/%.c
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(WASM_CLANG) --target=wasm32-wasi --sysroot=/usr -O2 -o $@ $<
# Host calls through the "glint" import module, with the SDK's glint_wasm.h.
tests/wasm/hostcalls.wasm: tests/wasm/hostcalls.c \
		guest/wasi/include/glint_wasm.h
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(WASM_CLANG) --target=wasm32-wasi --sysroot=/usr -O2 \
		-I$(top_srcdir)/guest/wasi/include -o $@ $<
EXTRA_DIST += tests/wasm/hostcalls.c
CLEANFILES += tests/wasm/hostcalls.wasm
# Invalid on purpose: assembled without validation.
tests/wasm/invalid.wasm: tests/wasm/invalid.wat
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(WAT2WASM) --no-check $< -o $@

check_PROGRAMS += tests/wasm/test_wasm
TESTS += tests/wasm/test_wasm
tests_wasm_test_wasm_SOURCES = tests/wasm/test_wasm.c $(E2E_HARNESS)
tests_wasm_test_wasm_CPPFLAGS = $(E2E_CPPFLAGS)
tests_wasm_test_wasm_LDADD = $(E2E_LDADD)
tests_wasm_test_wasm_DEPENDENCIES = glintd$(EXEEXT) glint$(EXEEXT) \
	$(TESTS_WASM_MODULES) $(TESTS_WASM_C_MODULES) \
	$(GUEST_WASM_EXAMPLES) guest/wasi/sdk/stamp

check_PROGRAMS += tests/wasm/test_wasm_hostcalls
TESTS += tests/wasm/test_wasm_hostcalls
tests_wasm_test_wasm_hostcalls_SOURCES = tests/wasm/test_wasm_hostcalls.c \
	$(E2E_HARNESS)
tests_wasm_test_wasm_hostcalls_CPPFLAGS = $(E2E_CPPFLAGS) $(MHD_CFLAGS)
tests_wasm_test_wasm_hostcalls_LDADD = $(E2E_LDADD) $(MHD_LIBS)
tests_wasm_test_wasm_hostcalls_DEPENDENCIES = glintd$(EXEEXT) \
	tests/wasm/hostcalls.wasm tests/wasm/badsig.wasm guest/wasi/sdk/stamp

# AssemblyScript: the compiler is installed from npm at test time into the
# build tree (tests/wasm/assemblyscript.sh), never kept in the source tree.
check_PROGRAMS += tests/wasm/test_wasm_as
TESTS += tests/wasm/test_wasm_as
tests_wasm_test_wasm_as_SOURCES = tests/wasm/test_wasm_as.c $(E2E_HARNESS)
tests_wasm_test_wasm_as_CPPFLAGS = $(E2E_CPPFLAGS)
tests_wasm_test_wasm_as_LDADD = $(E2E_LDADD)
tests_wasm_test_wasm_as_DEPENDENCIES = glintd$(EXEEXT) glint$(EXEEXT) \
	guest/wasi/sdk/stamp
dist_noinst_SCRIPTS += tests/wasm/assemblyscript.sh
EXTRA_DIST += guest/examples/wasm/assemblyscript/hello.ts \
	guest/examples/wasm/assemblyscript/package.json \
	guest/examples/wasm/assemblyscript/package-lock.json
clean-local: clean-wasm-as
clean-wasm-as:
	rm -rf tests/wasm/assemblyscript
.PHONY: clean-wasm-as

# The core spec tests: spec_gen writes one harness per .wast file (host
# program, jansson); spec.sh builds and runs it natively and in a VM.
check_PROGRAMS += tests/wasm/spec_gen
tests_wasm_spec_gen_SOURCES = tests/wasm/spec_gen.c
tests_wasm_spec_gen_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
tests_wasm_spec_gen_LDADD = $(JANSSON_LIBS)
TESTS += tests/wasm/spec.test
dist_noinst_SCRIPTS += tests/wasm/spec.test tests/wasm/spec.sh
EXTRA_tests_wasm_spec_gen_DEPENDENCIES = glint-run$(EXEEXT) \
	guest/wasi/sdk/stamp

# Every file of the suite, outside make check (CI runs it).
check-wasm-spec: tests/wasm/spec_gen$(EXEEXT) glint-run$(EXEEXT) \
		guest/wasi/sdk/stamp
	GLINT_BUILDDIR='$(abs_top_builddir)' GLINT_SRCDIR='$(abs_top_srcdir)' \
	GLINT_WASM_SPEC_ALL=1 sh $(top_srcdir)/tests/wasm/spec.test
.PHONY: check-wasm-spec
distclean-local: clean-wasm-spec-tests
clean-wasm-spec-tests:
	rm -rf wasm-spec-tests wasm-spec-tests.log
.PHONY: clean-wasm-spec-tests
