# daemon/engine.mk: the engine library (registry, state, pools, workers).
noinst_LIBRARIES += daemon/libglintengine.a
daemon_libglintengine_a_SOURCES = \
	daemon/engine.h daemon/engine_internal.h \
	daemon/engine.c \
	daemon/deploy.c \
	daemon/pool.c \
	daemon/settings.c \
	daemon/sha256.c daemon/sha256.h \
	daemon/store.c daemon/store.h \
	daemon/worker.c daemon/worker.h
daemon_libglintengine_a_CPPFLAGS = $(AM_CPPFLAGS) $(UV_CFLAGS) $(JANSSON_CFLAGS)

# What glintd and the engine's tests link (add $(OBS_LIBS) for log/metrics).
ENGINE_LIBS = daemon/libglintengine.a vmm/libglintvmm.a $(UV_LIBS) \
	$(JANSSON_LIBS)
