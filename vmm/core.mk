# vmm/core.mk: KVM, memory, page tables and VM lifecycle sources of libglintvmm.a.
vmm_libglintvmm_a_SOURCES += \
	vmm/boot.c \
	vmm/call.c \
	vmm/cpu_x86_64.c vmm/cpu_x86_64.h \
	vmm/deadline.c vmm/deadline.h \
	vmm/exit.c vmm/exit.h \
	vmm/hostcall.c \
	vmm/guestlog.c vmm/guestlog.h \
	vmm/guestmem.c vmm/guestmem.h \
	vmm/kvm.c \
	vmm/request.c vmm/request.h \
	vmm/resphead.c vmm/resphead.h \
	vmm/layout.c vmm/layout.h \
	vmm/paging_x86_64.c vmm/paging_x86_64.h \
	vmm/restore.c \
	vmm/seed.c vmm/seed.h \
	vmm/vm.c vmm/vm_internal.h
