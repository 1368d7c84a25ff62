# guest/local.mk: build rules for guest/ (included by the top Makefile.am).
