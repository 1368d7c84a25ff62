# vmm/local.mk: build rules for vmm/ (included by the top Makefile.am).
