# bench/wasm.mk: Wasm against native, in the same run (`make bench-wasm`):
# warm call of an echo, SHA-256 of 1 MiB (ratio; target <= 2x native) and
# the deploy (translate + compile + boot) of each Wasm example.
BENCH_SHA256_SRCS = -I$(top_srcdir)/daemon/common -I$(top_builddir) \
	$(top_srcdir)/daemon/common/sha256.c
bench/wasm/sha256.elf: GUEST_IMAGE_EXTRA = $(BENCH_SHA256_SRCS)
bench/wasm/sha256.elf: bench/wasm/sha256.c daemon/common/sha256.c \
		$(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)
bench/wasm/sha256.wasm: bench/wasm/sha256.c daemon/common/sha256.c
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(WASM_CLANG) --target=wasm32-wasi --sysroot=/usr -O2 -o $@ \
	$(BENCH_SHA256_SRCS) $<
EXTRA_DIST += bench/wasm/sha256.c bench/wasm_bench.sh
CLEANFILES += bench/wasm/sha256.elf bench/wasm/sha256.wasm

bench-wasm: glintd$(EXEEXT) glint-run$(EXEEXT) guest/examples/echo.elf \
		bench/wasm/sha256.elf bench/wasm/sha256.wasm \
		tests/wasm/echo.wasm $(GUEST_WASM_EXAMPLES) guest/wasi/sdk/stamp
	bash $(top_srcdir)/bench/wasm_bench.sh '$(abs_top_builddir)'
.PHONY: bench-wasm
