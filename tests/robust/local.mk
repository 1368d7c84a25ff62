# tests/robust/local.mk: robustness tests against the running glintd (hostile guests, faults, bad HTTP).

# Extra misbehaving guests that tests/guests/hostile.c does not cover.
ROBUST_GUEST_IMAGES = tests/robust/guests/liar.elf
check_DATA += $(ROBUST_GUEST_IMAGES)
CLEANFILES += $(ROBUST_GUEST_IMAGES)
EXTRA_DIST += $(ROBUST_GUEST_IMAGES:.elf=.c)

tests/robust/guests/%.elf: tests/robust/guests/%.c $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)

ROBUST_DEPS = glintd$(EXEEXT) guest/examples/echo.elf \
	guest/examples/hello.elf $(GUEST_TEST_IMAGES) $(ROBUST_GUEST_IMAGES)
ROBUST_COMMON = tests/robust/robust_util.c tests/robust/robust_util.h \
	tests/e2e/harness.c tests/e2e/harness.h
ROBUST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) -I$(top_srcdir)/tests/e2e \
	$(CHECK_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
ROBUST_LDADD = $(CHECK_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/robust/test_hostile
TESTS += tests/robust/test_hostile
tests_robust_test_hostile_SOURCES = tests/robust/test_hostile.c \
	$(ROBUST_COMMON)
tests_robust_test_hostile_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_hostile_LDADD = $(ROBUST_LDADD)
tests_robust_test_hostile_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_badhttp
TESTS += tests/robust/test_badhttp
tests_robust_test_badhttp_SOURCES = tests/robust/test_badhttp.c \
	$(ROBUST_COMMON)
tests_robust_test_badhttp_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_badhttp_LDADD = $(ROBUST_LDADD)
tests_robust_test_badhttp_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_crash
TESTS += tests/robust/test_crash
tests_robust_test_crash_SOURCES = tests/robust/test_crash.c $(ROBUST_COMMON)
tests_robust_test_crash_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_crash_LDADD = $(ROBUST_LDADD)
tests_robust_test_crash_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_faults
TESTS += tests/robust/test_faults
tests_robust_test_faults_SOURCES = tests/robust/test_faults.c $(ROBUST_COMMON)
tests_robust_test_faults_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_faults_LDADD = $(ROBUST_LDADD)
tests_robust_test_faults_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_limits
TESTS += tests/robust/test_limits
tests_robust_test_limits_SOURCES = tests/robust/test_limits.c $(ROBUST_COMMON)
tests_robust_test_limits_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_limits_LDADD = $(ROBUST_LDADD)
tests_robust_test_limits_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_fairness
TESTS += tests/robust/test_fairness
tests_robust_test_fairness_SOURCES = tests/robust/test_fairness.c \
	$(ROBUST_COMMON)
tests_robust_test_fairness_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_fairness_LDADD = $(ROBUST_LDADD)
tests_robust_test_fairness_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_budgets
TESTS += tests/robust/test_budgets
tests_robust_test_budgets_SOURCES = tests/robust/test_budgets.c \
	$(ROBUST_COMMON)
tests_robust_test_budgets_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_budgets_LDADD = $(ROBUST_LDADD)
tests_robust_test_budgets_DEPENDENCIES = $(ROBUST_DEPS)

# The faults that need a private mount namespace (root): a binary of their
# own, so that without one automake reports SKIP (FAIL in CI).
check_PROGRAMS += tests/robust/test_faults_ns
TESTS += tests/robust/test_faults_ns
tests_robust_test_faults_ns_SOURCES = tests/robust/test_faults_ns.c \
	$(ROBUST_COMMON)
tests_robust_test_faults_ns_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_faults_ns_LDADD = $(ROBUST_LDADD)
tests_robust_test_faults_ns_DEPENDENCIES = $(ROBUST_DEPS)

# SECURITY.md maps every defence to the tests here and elsewhere.
EXTRA_DIST += SECURITY.md

# SIGKILL during environment, secret and rollback changes (KVM).
check_PROGRAMS += tests/robust/test_crash_config
TESTS += tests/robust/test_crash_config
tests_robust_test_crash_config_SOURCES = tests/robust/test_crash_config.c \
	$(ROBUST_COMMON)
tests_robust_test_crash_config_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_crash_config_LDADD = $(ROBUST_LDADD)
tests_robust_test_crash_config_DEPENDENCIES = $(ROBUST_DEPS)

# The raw fpuleak guest: no caller's input survives in CPU state.
check_PROGRAMS += tests/robust/test_isolation
TESTS += tests/robust/test_isolation
tests_robust_test_isolation_SOURCES = tests/robust/test_isolation.c \
	$(ROBUST_COMMON)
tests_robust_test_isolation_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_isolation_LDADD = $(ROBUST_LDADD)
tests_robust_test_isolation_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_fdlimit
TESTS += tests/robust/test_fdlimit
tests_robust_test_fdlimit_SOURCES = tests/robust/test_fdlimit.c \
	$(ROBUST_COMMON)
tests_robust_test_fdlimit_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_fdlimit_LDADD = $(ROBUST_LDADD)
tests_robust_test_fdlimit_DEPENDENCIES = $(ROBUST_DEPS)

check_PROGRAMS += tests/robust/test_hostcall
TESTS += tests/robust/test_hostcall
tests_robust_test_hostcall_SOURCES = tests/robust/test_hostcall.c \
	$(ROBUST_COMMON)
tests_robust_test_hostcall_CPPFLAGS = $(ROBUST_CPPFLAGS)
tests_robust_test_hostcall_LDADD = $(ROBUST_LDADD)
tests_robust_test_hostcall_DEPENDENCIES = $(ROBUST_DEPS)

# KV and outbound HTTP host calls against the running glintd; the same KV
# tests against a redis-server started on loopback.
HCOPS_SOURCES = tests/robust/test_hcops.c $(ROBUST_COMMON) \
	tests/fetch/fetch_server.c tests/fetch/fetch_server.h
HCOPS_CPPFLAGS = $(ROBUST_CPPFLAGS) -I$(top_srcdir)/tests/fetch $(MHD_CFLAGS)
HCOPS_LDADD = $(ROBUST_LDADD) $(MHD_LIBS)
check_PROGRAMS += tests/robust/test_hcops tests/robust/test_hcops_redis
TESTS += tests/robust/test_hcops tests/robust/test_hcops_redis
tests_robust_test_hcops_SOURCES = $(HCOPS_SOURCES)
tests_robust_test_hcops_CPPFLAGS = $(HCOPS_CPPFLAGS)
tests_robust_test_hcops_LDADD = $(HCOPS_LDADD)
tests_robust_test_hcops_DEPENDENCIES = $(ROBUST_DEPS)
tests_robust_test_hcops_redis_SOURCES = $(HCOPS_SOURCES)
tests_robust_test_hcops_redis_CPPFLAGS = $(HCOPS_CPPFLAGS) -DHC_TEST_REDIS=1
tests_robust_test_hcops_redis_LDADD = $(HCOPS_LDADD)
tests_robust_test_hcops_redis_DEPENDENCIES = $(ROBUST_DEPS)
