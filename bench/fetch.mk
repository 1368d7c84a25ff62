# bench/fetch.mk: the outbound client's benchmark: 1,000 concurrent fetches
# on one loop thread against a local server that answers after 50 ms;
# prints the batch's wall time, p50/p99 and the ratio to a single fetch.
# `make bench-fetch`. Not part of make check.
noinst_PROGRAMS += bench/fetchbench
bench_fetchbench_SOURCES = bench/fetchbench.c tests/fetch/fetch_server.c \
	tests/fetch/fetch_server.h
bench_fetchbench_CPPFLAGS = $(AM_CPPFLAGS) $(FETCH_CPPFLAGS) \
	-I$(top_srcdir)/tests/fetch $(MHD_CFLAGS)
bench_fetchbench_LDADD = $(FETCH_LIBS) $(MHD_LIBS)

bench-fetch: bench/fetchbench
	bench/fetchbench -n 1000 -d 50 -r 5
.PHONY: bench-fetch
