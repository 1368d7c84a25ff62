# tests/e2e/local.mk: tests/e2e build and test rules.

# Metrics rendering (no KVM): counts, buckets, escaping, promtool.
check_PROGRAMS += tests/e2e/test_metrics
TESTS += tests/e2e/test_metrics
tests_e2e_test_metrics_SOURCES = tests/e2e/test_metrics.c
tests_e2e_test_metrics_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) $(CHECK_CFLAGS)
tests_e2e_test_metrics_LDADD = $(OBS_LIBS) $(CHECK_LIBS)
