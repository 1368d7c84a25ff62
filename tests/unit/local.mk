# tests/unit/local.mk: tests/unit build and test rules.
