# vmm/runner.mk: glint-run, the local runner.
