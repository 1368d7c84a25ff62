# tests/guests/local.mk: test guest images, and host tests of the guest libc and JSON.

# Every test image, relative to the build directory; other fragments depend
# on $(GUEST_TEST_IMAGES) to have them built.
GUEST_TEST_IMAGES = \
	tests/guests/counter.elf tests/guests/secret.elf \
	tests/guests/initstamp.elf tests/guests/dirty.elf \
	tests/guests/spin.elf tests/guests/hostile.elf \
	tests/guests/noready.elf tests/guests/initfail.elf \
	tests/guests/badabi.elf tests/guests/hugebss.elf \
	tests/guests/libc_vm.elf tests/guests/libm_conf.elf \
	tests/guests/callinfo.elf tests/guests/fpuleak.elf \
	tests/guests/reqecho.elf tests/guests/badhead.elf \
	tests/guests/abi1.elf tests/guests/envread.elf \
	tests/guests/envsecret.elf tests/guests/hostcall.elf \
	tests/guests/kvfn.elf tests/guests/crashline.elf tests/guests/digest.elf
check_DATA += $(GUEST_TEST_IMAGES)
CLEANFILES += $(GUEST_TEST_IMAGES) tests/guests/badabi-note.guest.o

tests/guests/%.elf: tests/guests/%.c $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)

# crashline.elf: built with DWARF debug information, for crash reports that
# name file:line.
tests/guests/crashline.elf: GUEST_IMAGE_EXTRA = -g

# badabi.elf: the echo example stamped with ABI version 999. Its own note
# object defines the note symbol, so the library's note is not linked.
tests/guests/badabi-note.guest.o: guest/src/note.c $(GUEST_IMAGE_DEPS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(GUEST_CC) $(GUEST_CPP_FLAGS) \
	$(GUEST_C_FLAGS) -DGLINT_NOTE_ABI_VERSION=999 -c -o $@ $<
tests/guests/badabi.elf: guest/examples/echo.c tests/guests/badabi-note.guest.o $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)
tests/guests/badabi.elf: GUEST_IMAGE_EXTRA = tests/guests/badabi-note.guest.o

# fpuleak.elf: a raw guest, assembly and its own ABI note, no SDK runtime.
tests/guests/fpuleak.elf: tests/guests/fpuleak.S $(top_srcdir)/guest/glint.ld
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_CC) -nostdinc -ffreestanding \
	$(GUEST_LD_FLAGS) -o $@ $<

# abi1.elf: the echo example stamped with ABI 1, the version before the
# request area: glintd must refuse it with the rebuild message.
tests/guests/abi1-note.guest.o: guest/src/note.c $(GUEST_IMAGE_DEPS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(GUEST_CC) $(GUEST_CPP_FLAGS) \
	$(GUEST_C_FLAGS) -DGLINT_NOTE_ABI_VERSION=1 -c -o $@ $<
tests/guests/abi1.elf: guest/examples/echo.c tests/guests/abi1-note.guest.o $(GUEST_IMAGE_DEPS)
	$(GUEST_LINK_IMAGE)
tests/guests/abi1.elf: GUEST_IMAGE_EXTRA = tests/guests/abi1-note.guest.o
CLEANFILES += tests/guests/abi1-note.guest.o

EXTRA_DIST += $(filter-out tests/guests/badabi.c tests/guests/fpuleak.c \
	tests/guests/abi1.c,$(GUEST_TEST_IMAGES:.elf=.c)) tests/guests/fpuleak.S

# ---- host tests of the guest libc and JSON (no KVM) ----------------------------
# The guest sources are compiled for the host with their libc names renamed
# (rename.h), so they link beside glibc and can be compared with it.
noinst_LIBRARIES += tests/guests/libguest-host.a
tests_guests_libguest_host_a_SOURCES = \
	guest/src/string.c guest/src/malloc.c guest/src/stdlib.c \
	guest/src/printf.c guest/src/json.c guest/src/scanf.c \
	guest/src/stdio.c guest/src/exit.c guest/src/time.c \
	guest/src/strftime.c
tests_guests_libguest_host_a_CPPFLAGS = \
	-include $(top_srcdir)/tests/guests/rename.h \
	-I$(top_srcdir)/guest/include -I$(top_srcdir)/guest/src \
	-I$(top_srcdir)/vmm
tests_guests_libguest_host_a_CFLAGS = $(AM_CFLAGS) -fno-builtin

GUEST_HOST_TEST_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/tests/guests \
	-I$(top_srcdir)/vmm \
	$(JANSSON_CFLAGS) \
	$(CHECK_CFLAGS)
GUEST_HOST_TEST_LIBS = tests/guests/libguest-host.a $(CHECK_LIBS) \
	$(JANSSON_LIBS) -lm

check_PROGRAMS += tests/guests/libc_test tests/guests/json_test
TESTS += tests/guests/libc_test tests/guests/json_test
tests_guests_libc_test_SOURCES = tests/guests/libc_test.c \
	tests/guests/libc_ext_test.c tests/guests/libc_ext_test.h \
	tests/guests/host_stubs.c tests/guests/host_stubs.h \
	tests/guests/guest_libc.h
tests_guests_libc_test_CPPFLAGS = $(GUEST_HOST_TEST_CPPFLAGS)
tests_guests_libc_test_LDADD = $(GUEST_HOST_TEST_LIBS)
tests_guests_json_test_SOURCES = tests/guests/json_test.c \
	tests/guests/host_stubs.c tests/guests/host_stubs.h
tests_guests_json_test_CPPFLAGS = $(GUEST_HOST_TEST_CPPFLAGS)
tests_guests_json_test_LDADD = $(GUEST_HOST_TEST_LIBS)
EXTRA_DIST += tests/guests/rename.h

# The guest libm against glibc's: the objects of guest/libglint-rt.a with
# their symbols prefixed, linked beside glibc. The musl objects are not
# position-independent, hence -no-pie.
tests/guests/libglint-rt-host.a: guest/libglint-rt.a
	$(AM_V_GEN)objcopy --prefix-symbols=glint_test_ guest/libglint-rt.a $@
check_PROGRAMS += tests/guests/libm_test
TESTS += tests/guests/libm_test
tests_guests_libm_test_SOURCES = tests/guests/libm_test.c
tests_guests_libm_test_CPPFLAGS = $(GUEST_HOST_TEST_CPPFLAGS)
tests_guests_libm_test_LDFLAGS = -no-pie
tests_guests_libm_test_LDADD = tests/guests/libglint-rt-host.a \
	tests/guests/libguest-host.a $(CHECK_LIBS) -lm
EXTRA_tests_guests_libm_test_DEPENDENCIES = tests/guests/libglint-rt-host.a
CLEANFILES += tests/guests/libglint-rt-host.a

# Building a function with pkg-config, as a user would.
TESTS += tests/guests/pkgconfig.test
dist_noinst_SCRIPTS += tests/guests/pkgconfig.test
EXTRA_DIST += tests/guests/cxx_headers.cpp scripts/debian-source-data.sh
check_DATA += guest/glint-guest-uninstalled.pc guest/libglint-guest.a \
	guest/libglint-rt.a

# The examples and test guests in real VMs (skips without /dev/kvm).
TESTS += tests/guests/examples.test
dist_noinst_SCRIPTS += tests/guests/examples.test

# Every SDK header's functions inside a VM.
TESTS += tests/guests/libc_vm.test
dist_noinst_SCRIPTS += tests/guests/libc_vm.test
# The SDK's digests on the FIPS 180-4 and RFC 4231 vectors, in a VM.
TESTS += tests/guests/digest.test
dist_noinst_SCRIPTS += tests/guests/digest.test

# glibc's libm test data through the guest libm in a VM: the host program
# reads the data and compares; libm_conf.elf evaluates. The data is fetched
# at test time (scripts/debian-source-data.sh) into the build directory.
check_PROGRAMS += tests/guests/libm_conformance
tests_guests_libm_conformance_SOURCES = tests/guests/libm_conformance.c
tests_guests_libm_conformance_LDADD = -lm
TESTS += tests/guests/libm_conformance.test
dist_noinst_SCRIPTS += tests/guests/libm_conformance.test
distclean-local: clean-libm-test-data
clean-libm-test-data:
	rm -rf libm-test-data libm-test-data.log
.PHONY: clean-libm-test-data

# The JSON reader is also fuzzed: tests/fuzz/fuzz_json.c (tests/fuzz/local.mk).
