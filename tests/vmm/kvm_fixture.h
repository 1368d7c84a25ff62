/* kvm_fixture.h: shared set-up of the KVM test binaries (tiny guests). */
#ifndef GLINT_TESTS_KVM_FIXTURE_H
#define GLINT_TESTS_KVM_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tinyguest.h"
#include "vm.h"

#define MiB (1024ull * 1024ull)

static struct vmm *vmm;

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The deadline of boots and calls that must succeed: far above their work
 * on any host, so only a hang reaches it. */
#define CALL_TIMEOUT_MS 30000

/* A guest whose code is READY followed by body, plus a 4 KiB RW data
 * segment at 0x11000 (bss_bytes more when asked). */
struct guest {
	unsigned char code[256];
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm;
};

static inline int boot_body(struct guest *g, const unsigned char *body,
			    size_t n, uint64_t mem, uint64_t bss_bytes,
			    struct vm_error *err)
{
	struct vm_config cfg;

	memset(g, 0, sizeof(*g));
	g->code[0] = 0xe6;
	g->code[1] = GLINT_PORT_READY;
	memcpy(g->code + 2, body, n);
	tiny_image(&g->img, g->code, sizeof(g->code));
	g->img.nsegments = 2;
	g->img.segments[1].gpa = 0x11000;
	g->img.segments[1].mem_bytes = 0x1000 + bss_bytes;
	g->img.segments[1].perm = IMAGE_PERM_R | IMAGE_PERM_W;
	g->img.end_gpa = 0x12000 + bss_bytes;
	vm_config_default(&cfg, mem);
	cfg.init_timeout_ms = CALL_TIMEOUT_MS;
	return vm_boot(vmm, &g->img, &cfg, NULL, NULL, &g->snap, &g->vm, NULL,
		       err);
}

static inline void guest_free(struct guest *g)
{
	vm_destroy(g->vm);
	vm_snapshot_unref(g->snap);
}

static inline int call(struct vm *vm, const char *in, uint32_t timeout_ms,
		       struct vm_call_result *res, struct vm_error *err)
{
	struct vm_call_args a = {
		.input = in,
		.input_len = in ? strlen(in) : 0,
		.call_id = 1,
		.timeout_ms = timeout_ms,
	};

	return vm_call(vm, &a, res, err);
}

static inline void setup(void)
{
	char err[256];

	ck_assert_msg(vmm_open(&vmm, err, sizeof(err)) == 0, "%s", err);
}

static inline void teardown(void)
{
	vmm_close(vmm);
	vmm = NULL;
}

/* echo: copies the input to the output */
static const unsigned char echo_body[] = {
	0x48, 0x8b, 0x0c, 0x25, 0x88, 0x20, 0x00, 0x00, 0x48, 0x8b,
	0x34, 0x25, 0x38, 0x20, 0x00, 0x00, 0x48, 0x8b, 0x3c, 0x25,
	0x48, 0x20, 0x00, 0x00, 0x48, 0x89, 0xca, 0xf3, 0xa4, 0x48,
	0x89, 0xd6, 0x31, 0xff, 0xe6, 0x11, 0x0f, 0x0b};

#endif /* GLINT_TESTS_KVM_FIXTURE_H */
