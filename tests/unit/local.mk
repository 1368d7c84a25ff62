# tests/unit/local.mk: unit tests that need no KVM (image validator, ABI layout)
# and the tests of glint-run.
unit_image_fixture = tests/unit/image_fixture.c tests/unit/image_fixture.h

check_PROGRAMS += tests/unit/test_image tests/unit/test_image_mutate \
	tests/unit/test_abi
TESTS += tests/unit/test_image tests/unit/test_image_mutate \
	tests/unit/test_abi tests/unit/glint_run_usage.sh \
	tests/unit/glint_run_kvm.sh tests/unit/hardening.sh
EXTRA_DIST += tests/unit/glint_run_usage.sh tests/unit/glint_run_kvm.sh \
	tests/unit/hardening.sh

# test_image_mutate and the glint-run tests read the SDK's images.
check_DATA += $(GUEST_EXAMPLES) $(GUEST_TEST_IMAGES)

# The validator is compiled in directly, so these tests do not wait for the
# KVM half of libglintvmm.a.
tests_unit_test_image_SOURCES = tests/unit/test_image.c $(unit_image_fixture) \
	vmm/image.c
tests_unit_test_image_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_image_LDADD = $(CHECK_LIBS)

tests_unit_test_image_mutate_SOURCES = tests/unit/test_image_mutate.c \
	$(unit_image_fixture) vmm/image.c
tests_unit_test_image_mutate_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_image_mutate_LDADD = $(CHECK_LIBS)

# Crash-report symbols from hostile images (no KVM).
check_PROGRAMS += tests/unit/test_imagesym
TESTS += tests/unit/test_imagesym
tests_unit_test_imagesym_SOURCES = tests/unit/test_imagesym.c vmm/imagesym.c \
	vmm/imageline.c
tests_unit_test_imagesym_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(DW_CFLAGS)
tests_unit_test_imagesym_LDADD = $(CHECK_LIBS) $(DW_LIBS)
# A real image with DWARF (tests/guests/crashline.elf) for the line tables.
tests_unit_test_imagesym_DEPENDENCIES = tests/guests/crashline.elf

tests_unit_test_abi_SOURCES = tests/unit/test_abi.c
tests_unit_test_abi_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_abi_LDADD = $(CHECK_LIBS)

# image_parse is also fuzzed: tests/fuzz/fuzz_image.c (tests/fuzz/local.mk).
