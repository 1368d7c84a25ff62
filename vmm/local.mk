# vmm/local.mk: the micro-VM library (no HTTP) and the local runner.
noinst_LIBRARIES += vmm/libglintvmm.a
vmm_libglintvmm_a_SOURCES = \
	vmm/glint_abi.h vmm/monotime.h \
	vmm/image.c vmm/image.h \
	vmm/imagesym.c vmm/imagesym.h \
	vmm/imageline.c vmm/imageline.h \
	vmm/vm.h
# Its public headers are vm.h, image.h, glint_abi.h and monotime.h; the
# others refuse to compile without GLINT_VMM_PRIVATE, which only the library
# itself and its white-box tests and benchmark set, so nothing else reaches
# them by accident.
VMM_PRIVATE_CPPFLAGS = -DGLINT_VMM_PRIVATE
vmm_libglintvmm_a_CPPFLAGS = $(AM_CPPFLAGS) $(VMM_PRIVATE_CPPFLAGS) $(DW_CFLAGS)
# vmm/core.mk adds the KVM sources to vmm_libglintvmm_a_SOURCES.
include vmm/core.mk
# vmm/runner.mk builds glint-run.
include vmm/runner.mk
