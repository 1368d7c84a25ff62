# bench/http.mk: the HTTP benchmark.
