# guest/wasi/local.mk: WASI preview1 and the wasm2c runtime for the guest,
# and the SDK directory glintd compiles translated modules against.
#
# Built when wabt is installed (its wasm-rt.h describes the code wasm2c
# writes; scripts/deps.sh installs it). The SDK directory in the build tree,
# guest/wasi/sdk/{include,lib}, has the layout glintd expects from
# GLINT_WASM_SDK_DIR; installed, the same files are in $(includedir)/glint
# and $(libdir) (see daemon/wasm/).

WASM_RT_H = /usr/include/wasm-rt.h
WASM_RT_FOUND := $(wildcard $(WASM_RT_H))

GUEST_WASI_SRCS = guest/wasi/wasm_rt.c guest/wasi/wasi.c guest/wasi/cgi.c \
	guest/wasi/wasi_env.c guest/wasi/glint_host.c
GUEST_WASI_HDRS = guest/wasi/glint_wasi.h guest/wasi/cgi.h \
	guest/wasi/wasi_env.h
GUEST_WASI_OBJS = $(GUEST_WASI_SRCS:.c=.guest.o)
EXTRA_DIST += $(GUEST_WASI_SRCS) $(GUEST_WASI_HDRS) guest/wasi/wasm_main.c

# wasm-rt.h reached through a directory of its own, so that no other
# system header can leak into guest code.
guest/wasi/wabt/wasm-rt.h:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && ln -sf $(WASM_RT_H) $@

guest/wasi/%.guest.o: guest/wasi/%.c $(GUEST_WASI_HDRS) $(GUEST_LIB_HDRS) \
		guest/wasi/wabt/wasm-rt.h
	$(AM_V_CC)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) -Iguest/wasi/wabt $(GUEST_C_FLAGS) \
		-c -o $@ $<

guest/libglint-wasi.a: $(GUEST_WASI_OBJS)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(GUEST_WASI_OBJS) && $(RANLIB) $@

GUEST_WASM_SDK_FILES = \
	$(guestinclude_HEADERS:%=$(abs_top_srcdir)/%)
guest/wasi/sdk/stamp: guest/libglint-wasi.a guest/libglint-guest.a \
		guest/libglint-rt.a $(GUEST_IMAGE_DEPS)
	$(AM_V_GEN)rm -rf guest/wasi/sdk && \
	$(MKDIR_P) guest/wasi/sdk/include guest/wasi/sdk/lib && \
	for f in $(GUEST_WASM_SDK_FILES); do \
		ln -sf $$f guest/wasi/sdk/include/; done && \
	for f in libglint-wasi.a libglint-guest.a libglint-rt.a; do \
		ln -sf $(abs_top_builddir)/guest/$$f guest/wasi/sdk/lib/; done && \
	ln -sf $(abs_top_srcdir)/guest/glint.ld guest/wasi/sdk/lib/ && \
	ln -sf $(abs_top_srcdir)/guest/wasi/wasm_main.c guest/wasi/sdk/lib/ && \
	touch $@

if_wasm = $(if $(WASM_RT_FOUND),$(1))
noinst_DATA += $(call if_wasm,guest/libglint-wasi.a guest/wasi/sdk/stamp)
guestlib_DATA += $(call if_wasm,guest/libglint-wasi.a)
guestinclude_HEADERS += guest/wasi/glint_wasi.h
# For modules built with wasi-libc (clang --target=wasm32-wasi), not for
# guest code: installed next to the SDK's headers.
guestinclude_HEADERS += guest/wasi/include/glint_wasm.h
dist_guestld_DATA += guest/wasi/wasm_main.c
CLEANFILES += $(GUEST_WASI_OBJS) guest/libglint-wasi.a guest/wasi/wabt/wasm-rt.h

clean-local: clean-guest-wasi
clean-guest-wasi:
	rm -rf guest/wasi/sdk
.PHONY: clean-guest-wasi

# ---- examples: WASI modules in C (wasi-libc) and Rust --------------------------
# Built for the tests and installed as sources. Debian's rustc (not a
# rustup one, which lacks the wasm32-wasi standard library here).
WASM_CLANG = clang
WASM_RUSTC = /usr/bin/rustc
GUEST_WASM_EXAMPLES = guest/examples/wasm/stats.wasm \
	guest/examples/wasm/greet.wasm
CLEANFILES += $(GUEST_WASM_EXAMPLES)
dist_guestexamples_DATA += guest/examples/wasm/stats.c \
	guest/examples/wasm/greet.rs

guest/examples/wasm/stats.wasm: guest/examples/wasm/stats.c
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(WASM_CLANG) --target=wasm32-wasi --sysroot=/usr -O2 -o $@ $<
guest/examples/wasm/greet.wasm: guest/examples/wasm/greet.rs
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(WASM_RUSTC) --target wasm32-wasi -O -C strip=symbols -o $@ $<
