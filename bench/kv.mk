# bench/kv.mk: the KV store's benchmarks (not part of make check).
# bench/kvbench [-b embedded|redis|both] [-n sets] [-c in-flight] [-d dir]
#   [-r redis://host:port]: p50/p99 latency and ops/s of get and set per
#   backend, with the disk's write+fdatasync floor measured in the same run;
#   `make bench-kv` runs it (starts its own redis-server unless -r).
# bench/kvengines [-t threads] [-n keys] [-s seconds] [dir]: LMDB against
#   SQLite in WAL mode, reads/s and durable writes/s from several threads,
#   the measurement behind the embedded backend's engine.
noinst_PROGRAMS += bench/kvbench bench/kvengines
bench_kvbench_SOURCES = bench/kvbench.c
bench_kvbench_CPPFLAGS = $(AM_CPPFLAGS) $(KV_CPPFLAGS) \
	-DKV_SRCDIR='"$(abs_top_srcdir)"'
bench_kvbench_LDADD = $(KV_LIBS)
bench_kvengines_SOURCES = bench/kvengines.c
bench_kvengines_CPPFLAGS = $(AM_CPPFLAGS) $(LMDB_CFLAGS) $(SQLITE_CFLAGS)
bench_kvengines_LDADD = $(LMDB_LIBS) $(SQLITE_LIBS)

bench-kv: bench/kvbench bench/kvengines
	bench/kvbench
	bench/kvengines
.PHONY: bench-kv
