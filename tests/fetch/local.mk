# tests/fetch/local.mk: the outbound HTTP client's suites (no KVM; loopback
# only: every server they reach is one they start on 127.0.0.1).
FETCH_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(FETCH_CPPFLAGS) $(MHD_CFLAGS) \
	$(CHECK_CFLAGS)
FETCH_TEST_SERVER = tests/fetch/fetch_server.c tests/fetch/fetch_server.h

check_PROGRAMS += tests/fetch/test_fetch_policy tests/fetch/test_fetch
TESTS += tests/fetch/test_fetch_policy tests/fetch/test_fetch

tests_fetch_test_fetch_policy_SOURCES = tests/fetch/test_fetch_policy.c
tests_fetch_test_fetch_policy_CPPFLAGS = $(FETCH_TEST_CPPFLAGS)
tests_fetch_test_fetch_policy_LDADD = $(FETCH_LIBS) $(CHECK_LIBS)

tests_fetch_test_fetch_SOURCES = tests/fetch/test_fetch.c $(FETCH_TEST_SERVER)
tests_fetch_test_fetch_CPPFLAGS = $(FETCH_TEST_CPPFLAGS)
tests_fetch_test_fetch_LDADD = $(FETCH_LIBS) $(MHD_LIBS) $(CHECK_LIBS)

# The HTTPS test's self-signed certificate (127.0.0.1 and localhost, valid
# until 2126) and its key: test data only.
EXTRA_DIST += tests/fetch/tls/cert.pem tests/fetch/tls/key.pem

# The allow-list is fuzzed: tests/fuzz/fuzz_fetch.c (tests/fuzz/local.mk).
