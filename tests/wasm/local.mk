# tests/wasm/local.mk: WebAssembly end to end (KVM, the real glintd).
#
# Needs wabt (wat2wasm, wasm2c), clang with wasi-libc, lld and
# libclang-rt-14-dev-wasm32 (the C example), and Debian's rustc with
# libstd-rust-dev-wasm32 (the Rust example): scripts/deps.sh --test
# installs them, and make check needs them.

WAT2WASM = wat2wasm
TESTS_WASM_MODULES = tests/wasm/traps.wasm tests/wasm/echo.wasm \
	tests/wasm/imports.wasm tests/wasm/nostart.wasm \
	tests/wasm/bigmem.wasm tests/wasm/invalid.wasm
EXTRA_DIST += $(TESTS_WASM_MODULES:.wasm=.wat)
CLEANFILES += $(TESTS_WASM_MODULES)

tests/wasm/%.wasm: tests/wasm/%.wat
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(WAT2WASM) $< -o $@
# Invalid on purpose: assembled without validation.
tests/wasm/invalid.wasm: tests/wasm/invalid.wat
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(WAT2WASM) --no-check $< -o $@

check_PROGRAMS += tests/wasm/test_wasm
TESTS += tests/wasm/test_wasm
tests_wasm_test_wasm_SOURCES = tests/wasm/test_wasm.c $(E2E_HARNESS)
tests_wasm_test_wasm_CPPFLAGS = $(E2E_CPPFLAGS)
tests_wasm_test_wasm_LDADD = $(E2E_LDADD)
tests_wasm_test_wasm_DEPENDENCIES = glintd$(EXEEXT) glint$(EXEEXT) \
	$(TESTS_WASM_MODULES) \
	$(GUEST_WASM_EXAMPLES) guest/wasi/sdk/stamp
