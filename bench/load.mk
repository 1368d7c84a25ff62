# bench/load.mk: the bounded load and soak run (a million checked calls, hostile ones mixed in): `make bench-load`.
noinst_PROGRAMS += bench/loadgen
bench_loadgen_SOURCES = bench/loadgen.c
dist_noinst_SCRIPTS += bench/load.sh

bench-load: glintd bench/loadgen guest/examples/echo.elf \
		guest/examples/hello.elf $(GUEST_TEST_IMAGES) \
		$(ROBUST_GUEST_IMAGES)
	GLINT_BUILDDIR='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/load.sh $(LOAD_TOTAL)
.PHONY: bench-load
