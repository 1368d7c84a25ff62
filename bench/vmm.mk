# bench/vmm.mk: the VMM benchmark.
# bench/vmbench [-c cpu] [-n samples] [-m all|warm|restore|request|hostcall|thread] [builddir]
# prints median and p99 of warm calls, restores, clones, boots and the
# bare-exit floor (-m restore: the restore-strategy table); `make
# bench-vmm` runs it pinned to CPU 1. Not part of make check.
noinst_PROGRAMS += bench/vmbench
bench_vmbench_SOURCES = bench/vmbench.c
bench_vmbench_CPPFLAGS = $(AM_CPPFLAGS) $(VMM_PRIVATE_CPPFLAGS) \
	-I$(top_srcdir)/tests/vmm
bench_vmbench_LDADD = vmm/libglintvmm.a

bench-vmm: bench/vmbench guest/examples/echo.elf guest/examples/hello.elf tests/guests/dirty.elf tests/guests/hostcall.elf
	bench/vmbench -c 1 '$(abs_top_builddir)'
.PHONY: bench-vmm
