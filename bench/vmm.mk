# bench/vmm.mk: the VMM benchmark.
