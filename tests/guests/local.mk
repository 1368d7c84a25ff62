# tests/guests/local.mk: tests/guests build and test rules.
