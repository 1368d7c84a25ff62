# daemon/kv/local.mk: per-function key-value state, the store behind the KV
# host calls (kv.h): LMDB embedded (default) or Redis through hiredis.
noinst_LIBRARIES += daemon/kv/libglintkv.a
# Long LMDB keys are stored by digest: sha256 comes from daemon/common.
daemon_kv_libglintkv_a_SOURCES = \
	daemon/kv/kv.c daemon/kv/kv.h daemon/kv/kv_internal.h \
	daemon/kv/kv_lmdb.c daemon/kv/kv_redis.c
KV_CPPFLAGS = -I$(top_srcdir)/daemon/kv $(COMMON_CPPFLAGS) $(UV_CFLAGS) \
	$(LMDB_CFLAGS) $(HIREDIS_CFLAGS)
daemon_kv_libglintkv_a_CPPFLAGS = $(AM_CPPFLAGS) $(KV_CPPFLAGS)

# What glintd (once the host calls are wired) and the KV tests link.
KV_LIBS = daemon/kv/libglintkv.a $(COMMON_LIBS) $(LMDB_LIBS) \
	$(HIREDIS_LIBS) $(UV_LIBS)
