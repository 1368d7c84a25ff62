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
