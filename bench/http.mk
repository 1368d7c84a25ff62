# bench/http.mk: the HTTP benchmark (wrk against a real glintd, vmbench and per-thread CPU in the same run): `make bench-http`.
dist_noinst_SCRIPTS += bench/http_bench.sh
dist_noinst_DATA += bench/http_bench.lua

bench-http: glintd bench/vmbench guest/examples/echo.elf
	GLINT_BUILDDIR='$(abs_top_builddir)' WRK='$(WRK)' \
		$(SHELL) $(top_srcdir)/bench/http_bench.sh '$(BENCH_SECONDS)' '$(BENCH_ROUNDS)'
.PHONY: bench-http
