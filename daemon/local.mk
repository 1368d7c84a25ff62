# daemon/local.mk: build rules for daemon/ (included by the top Makefile.am).
