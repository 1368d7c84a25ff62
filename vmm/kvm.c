/* kvm.c: the process-wide /dev/kvm handle and the capabilities glint needs. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vm_internal.h"

static int fail(char *err, size_t err_len, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_len, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -e;
}

struct cap {
	long id;
	int need; /* minimum value KVM_CHECK_EXTENSION must return */
	const char *name;
	const char *what;
};

static const struct cap caps[] = {
	{KVM_CAP_USER_MEMORY, 1, "KVM_CAP_USER_MEMORY", "user memory slots"},
	{KVM_CAP_READONLY_MEM, 1, "KVM_CAP_READONLY_MEM",
	 "read-only memory slots"},
	{KVM_CAP_SYNC_REGS, KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS,
	 "KVM_CAP_SYNC_REGS", "registers through kvm_run"},
	{KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 1,
	 "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2", "manual dirty-log protection"},
	{KVM_CAP_XSAVE, 1, "KVM_CAP_XSAVE", "reading the FPU/SSE state"},
	{KVM_CAP_IMMEDIATE_EXIT, 1, "KVM_CAP_IMMEDIATE_EXIT",
	 "interrupting KVM_RUN"},
};

static int check_caps(int fd, char *err, size_t err_len)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int v = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].id);

		if (v < caps[i].need || (caps[i].id == KVM_CAP_SYNC_REGS &&
					 (v & caps[i].need) != caps[i].need))
			return fail(err, err_len, ENOTSUP,
				    "/dev/kvm lacks %s (%s)", caps[i].name,
				    caps[i].what);
	}
	return 0;
}

static int load_cpuid(struct vmm *vmm)
{
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(
			1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(vmm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vmm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return -errno;
	}
	return -E2BIG;
}

/* CPUID.(EAX=7,ECX=0):ECX bit 2 is UMIP (SDM vol. 2A, CPUID). */
static int has_umip(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 7 && c->entries[i].index == 0)
			return !!(c->entries[i].ecx & (1u << 2));
	return 0;
}

int vmm_open(struct vmm **out, char *err, size_t err_len)
{
	struct vmm *vmm;
	int rc, v;

	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return fail(err, err_len, ENOMEM, "out of memory");
	vmm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm->kvm_fd < 0) {
		int e = errno;

		rc = fail(err, err_len, e, "cannot open /dev/kvm: %s%s",
			  strerror(e),
			  e == EACCES	? " (add the user to the kvm group)"
			  : e == ENOENT ? " (is the kvm module loaded?)"
					: "");
		goto out_free;
	}
	v = ioctl(vmm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		rc = fail(err, err_len, ENOTSUP,
			  "/dev/kvm speaks API version %d, glint needs %d", v,
			  KVM_API_VERSION);
		goto out_close;
	}
	rc = check_caps(vmm->kvm_fd, err, err_len);
	if (rc)
		goto out_close;
	v = ioctl(vmm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v < (int)sizeof(struct kvm_run)) {
		rc = fail(err, err_len, errno ? errno : EINVAL,
			  "KVM_GET_VCPU_MMAP_SIZE failed");
		goto out_close;
	}
	vmm->run_bytes = (size_t)v;
	rc = load_cpuid(vmm);
	if (rc) {
		fail(err, err_len, -rc, "KVM_GET_SUPPORTED_CPUID: %s",
		     strerror(-rc));
		goto out_close;
	}
	vmm->umip = has_umip(vmm->cpuid);
	rc = vmm__probe_xcr0(vmm);
	if (rc) {
		fail(err, err_len, -rc, "probing the guest's XCR0: %s",
		     strerror(-rc));
		free(vmm->cpuid);
		goto out_close;
	}
	*out = vmm;
	return 0;
out_close:
	close(vmm->kvm_fd);
out_free:
	free(vmm);
	return rc;
}

void vmm_close(struct vmm *vmm)
{
	if (!vmm)
		return;
	close(vmm->kvm_fd);
	free(vmm->cpuid);
	free(vmm);
}

int vmm_set_slot(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t bytes, const void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = bytes,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}
