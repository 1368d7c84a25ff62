# tests/daemon/local.mk: the engine's Check suites (unit without KVM, and on KVM).
ENGINE_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(ENGINE_CPPFLAGS) \
	$(OBS_CPPFLAGS) $(CHECK_CFLAGS)
ENGINE_TEST_LDADD = $(ENGINE_LIBS) $(OBS_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/daemon/test_engine_unit tests/daemon/test_engine_kvm
TESTS += tests/daemon/test_engine_unit tests/daemon/test_engine_kvm

tests_daemon_test_engine_unit_SOURCES = tests/daemon/test_engine_unit.c
# White-box: it feeds exit_decode() results (vmm/exit.h) to the engine.
tests_daemon_test_engine_unit_CPPFLAGS = $(ENGINE_TEST_CPPFLAGS) \
	$(VMM_PRIVATE_CPPFLAGS)
tests_daemon_test_engine_unit_LDADD = $(ENGINE_TEST_LDADD)

tests_daemon_test_engine_kvm_SOURCES = tests/daemon/test_engine_kvm.c
tests_daemon_test_engine_kvm_CPPFLAGS = $(ENGINE_TEST_CPPFLAGS)
tests_daemon_test_engine_kvm_LDADD = $(ENGINE_TEST_LDADD)
