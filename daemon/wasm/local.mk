# daemon/wasm/local.mk: WebAssembly modules to guest images (wasm2c + cc in
# confined children, cached by digest), used by the engine's deploy.
noinst_LIBRARIES += daemon/wasm/libglintwasm.a
daemon_wasm_libglintwasm_a_SOURCES = \
	daemon/wasm/wasm_build.c daemon/wasm/wasm_build.h \
	daemon/wasm/wasm_child.c daemon/wasm/wasm_child.h \
	daemon/wasm/wasm_header.c daemon/wasm/wasm_header.h \
	daemon/wasm/wasm_scan.c daemon/wasm/wasm_scan.h
WASM_CPPFLAGS = -I$(top_srcdir)/daemon/wasm $(COMMON_CPPFLAGS)
# Where the installed guest SDK is, and the compiler guest code is built
# with (its own freestanding headers come from GLINT_WASM_CC_INCLUDE).
daemon_wasm_libglintwasm_a_CPPFLAGS = $(AM_CPPFLAGS) $(WASM_CPPFLAGS) \
	-DGLINT_WASM_INCLUDEDIR='"$(includedir)/glint"' \
	-DGLINT_WASM_LIBDIR='"$(libdir)"' \
	-DGLINT_WASM_CC='"$(GUEST_CC)"' \
	-DGLINT_WASM_CC_INCLUDE='"$(GUEST_CC_INCLUDE)"'
WASM_LIBS = daemon/wasm/libglintwasm.a
