# tests/vmm/local.mk: tests/vmm build and test rules.
