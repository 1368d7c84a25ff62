# tests/e2e/local.mk: tests/e2e build and test rules.
