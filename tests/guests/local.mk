# tests/guests/local.mk: test guest images, and host tests of the guest libc and JSON.

# Every test image, relative to the build directory; other fragments depend
# on $(GUEST_TEST_IMAGES) to have them built.
GUEST_TEST_IMAGES = \
	tests/guests/counter.elf tests/guests/secret.elf \
	tests/guests/initstamp.elf tests/guests/dirty.elf \
	tests/guests/spin.elf tests/guests/hostile.elf \
	tests/guests/noready.elf tests/guests/initfail.elf \
	tests/guests/badabi.elf tests/guests/hugebss.elf
check_DATA += $(GUEST_TEST_IMAGES)
CLEANFILES += $(GUEST_TEST_IMAGES) tests/guests/badabi-note.guest.o

tests/guests/%.elf: tests/guests/%.c $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)

# badabi.elf: the echo example stamped with ABI version 999. Its own note
# object defines the note symbol, so the library's note is not linked.
tests/guests/badabi-note.guest.o: guest/src/note.c $(GUEST_IMAGE_DEPS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(GUEST_CC) $(GUEST_CPP_FLAGS) \
	$(GUEST_C_FLAGS) -DGLINT_NOTE_ABI_VERSION=999 -c -o $@ $<
tests/guests/badabi.elf: guest/examples/echo.c tests/guests/badabi-note.guest.o $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)
tests/guests/badabi.elf: GUEST_IMAGE_EXTRA = tests/guests/badabi-note.guest.o

EXTRA_DIST += $(filter-out tests/guests/badabi.c,$(GUEST_TEST_IMAGES:.elf=.c))

# ---- host tests of the guest libc and JSON (no KVM) ----------------------------
# The guest sources are compiled for the host with their libc names renamed
# (rename.h), so they link beside glibc and can be compared with it.
noinst_LIBRARIES += tests/guests/libguest-host.a
tests_guests_libguest_host_a_SOURCES = \
	guest/src/string.c guest/src/malloc.c guest/src/stdlib.c \
	guest/src/printf.c guest/src/json.c
tests_guests_libguest_host_a_CPPFLAGS = \
	-include $(top_srcdir)/tests/guests/rename.h \
	-I$(top_srcdir)/guest/include -I$(top_srcdir)/guest/src \
	-I$(top_srcdir)/vmm
tests_guests_libguest_host_a_CFLAGS = $(AM_CFLAGS) -fno-builtin

GUEST_HOST_TEST_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/tests/guests \
	$(JANSSON_CFLAGS) \
	$(CHECK_CFLAGS)
GUEST_HOST_TEST_LIBS = tests/guests/libguest-host.a $(CHECK_LIBS) \
	$(JANSSON_LIBS) -lm

check_PROGRAMS += tests/guests/libc_test tests/guests/json_test
TESTS += tests/guests/libc_test tests/guests/json_test
tests_guests_libc_test_SOURCES = tests/guests/libc_test.c \
	tests/guests/host_stubs.c tests/guests/host_stubs.h \
	tests/guests/guest_libc.h
tests_guests_libc_test_CPPFLAGS = $(GUEST_HOST_TEST_CPPFLAGS)
tests_guests_libc_test_LDADD = $(GUEST_HOST_TEST_LIBS)
tests_guests_json_test_SOURCES = tests/guests/json_test.c \
	tests/guests/host_stubs.c tests/guests/host_stubs.h
tests_guests_json_test_CPPFLAGS = $(GUEST_HOST_TEST_CPPFLAGS)
tests_guests_json_test_LDADD = $(GUEST_HOST_TEST_LIBS)
EXTRA_DIST += tests/guests/rename.h

# Building a function with pkg-config, as a user would.
TESTS += tests/guests/pkgconfig.test
dist_noinst_SCRIPTS += tests/guests/pkgconfig.test
check_DATA += guest/glint-guest-uninstalled.pc guest/libglint-guest.a

# The examples and test guests in real VMs (skips without /dev/kvm).
TESTS += tests/guests/examples.test
dist_noinst_SCRIPTS += tests/guests/examples.test

# The JSON reader is also fuzzed: tests/fuzz/fuzz_json.c (tests/fuzz/local.mk).
