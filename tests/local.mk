# tests/local.mk: every test suite; each directory has its own fragment.
include tests/guests/local.mk
include tests/unit/local.mk
include tests/vmm/local.mk
include tests/daemon/local.mk
include tests/kv/local.mk
include tests/e2e/local.mk
include tests/cli/local.mk
include tests/robust/local.mk
include tests/fuzz/local.mk
include tests/fetch/local.mk
include tests/wasm/local.mk

# The skip rule of the shell tests (tests/kvm_required.h for the C ones).
EXTRA_DIST += tests/skip.sh
