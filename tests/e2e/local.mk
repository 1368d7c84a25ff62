# tests/e2e/local.mk: tests/e2e build and test rules.

# Metrics rendering (no KVM): counts, buckets, escaping, promtool.
check_PROGRAMS += tests/e2e/test_metrics
TESTS += tests/e2e/test_metrics
tests_e2e_test_metrics_SOURCES = tests/e2e/test_metrics.c
tests_e2e_test_metrics_CPPFLAGS = $(AM_CPPFLAGS) $(OBS_CPPFLAGS) $(CHECK_CFLAGS)
tests_e2e_test_metrics_LDADD = $(OBS_LIBS) $(CHECK_LIBS)

# The real glintd over HTTP (KVM): they need the daemon and guest images.
E2E_DEPS = glintd$(EXEEXT) guest/examples/echo.elf guest/examples/hello.elf \
	$(GUEST_TEST_IMAGES)
check_PROGRAMS += tests/e2e/test_http tests/e2e/test_guests \
	tests/e2e/test_request
TESTS += tests/e2e/test_http tests/e2e/test_guests tests/e2e/test_request
E2E_HARNESS = tests/e2e/harness.c tests/e2e/harness.h
E2E_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) $(CHECK_CFLAGS) \
	$(CURL_CFLAGS) $(JANSSON_CFLAGS)
E2E_LDADD = $(CHECK_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)
tests_e2e_test_http_SOURCES = tests/e2e/test_http.c $(E2E_HARNESS)
tests_e2e_test_http_CPPFLAGS = $(E2E_CPPFLAGS)
tests_e2e_test_http_LDADD = $(E2E_LDADD)
tests_e2e_test_http_DEPENDENCIES = $(E2E_DEPS)
tests_e2e_test_request_SOURCES = tests/e2e/test_request.c $(E2E_HARNESS) \
	daemon/common/sha256.c
tests_e2e_test_request_CPPFLAGS = $(E2E_CPPFLAGS)
tests_e2e_test_request_LDADD = $(E2E_LDADD)
tests_e2e_test_request_DEPENDENCIES = $(E2E_DEPS)
tests_e2e_test_guests_SOURCES = tests/e2e/test_guests.c $(E2E_HARNESS)
tests_e2e_test_guests_CPPFLAGS = $(E2E_CPPFLAGS)
tests_e2e_test_guests_LDADD = $(E2E_LDADD)
tests_e2e_test_guests_DEPENDENCIES = $(E2E_DEPS)

# glintd flags and route parsing (no KVM).
check_PROGRAMS += tests/e2e/test_config
TESTS += tests/e2e/test_config
tests_e2e_test_config_SOURCES = tests/e2e/test_config.c \
	daemon/http/glintd_config.c daemon/http/api.c daemon/http/http.c \
	daemon/http/invreq.c daemon/http/kvapi.c
tests_e2e_test_config_CPPFLAGS = $(AM_CPPFLAGS) $(HTTP_CPPFLAGS) $(CHECK_CFLAGS)
tests_e2e_test_config_LDADD = $(OBS_LIBS) $(ENGINE_LIBS) $(MHD_LIBS) \
	$(CHECK_LIBS)

# glintd.conf loading, token files and the exposure rule (no KVM).
check_PROGRAMS += tests/e2e/test_config_file
TESTS += tests/e2e/test_config_file
tests_e2e_test_config_file_SOURCES = tests/e2e/test_config_file.c \
	daemon/http/glintd_config.c
tests_e2e_test_config_file_CPPFLAGS = $(tests_e2e_test_config_CPPFLAGS)
tests_e2e_test_config_file_LDADD = $(tests_e2e_test_config_LDADD)

# glintd as a service (KVM): tokens, exposure, TLS, systemd-style start.
check_PROGRAMS += tests/e2e/test_service
TESTS += tests/e2e/test_service
tests_e2e_test_service_SOURCES = tests/e2e/test_service.c $(E2E_HARNESS)
tests_e2e_test_service_CPPFLAGS = $(E2E_CPPFLAGS) $(MHD_CFLAGS)
tests_e2e_test_service_LDADD = $(E2E_LDADD) $(MHD_LIBS)
tests_e2e_test_service_DEPENDENCIES = $(E2E_DEPS)
# Its TLS case alone (needs TLS in libmicrohttpd and the openssl CLI): a
# binary of its own, so that a host without them reports SKIP.
check_PROGRAMS += tests/e2e/test_service_tls
TESTS += tests/e2e/test_service_tls
tests_e2e_test_service_tls_SOURCES = $(tests_e2e_test_service_SOURCES)
tests_e2e_test_service_tls_CPPFLAGS = $(tests_e2e_test_service_CPPFLAGS) \
	-DSERVICE_TLS_BINARY=1
tests_e2e_test_service_tls_LDADD = $(tests_e2e_test_service_LDADD)
tests_e2e_test_service_tls_DEPENDENCIES = $(E2E_DEPS)

# A function's logs and versioned metrics against the real glintd (KVM).
check_PROGRAMS += tests/e2e/test_fnlogs
TESTS += tests/e2e/test_fnlogs
tests_e2e_test_fnlogs_SOURCES = tests/e2e/test_fnlogs.c $(E2E_HARNESS)
tests_e2e_test_fnlogs_CPPFLAGS = $(E2E_CPPFLAGS)
tests_e2e_test_fnlogs_LDADD = $(E2E_LDADD) -lpthread
tests_e2e_test_fnlogs_DEPENDENCIES = $(E2E_DEPS)
# Environment, secrets, kept versions and rollback (KVM).
check_PROGRAMS += tests/e2e/test_fnconfig
TESTS += tests/e2e/test_fnconfig
tests_e2e_test_fnconfig_SOURCES = tests/e2e/test_fnconfig.c $(E2E_HARNESS)
tests_e2e_test_fnconfig_CPPFLAGS = $(E2E_CPPFLAGS)
tests_e2e_test_fnconfig_LDADD = $(E2E_LDADD)
tests_e2e_test_fnconfig_DEPENDENCIES = $(E2E_DEPS)
# The operators' key-value routes and DELETE ?purge=1 (KVM).
check_PROGRAMS += tests/e2e/test_kvapi
TESTS += tests/e2e/test_kvapi
tests_e2e_test_kvapi_SOURCES = tests/e2e/test_kvapi.c $(E2E_HARNESS)
tests_e2e_test_kvapi_CPPFLAGS = $(E2E_CPPFLAGS) -DKVAPI_REDIS=0
tests_e2e_test_kvapi_LDADD = $(E2E_LDADD)
tests_e2e_test_kvapi_DEPENDENCIES = $(E2E_DEPS)
# The same against a redis-server it starts (tests/kv/redis_server.sh);
# SKIP without redis-server unless everything must run.
check_PROGRAMS += tests/e2e/test_kvapi_redis
TESTS += tests/e2e/test_kvapi_redis
tests_e2e_test_kvapi_redis_SOURCES = $(tests_e2e_test_kvapi_SOURCES)
tests_e2e_test_kvapi_redis_CPPFLAGS = $(E2E_CPPFLAGS) -DKVAPI_REDIS=1
tests_e2e_test_kvapi_redis_LDADD = $(E2E_LDADD)
tests_e2e_test_kvapi_redis_DEPENDENCIES = $(E2E_DEPS)
# The counter, shorten and transform examples end to end (KVM); transform
# reaches an order API the test serves on 127.0.0.1 (libmicrohttpd).
check_PROGRAMS += tests/e2e/test_examples_kv
TESTS += tests/e2e/test_examples_kv
tests_e2e_test_examples_kv_SOURCES = tests/e2e/test_examples_kv.c \
	$(E2E_HARNESS)
tests_e2e_test_examples_kv_CPPFLAGS = $(E2E_CPPFLAGS) $(MHD_CFLAGS)
tests_e2e_test_examples_kv_LDADD = $(E2E_LDADD) $(MHD_LIBS)
tests_e2e_test_examples_kv_DEPENDENCIES = $(E2E_DEPS) \
	guest/examples/counter.elf guest/examples/shorten.elf \
	guest/examples/transform.elf
