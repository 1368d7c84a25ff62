/* layout.c: VM configuration defaults and checks, and the guest memory map. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define KiB ((uint64_t)1024)
#define MiB ((uint64_t)1024 * 1024)
#define PAGE GLINT_PAGE_SIZE

static uint64_t page_up(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

void vm_config_default(struct vm_config *cfg, uint64_t mem_bytes)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = mem_bytes;
	/* Each I/O area gets an eighth of memory within [64 KiB, 6 MiB], so a
	 * 1 MiB VM still keeps three quarters for image, heap and stack. */
	cfg->input_max_bytes =
		page_up(clamp_u64(mem_bytes / 8, 64 * KiB, 6 * MiB));
	cfg->output_max_bytes = cfg->input_max_bytes;
	/* 256 KiB of stack, but at most a sixteenth of a small VM. */
	cfg->stack_bytes =
		page_up(clamp_u64(mem_bytes / 16, 16 * KiB, 256 * KiB));
	cfg->init_timeout_ms = 5000;
}

static int bad(char *err, size_t err_len, const char *what, uint64_t v,
	       const char *why)
{
	if (err && err_len)
		snprintf(err, err_len, "%s of %" PRIu64 " bytes %s", what, v,
			 why);
	return -EINVAL;
}

/* A block is "NAME=VALUE\0"... ended by an empty entry: it must end in
 * "\0\0", or be the lone "\0" of no entries. */
static int check_block(const char *what, const char *b, size_t n, char *err,
		       size_t err_len)
{
	if (n == 0)
		return 0;
	if (!b || n > LAYOUT_BLOCK_MAX || b[n - 1] != '\0' ||
	    (n > 1 && b[n - 2] != '\0')) {
		if (err && err_len)
			snprintf(err, err_len,
				 "%s block of %zu bytes is malformed or larger "
				 "than %llu bytes",
				 what, n, (unsigned long long)LAYOUT_BLOCK_MAX);
		return -EINVAL;
	}
	return 0;
}

int vm_config_check(const struct vm_config *cfg, char *err, size_t err_len)
{
	const struct {
		const char *name;
		uint64_t v;
		uint64_t min;
	} f[] = {
		{"memory size", cfg->mem_bytes, GLINT_MEM_MIN_BYTES},
		{"stack size", cfg->stack_bytes, 4 * KiB},
		{"input area", cfg->input_max_bytes, 4 * KiB},
		{"output area", cfg->output_max_bytes, 4 * KiB},
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].v % PAGE)
			return bad(err, err_len, f[i].name, f[i].v,
				   "is not a multiple of 4 KiB");
		if (f[i].v < f[i].min)
			return bad(err, err_len, f[i].name, f[i].v,
				   "is too small");
		if (f[i].v > GLINT_MEM_MAX_BYTES)
			return bad(err, err_len, f[i].name, f[i].v,
				   "exceeds the 1 GiB limit");
	}
	if (check_block("environment", cfg->env, cfg->env_bytes, err,
			err_len) ||
	    check_block("secrets", cfg->secrets, cfg->secrets_bytes, err,
			err_len))
		return -EINVAL;
	if (cfg->init_timeout_ms == 0) {
		if (err && err_len)
			snprintf(err, err_len, "init timeout must be > 0 ms");
		return -EINVAL;
	}
	return 0;
}

uint64_t layout_sys_bytes(uint64_t mem_bytes)
{
	uint64_t npt = (mem_bytes + 2 * MiB - 1) / (2 * MiB);

	return LAYOUT_SYS_PT_RAM + npt * PAGE;
}

uint64_t layout_guard_gpa(const struct glint_boot_info *boot)
{
	return boot->stack_top - boot->stack_bytes - PAGE;
}

static int check_segments(const struct image *img, uint64_t mem_bytes,
			  char *err, size_t err_len)
{
	for (unsigned i = 0; i < img->nsegments; i++) {
		const struct image_segment *s = &img->segments[i];

		if (s->gpa < GLINT_IMAGE_BASE || s->gpa > mem_bytes ||
		    s->mem_bytes > mem_bytes - s->gpa) {
			snprintf(err, err_len,
				 "segment %u at 0x%" PRIx64 " (%" PRIu64
				 " bytes) lies outside the VM's %" PRIu64
				 " KiB of memory",
				 i, s->gpa, s->mem_bytes, mem_bytes / KiB);
			return -EINVAL;
		}
	}
	if (img->entry_gpa < GLINT_IMAGE_BASE || img->entry_gpa >= mem_bytes) {
		snprintf(err, err_len,
			 "entry point 0x%" PRIx64 " is outside the image",
			 img->entry_gpa);
		return -EINVAL;
	}
	return 0;
}

int layout_compute(const struct vm_config *cfg, const struct image *img,
		   struct glint_boot_info *boot, char *err, size_t err_len)
{
	char dummy[1];
	uint64_t mem = cfg->mem_bytes;
	uint64_t img_end = page_up(img->end_gpa);
	uint64_t env_pages = page_up(cfg->env_bytes);
	uint64_t sec_pages = page_up(cfg->secrets_bytes);
	uint64_t top = cfg->stack_bytes + PAGE + env_pages + sec_pages +
		       cfg->input_max_bytes + cfg->output_max_bytes;

	if (!err || !err_len) {
		err = dummy;
		err_len = sizeof(dummy);
	}
	if (img_end < GLINT_IMAGE_BASE)
		img_end = GLINT_IMAGE_BASE;
	/* Everything here was checked against 1 GiB, so no sum overflows. */
	if (img_end > mem || top > mem - img_end) {
		snprintf(err, err_len,
			 "image needs %" PRIu64 " KiB but the VM has %" PRIu64
			 " KiB",
			 (img_end + top) / KiB, mem / KiB);
		return -EINVAL;
	}
	if (check_segments(img, mem, err, err_len))
		return -EINVAL;
	memset(boot, 0, sizeof(*boot));
	boot->magic = GLINT_BOOT_MAGIC;
	boot->abi_version = GLINT_ABI_VERSION;
	boot->mem_bytes = mem;
	boot->out_cap = cfg->output_max_bytes;
	boot->out_gpa = mem - boot->out_cap;
	boot->in_cap = cfg->input_max_bytes;
	boot->in_gpa = boot->out_gpa - boot->in_cap;
	/* Secrets, then environment, just below the input area. */
	boot->secrets_bytes = cfg->secrets_bytes;
	boot->secrets_gpa = sec_pages ? boot->in_gpa - sec_pages : 0;
	boot->env_bytes = cfg->env_bytes;
	boot->env_gpa = env_pages ? boot->in_gpa - sec_pages - env_pages : 0;
	boot->stack_top = boot->in_gpa - sec_pages - env_pages;
	boot->stack_bytes = cfg->stack_bytes;
	boot->heap_gpa = img_end;
	boot->heap_bytes = layout_guard_gpa(boot) - img_end;
	return 0;
}
