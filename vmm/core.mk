# vmm/core.mk: KVM, memory, page tables and VM lifecycle sources of libglintvmm.a.
