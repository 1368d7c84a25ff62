# daemon/engine/local.mk: the engine library (registry, state, pools, workers).
noinst_LIBRARIES += daemon/engine/libglintengine.a
daemon_engine_libglintengine_a_SOURCES = \
	daemon/engine/engine.h daemon/engine/engine_internal.h \
	daemon/engine/engine.c \
	daemon/engine/budget.c \
	daemon/engine/chain.c \
	daemon/engine/deploy.c daemon/engine/deploy_internal.h \
	daemon/engine/deploy_boot.c daemon/engine/deploy_describe.c \
	daemon/engine/deploy_store.c \
	daemon/engine/hostcall.c \
	daemon/engine/hcdecode.c daemon/engine/hcdecode.h \
	daemon/engine/hcops.c \
	daemon/engine/invoke.c \
	daemon/engine/pool.c \
	daemon/engine/services.c \
	daemon/engine/store.c daemon/engine/store.h \
	daemon/engine/fnconfig.c daemon/engine/fnconfig.h \
	daemon/engine/release.c daemon/engine/release.h \
	daemon/engine/worker.c daemon/engine/worker.h
ENGINE_CPPFLAGS = -I$(top_srcdir)/daemon/engine $(COMMON_CPPFLAGS) \
	$(UV_CFLAGS) $(JANSSON_CFLAGS) $(KV_CPPFLAGS) $(FETCH_CPPFLAGS)
daemon_engine_libglintengine_a_CPPFLAGS = $(AM_CPPFLAGS) $(ENGINE_CPPFLAGS) \
	$(OBS_CPPFLAGS) $(WASM_CPPFLAGS)

# What glintd and the engine's tests link.
ENGINE_LIBS = daemon/engine/libglintengine.a $(WASM_LIBS) $(KV_LIBS) \
	$(FETCH_LIBS) $(OBS_LIBS) $(COMMON_LIBS) \
	vmm/libglintvmm.a $(DW_LIBS) $(UV_LIBS) $(JANSSON_LIBS)
