# tests/unit/local.mk: unit tests that need no KVM (image validator, ABI layout)
# and the tests of glint-run.
unit_image_fixture = tests/unit/image_fixture.c tests/unit/image_fixture.h

check_PROGRAMS += tests/unit/test_image tests/unit/test_image_mutate \
	tests/unit/test_abi
TESTS += tests/unit/test_image tests/unit/test_image_mutate \
	tests/unit/test_abi tests/unit/glint_run_usage.sh \
	tests/unit/glint_run_kvm.sh
EXTRA_DIST += tests/unit/glint_run_usage.sh tests/unit/glint_run_kvm.sh

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
tests_unit_test_imagesym_SOURCES = tests/unit/test_imagesym.c vmm/imagesym.c
tests_unit_test_imagesym_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_imagesym_LDADD = $(CHECK_LIBS)

tests_unit_test_abi_SOURCES = tests/unit/test_abi.c
tests_unit_test_abi_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_abi_LDADD = $(CHECK_LIBS)

# Fuzzing image_parse (not part of make check; needs clang):
#   make fuzz-image FUZZ_SECONDS=60
# The seed corpus is the SDK's built images.
EXTRA_DIST += tests/unit/fuzz_image.c
FUZZ_SECONDS = 30
tests/unit/fuzz_image: $(top_srcdir)/tests/unit/fuzz_image.c $(top_srcdir)/vmm/image.c $(top_srcdir)/vmm/image.h
	$(AM_V_CCLD)clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-I$(top_srcdir)/vmm -I$(top_builddir) -o $@ \
		$(top_srcdir)/tests/unit/fuzz_image.c $(top_srcdir)/vmm/image.c
fuzz-image: tests/unit/fuzz_image $(GUEST_EXAMPLES) $(GUEST_TEST_IMAGES)
	$(MKDIR_P) tests/unit/fuzz-corpus
	cp $(GUEST_EXAMPLES) $(GUEST_TEST_IMAGES) tests/unit/fuzz-corpus/
	tests/unit/fuzz_image -max_total_time=$(FUZZ_SECONDS) tests/unit/fuzz-corpus
CLEANFILES += tests/unit/fuzz_image
.PHONY: fuzz-image
