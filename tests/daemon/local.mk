# tests/daemon/local.mk: tests/daemon build and test rules.
