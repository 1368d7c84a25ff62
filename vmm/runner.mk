# vmm/runner.mk: glint-run, the local runner.
bin_PROGRAMS += glint-run
glint_run_SOURCES = vmm/glint_run.c
glint_run_LDADD = vmm/libglintvmm.a
