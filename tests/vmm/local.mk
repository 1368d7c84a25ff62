# tests/vmm/local.mk: tests/vmm build and test rules.
# test_vmm_unit needs no KVM; test_vmm_kvm runs hand-assembled guests;
# test_vmm_guests runs the SDK-built example and test guests.
VMM_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(VMM_PRIVATE_CPPFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/tests/vmm
VMM_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
VMM_TEST_LDADD = vmm/libglintvmm.a $(CHECK_LIBS)

check_PROGRAMS += tests/vmm/test_vmm_unit tests/vmm/test_vmm_kvm
TESTS += tests/vmm/test_vmm_unit tests/vmm/test_vmm_kvm

tests_vmm_test_vmm_unit_SOURCES = tests/vmm/test_vmm_unit.c
tests_vmm_test_vmm_unit_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_unit_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_unit_LDADD = $(VMM_TEST_LDADD)

tests_vmm_test_vmm_kvm_SOURCES = tests/vmm/test_vmm_kvm.c \
	tests/vmm/kvm_fixture.h tests/vmm/tinyguest.h
tests_vmm_test_vmm_kvm_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_kvm_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_kvm_LDADD = $(VMM_TEST_LDADD)

check_PROGRAMS += tests/vmm/test_vmm_tiny_hostile
TESTS += tests/vmm/test_vmm_tiny_hostile
tests_vmm_test_vmm_tiny_hostile_SOURCES = tests/vmm/test_vmm_tiny_hostile.c \
	tests/vmm/kvm_fixture.h tests/vmm/tinyguest.h
tests_vmm_test_vmm_tiny_hostile_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_tiny_hostile_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_tiny_hostile_LDADD = $(VMM_TEST_LDADD)

check_PROGRAMS += tests/vmm/test_vmm_memory
TESTS += tests/vmm/test_vmm_memory
tests_vmm_test_vmm_memory_SOURCES = tests/vmm/test_vmm_memory.c \
	tests/vmm/kvm_fixture.h tests/vmm/tinyguest.h
tests_vmm_test_vmm_memory_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_memory_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_memory_LDADD = $(VMM_TEST_LDADD)

check_PROGRAMS += tests/vmm/test_vmm_guests
TESTS += tests/vmm/test_vmm_guests
tests_vmm_test_vmm_guests_SOURCES = tests/vmm/test_vmm_guests.c
tests_vmm_test_vmm_guests_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_guests_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_guests_LDADD = $(VMM_TEST_LDADD)
# The images are check_DATA (tests/guests/local.mk) and noinst_DATA
# (guest/local.mk), so make check builds them first.
# Exit decoding is also fuzzed: tests/fuzz/fuzz_exit.c (tests/fuzz/local.mk).

# FPU/SSE and register state between calls, with the raw fpuleak guest.
check_PROGRAMS += tests/vmm/test_vmm_isolation
TESTS += tests/vmm/test_vmm_isolation
tests_vmm_test_vmm_isolation_SOURCES = tests/vmm/test_vmm_isolation.c \
	tests/vmm/tinyguest.h
tests_vmm_test_vmm_isolation_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_isolation_CFLAGS = $(VMM_TEST_CFLAGS)
tests_vmm_test_vmm_isolation_LDADD = $(VMM_TEST_LDADD)

# vm_cancel_fire() ends a boot whose init never signals READY.
check_PROGRAMS += tests/vmm/test_vmm_cancel
TESTS += tests/vmm/test_vmm_cancel
tests_vmm_test_vmm_cancel_SOURCES = tests/vmm/test_vmm_cancel.c \
	tests/vmm/tinyguest.h
tests_vmm_test_vmm_cancel_CPPFLAGS = $(VMM_TEST_CPPFLAGS)
tests_vmm_test_vmm_cancel_CFLAGS = $(VMM_TEST_CFLAGS) -pthread
tests_vmm_test_vmm_cancel_LDADD = $(VMM_TEST_LDADD)
