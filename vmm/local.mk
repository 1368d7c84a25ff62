# vmm/local.mk: the micro-VM library (no HTTP) and the local runner.
noinst_LIBRARIES += vmm/libglintvmm.a
vmm_libglintvmm_a_SOURCES = \
	vmm/glint_abi.h vmm/monotime.h \
	vmm/image.c vmm/image.h \
	vmm/vm.h
# vmm/core.mk adds the KVM sources to vmm_libglintvmm_a_SOURCES.
include vmm/core.mk
# vmm/runner.mk builds glint-run.
include vmm/runner.mk
