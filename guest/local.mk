# guest/local.mk: the guest SDK (runtime, libc, JSON), its examples and pkg-config files.
#
# Guest code is built with $(GUEST_CC) and the GUEST_* flags below only: the
# user's CFLAGS/CPPFLAGS/LDFLAGS (sanitizers, coverage) never reach it.
#
# Other fragments build an image from one C file with:
#
#   tests/foo/bar.elf: tests/foo/bar.c $(GUEST_IMAGE_DEPS)
#   	$(GUEST_LINK_IMAGE)
#
# GUEST_LINK_IMAGE compiles and links its first prerequisite ($<) into $@;
# extra objects or flags can be passed through GUEST_IMAGE_EXTRA (target-
# specific variable). Add the image to CLEANFILES and the .c to EXTRA_DIST.

# gcc's own freestanding headers (stdint.h, stddef.h, stdarg.h, limits.h...).
GUEST_CC_INCLUDE := $(shell $(GUEST_CC) -print-file-name=include)

# The project's warnings (with -Werror when configured so).
GUEST_WARN = $(WARN_CFLAGS)
GUEST_CPP_FLAGS = -nostdinc -isystem $(GUEST_CC_INCLUDE) \
	-I$(top_srcdir)/guest/include -I$(top_srcdir)/vmm
# Code generation for images; the .pc files carry the same flags.
GUEST_CODEGEN = -O2 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -ffunction-sections -fdata-sections -mno-red-zone
GUEST_C_FLAGS = -std=gnu11 $(GUEST_CODEGEN) -fno-tree-loop-distribute-patterns \
	$(GUEST_WARN)
GUEST_LINK = -static -nostdlib -no-pie -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack -Wl,--build-id=none -Wl,--gc-sections -Wl,-z,norelro
GUEST_LD_FLAGS = $(GUEST_LINK) -Wl,-T,$(top_srcdir)/guest/glint.ld
GUEST_LIBS = -Wl,--start-group guest/libglint-guest.a guest/libglint-rt.a \
	-Wl,--end-group

guestincludedir = $(includedir)/glint
guestinclude_HEADERS = \
	guest/include/glint.h guest/include/glint_json.h \
	guest/include/glint_cdefs.h guest/include/alloca.h \
	guest/include/assert.h guest/include/ctype.h guest/include/errno.h \
	guest/include/fenv.h guest/include/inttypes.h guest/include/limits.h \
	guest/include/math.h guest/include/setjmp.h guest/include/stdio.h \
	guest/include/stdlib.h guest/include/string.h guest/include/strings.h \
	guest/include/time.h vmm/glint_abi.h

GUEST_IMAGE_DEPS = guest/libglint-guest.a guest/libglint-rt.a \
	$(top_srcdir)/guest/glint.ld \
	$(guestinclude_HEADERS:%=$(top_srcdir)/%)

# C++ images: freestanding C++ (no exceptions, no RTTI, no libstdc++).
GUEST_CXX = g++
GUEST_CXX_FLAGS = -std=gnu++17 $(GUEST_CODEGEN) -fno-exceptions -fno-rtti \
	$(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(GUEST_WARN))
GUEST_LINK_CXX_IMAGE = $(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(GUEST_CXX) $(GUEST_CPP_FLAGS) $(GUEST_CXX_FLAGS) $(GUEST_LD_FLAGS) \
	-o $@ $(GUEST_IMAGE_EXTRA) $< $(GUEST_LIBS)

GUEST_LINK_IMAGE = $(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) $(GUEST_C_FLAGS) $(GUEST_LD_FLAGS) \
	-o $@ $(GUEST_IMAGE_EXTRA) $< $(GUEST_LIBS)

# ---- the runtime library ---------------------------------------------------

GUEST_LIB_SRCS = \
	guest/src/start.S guest/src/note.c guest/src/runtime.c \
	guest/src/string.c guest/src/malloc.c guest/src/stdlib.c \
	guest/src/printf.c guest/src/stdio.c guest/src/json.c \
	guest/src/scanf.c guest/src/exit.c guest/src/time.c \
	guest/src/strftime.c guest/src/setjmp.S guest/src/compiler.c \
	guest/src/request.c guest/src/hostio.c guest/src/digest.c
GUEST_LIB_OBJS = $(patsubst %.c,%.guest.o,$(patsubst %.S,%.guest.o,$(GUEST_LIB_SRCS))) \
	guest/src/sha256.guest.o
GUEST_LIB_HDRS = guest/src/internal.h $(guestinclude_HEADERS)

guest/src/%.guest.o: guest/src/%.c $(GUEST_LIB_HDRS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) $(GUEST_C_FLAGS) -c -o $@ $<
# SHA-256 is the host's own daemon/common/sha256.c (freestanding C), built
# into the guest library under SDK-private names (sha256_names.h), so that a
# function may define its own sha256().
GUEST_SHA256_FLAGS = -include $(top_srcdir)/guest/src/sha256_names.h \
	-I$(top_srcdir)/daemon/common
guest/src/sha256.guest.o: $(top_srcdir)/daemon/common/sha256.c \
		$(top_srcdir)/daemon/common/sha256.h \
		$(top_srcdir)/guest/src/sha256_names.h $(GUEST_LIB_HDRS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) $(GUEST_SHA256_FLAGS) -I$(top_builddir) \
	$(GUEST_C_FLAGS) -c -o $@ $<
guest/src/digest.guest.o: guest/src/digest.c \
		$(top_srcdir)/daemon/common/sha256.h \
		$(top_srcdir)/guest/src/sha256_names.h $(GUEST_LIB_HDRS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) $(GUEST_SHA256_FLAGS) \
	$(GUEST_C_FLAGS) -c -o $@ $<
guest/src/%.guest.o: guest/src/%.S $(GUEST_LIB_HDRS)
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(GUEST_CC) $(GUEST_CPP_FLAGS) -ffreestanding -c -o $@ $<

guest/libglint-guest.a: $(GUEST_LIB_OBJS)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(GUEST_LIB_OBJS) && $(RANLIB) $@

# ---- libm and compiler helpers ---------------------------------------------
# Objects selected from musl-dev's libc.a and gcc's libgcc.a (see
# guest/rt/mkrt.sh); an archive, so an image links only what it uses.
MUSL_LIBC_A = /usr/lib/x86_64-linux-musl/libc.a
GUEST_LIBGCC_A := $(shell $(GUEST_CC) -print-libgcc-file-name)
guest/libglint-rt.a: $(top_srcdir)/guest/rt/mkrt.sh $(top_srcdir)/guest/rt/libm.list
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	if [ ! -f $(MUSL_LIBC_A) ]; then \
		echo "$(MUSL_LIBC_A) is missing: install musl-dev (scripts/deps.sh)" >&2; \
		exit 1; fi && \
	sh $(top_srcdir)/guest/rt/mkrt.sh $@ $(top_srcdir)/guest/rt/libm.list \
		$(MUSL_LIBC_A) $(GUEST_LIBGCC_A)
EXTRA_DIST += guest/rt/mkrt.sh guest/rt/libm.list
CLEANFILES += guest/libglint-rt.a

guestlibdir = $(libdir)
guestlib_DATA = guest/libglint-guest.a guest/libglint-rt.a
guestlddir = $(libdir)/glint
dist_guestld_DATA = guest/glint.ld

# ---- examples ----------------------------------------------------------------

GUEST_EXAMPLES = guest/examples/echo.elf guest/examples/hello.elf \
	guest/examples/primes.elf guest/examples/table.elf \
	guest/examples/webhook.elf guest/examples/counter.elf \
	guest/examples/shorten.elf guest/examples/transform.elf
# Built when the C++ compiler is there (scripts/deps.sh installs g++).
GUEST_CXX_FOUND := $(shell command -v $(GUEST_CXX) 2>/dev/null)
GUEST_CXX_EXAMPLES = $(if $(GUEST_CXX_FOUND),guest/examples/wordfreq.elf)
noinst_DATA += $(GUEST_EXAMPLES) $(GUEST_CXX_EXAMPLES)
guestexamplesdir = $(pkgdatadir)/examples
dist_guestexamples_DATA = $(GUEST_EXAMPLES:.elf=.c) \
	guest/examples/wordfreq.cpp

guest/examples/%.elf: guest/examples/%.c $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)
guest/examples/%.elf: guest/examples/%.cpp $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_CXX_IMAGE)

EXTRA_DIST += $(GUEST_LIB_SRCS) guest/src/internal.h guest/README.md \
	guest/src/sha256_names.h
CLEANFILES += $(GUEST_LIB_OBJS) guest/libglint-guest.a $(GUEST_EXAMPLES) \
	guest/examples/wordfreq.elf

# ---- pkg-config ----------------------------------------------------------------
# glint-guest.pc is installed; glint-guest-uninstalled.pc points into the
# source and build trees, and pkg-config prefers it when PKG_CONFIG_PATH
# includes <builddir>/guest:
#   cc $$(pkg-config --cflags --libs glint-guest) fn.c -o fn.elf
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = guest/glint-guest.pc
noinst_DATA += guest/glint-guest-uninstalled.pc

# [@] keeps config.status from substituting the patterns themselves.
GUEST_PC_SED = sed -e 's|@prefix[@]|$(prefix)|g' -e 's|@libdir[@]|$(libdir)|g' \
	-e 's|@includedir[@]|$(includedir)|g' -e 's|@VERSION[@]|$(VERSION)|g' \
	-e 's|@GUEST_CC_INCLUDE[@]|$(GUEST_CC_INCLUDE)|g' \
	-e 's|@GUEST_PC_CFLAGS[@]|$(GUEST_CODEGEN) -nostdinc|g' \
	-e 's|@GUEST_PC_LDFLAGS[@]|$(GUEST_LINK)|g' \
	-e 's|@abs_top_srcdir[@]|$(abs_top_srcdir)|g' \
	-e 's|@abs_top_builddir[@]|$(abs_top_builddir)|g'
guest/glint-guest.pc: guest/glint-guest.pc.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_PC_SED) $< > $@-t && mv $@-t $@
guest/glint-guest-uninstalled.pc: guest/glint-guest-uninstalled.pc.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_PC_SED) $< > $@-t && mv $@-t $@

EXTRA_DIST += guest/glint-guest.pc.in guest/glint-guest-uninstalled.pc.in
CLEANFILES += guest/glint-guest.pc guest/glint-guest-uninstalled.pc
