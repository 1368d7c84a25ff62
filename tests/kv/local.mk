# tests/kv/local.mk: the KV store's suite, one source run against both
# backends: test_kv_embedded (LMDB in a temporary directory) and
# test_kv_redis (a redis-server it starts itself via redis_server.sh; skips
# with 77 when redis-server is missing, fails instead under
# GLINT_REQUIRE_KVM=1 as in CI).
KV_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(KV_CPPFLAGS) \
	$(CHECK_CFLAGS)
KV_TEST_LDADD = $(KV_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/kv/test_kv_embedded tests/kv/test_kv_redis
TESTS += tests/kv/test_kv_embedded tests/kv/test_kv_redis
EXTRA_DIST += tests/kv/redis_server.sh

tests_kv_test_kv_embedded_SOURCES = tests/kv/test_kv.c
tests_kv_test_kv_embedded_CPPFLAGS = $(KV_TEST_CPPFLAGS) -DKV_TEST_REDIS=0
tests_kv_test_kv_embedded_LDADD = $(KV_TEST_LDADD)

tests_kv_test_kv_redis_SOURCES = tests/kv/test_kv.c
tests_kv_test_kv_redis_CPPFLAGS = $(KV_TEST_CPPFLAGS) -DKV_TEST_REDIS=1
tests_kv_test_kv_redis_LDADD = $(KV_TEST_LDADD)
