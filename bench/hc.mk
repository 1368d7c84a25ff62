# bench/hc.mk: KV and outbound HTTP host calls through a real glintd
# (bench/hcbench.c): `make bench-hc`. Not part of make check. It reuses
# the e2e harness (which reports with Check) to start glintd.
noinst_PROGRAMS += bench/hcbench
bench_hcbench_SOURCES = bench/hcbench.c tests/e2e/harness.c \
	tests/e2e/harness.h tests/fetch/fetch_server.c tests/fetch/fetch_server.h
bench_hcbench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/e2e \
	-I$(top_srcdir)/tests/fetch $(CURL_CFLAGS) $(MHD_CFLAGS) $(CHECK_CFLAGS)
bench_hcbench_LDADD = $(CURL_LIBS) $(MHD_LIBS) $(CHECK_LIBS)

bench-hc: bench/hcbench glintd tests/guests/kvfn.elf
	cd $(top_srcdir) && GLINT_BUILDDIR='$(abs_top_builddir)' \
		'$(abs_top_builddir)/bench/hcbench' kv -b embedded
	cd $(top_srcdir) && GLINT_BUILDDIR='$(abs_top_builddir)' \
		'$(abs_top_builddir)/bench/hcbench' kv -b redis
	cd $(top_srcdir) && GLINT_BUILDDIR='$(abs_top_builddir)' \
		'$(abs_top_builddir)/bench/hcbench' fetch -n 1000 -d 50
.PHONY: bench-hc
