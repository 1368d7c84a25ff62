/* test_vmm_memory.c: restores give the guest the snapshot's bytes back and
 * leave the VM holding little private memory (vm_private_bytes, vm_trim). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_required.h"
#include "vm.h"
#include "vm_internal.h"

#include "kvm_fixture.h"
#include "../check_run.h"

#define PAGE GLINT_PAGE_SIZE

struct pages_vm {
	unsigned char code[sizeof(tiny_pages_code)];
	struct image img;
	struct vm_snapshot *snap;
	struct vm *vm;
};

/* Boots the pages guest (tinyguest.h) with a region of npages. */
static void pages_boot(struct pages_vm *g, uint64_t mem, uint32_t npages)
{
	struct vm_config cfg;
	struct vm_error err;

	memset(g, 0, sizeof(*g));
	tiny_pages_image(&g->img, g->code, npages);
	vm_config_default(&cfg, mem);
	/* Init writes every page of the region: a cap for a hung init
	 * only, far above what any host needs. */
	cfg.init_timeout_ms = 600000;
	ck_assert_msg(vm_boot(vmm, &g->img, &cfg, NULL, NULL, &g->snap, &g->vm,
			      NULL, &err) == 0,
		      "%s", err.message);
}

static void pages_free(struct pages_vm *g)
{
	vm_destroy(g->vm);
	vm_snapshot_unref(g->snap);
}

/* One call of the pages guest on pages [first, first + n) of its region:
 * returns the count it outputs. */
static uint64_t pages_at(struct vm *vm, uint64_t mode, uint64_t n,
			 uint64_t first)
{
	uint64_t in[3] = {mode, n, first}, out;
	struct vm_call_args a = {.input = in, .input_len = sizeof(in)};
	struct vm_call_result res;
	struct vm_error err;

	a.call_id = 1;
	ck_assert_msg(vm_call(vm, &a, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.status, GLINT_STATUS_OK);
	ck_assert_uint_eq(res.output_len, sizeof(out));
	memcpy(&out, res.output, sizeof(out));
	return out;
}

static uint64_t pages_call(struct vm *vm, uint64_t mode, uint64_t n)
{
	return pages_at(vm, mode, n, 0);
}

static void restore(struct vm *vm, struct vm_restore_stats *st)
{
	ck_assert_int_eq(vm_restore(vm, st), 0);
}

/* Anonymous memory of this process in bytes (/proc/self/smaps_rollup):
 * a VM's private copies of snapshot pages are anonymous pages. */
static uint64_t anon_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	unsigned long long kb = 0;
	char line[256];
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %llu kB", &kb) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	ck_assert_msg(found, "no Anonymous line in smaps_rollup");
	return kb * 1024;
}

/* Every restore mode, small and large calls: a call writes n pages and
 * sees its own writes (the guest's check can fail), then after the
 * restore the guest reads every page of the region back as the snapshot
 * has it. DROP and REMAP hand pages back with MADV_DONTNEED and mmap
 * while KVM maps them: this is what proves that the guest then reads the
 * snapshot's page, not the dropped copy. */
START_TEST(every_mode_restores_what_the_guest_reads)
{
	static const enum vm_restore_mode modes[] = {
		VM_RESTORE_AUTO, VM_RESTORE_COPY, VM_RESTORE_DROP,
		VM_RESTORE_REMAP, VM_RESTORE_WHOLE_COPY};
	static const uint64_t sizes[] = {1, 8, 300, 2048};
	const uint32_t region = 2048; /* 8 MiB of a 32 MiB VM */
	struct pages_vm g;
	struct vm_restore_stats st;

	pages_boot(&g, 32 * MiB, region);
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
	restore(g.vm, &st);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct vm *vm;
		struct vm_error err;

		ck_assert_int_eq(vm_clone(g.snap, &vm, &err), 0);
		vm->mode = modes[m];
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			for (int round = 0; round < 3; round++) {
				uint64_t n = sizes[k];

				ck_assert_uint_eq(pages_call(vm, 2, n), n);
				restore(vm, &st);
				if (modes[m] == VM_RESTORE_DROP)
					ck_assert_uint_ge(st.dropped_pages, n);
				if (modes[m] == VM_RESTORE_WHOLE_COPY)
					ck_assert_int_eq(st.full_copy, 1);
				ck_assert_uint_eq(pages_call(vm, 1, region), 0);
				restore(vm, &st);
			}
		vm_destroy(vm);
	}
	pages_free(&g);
}
END_TEST

/* A call that writes a quarter of RAM: the whole-copy restore keeps
 * private only the pages the guest wrote, not all of RAM; vm_trim hands
 * them back to the snapshot, and the trimmed VM still reads the snapshot. */
START_TEST(trim_returns_private_memory)
{
	const uint32_t region = 8192;		   /* 32 MiB of a 64 MiB VM */
	const uint64_t n = 4096, bytes = n * PAGE; /* 16 MiB */
	struct vm_restore_stats st;
	struct pages_vm g;
	uint64_t base, released;

	pages_boot(&g, 64 * MiB, region);
	ck_assert_uint_eq(pages_call(g.vm, 1, 1), 0);
	restore(g.vm, &st);
	ck_assert_uint_le(vm_private_bytes(g.vm), 16 * PAGE);
	base = anon_bytes();

	ck_assert_uint_eq(pages_call(g.vm, 2, n), n);
	/* The measure sees the guest's copies (so the bounds below can
	 * fail). */
	ck_assert_uint_ge(anon_bytes(), base + bytes * 3 / 4);
	restore(g.vm, &st);
	ck_assert_int_eq(st.full_copy, 1);
	ck_assert_uint_eq(st.private_bytes, vm_private_bytes(g.vm));
	ck_assert_uint_ge(vm_private_bytes(g.vm), bytes);
	ck_assert_uint_le(vm_private_bytes(g.vm), bytes + 16 * PAGE);
	ck_assert_uint_le(anon_bytes(), base + bytes + bytes / 4);
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
	restore(g.vm, &st);

	ck_assert_int_eq(vm_trim(g.vm, &released), 0);
	ck_assert_uint_ge(released, bytes);
	ck_assert_uint_eq(vm_private_bytes(g.vm), 0);
	ck_assert_uint_le(anon_bytes(), base + bytes / 8);
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);

	/* Not restored since that call: trim refuses and changes nothing. */
	ck_assert_int_eq(vm_trim(g.vm, &released), -EBUSY);
	ck_assert_uint_eq(released, 0);
	restore(g.vm, &st);
	ck_assert_int_eq(vm_trim(g.vm, NULL), 0);
	ck_assert_uint_eq(pages_call(g.vm, 2, n), n);
	restore(g.vm, &st);
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
	restore(g.vm, &st);
	pages_free(&g);
}
END_TEST

/* Restoring by MADV_DONTNEED leaves the VM holding none of the pages the
 * call wrote. */
START_TEST(dropped_pages_are_not_held)
{
	const uint32_t region = 8192;
	const uint64_t n = 4096, bytes = n * PAGE;
	struct vm_restore_stats st;
	struct pages_vm g;
	uint64_t base;

	pages_boot(&g, 64 * MiB, region);
	g.vm->mode = VM_RESTORE_DROP;
	ck_assert_uint_eq(pages_call(g.vm, 1, 1), 0);
	restore(g.vm, &st);
	base = anon_bytes();
	for (int round = 0; round < 2; round++) {
		ck_assert_uint_eq(pages_call(g.vm, 2, n), n);
		ck_assert_uint_ge(anon_bytes(), base + bytes * 3 / 4);
		restore(g.vm, &st);
		ck_assert_uint_ge(st.dropped_pages, n);
		ck_assert_uint_le(vm_private_bytes(g.vm), 16 * PAGE);
		ck_assert_uint_le(anon_bytes(), base + bytes / 8);
		ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
		restore(g.vm, &st);
	}
	pages_free(&g);
}
END_TEST

/* Small calls take the copy path: the pages they wrote stay private (so
 * the next call finds them mapped) and are counted; vm_trim frees them. */
START_TEST(private_bytes_follow_small_calls)
{
	struct vm_restore_stats st;
	struct pages_vm g;
	uint64_t released;

	pages_boot(&g, 32 * MiB, 2048);
	ck_assert_uint_eq(pages_call(g.vm, 2, 8), 8);
	restore(g.vm, &st);
	ck_assert_int_eq(st.full_copy, 0);
	ck_assert_uint_eq(st.dropped_pages, 0);
	ck_assert_uint_ge(st.dirty_pages, 8);
	ck_assert_uint_ge(vm_private_bytes(g.vm), 8 * PAGE);
	ck_assert_uint_le(vm_private_bytes(g.vm), (8 + 16) * PAGE);
	ck_assert_uint_eq(st.private_bytes, vm_private_bytes(g.vm));
	ck_assert_int_eq(vm_trim(g.vm, &released), 0);
	ck_assert_uint_ge(released, 8 * PAGE);
	ck_assert_uint_eq(vm_private_bytes(g.vm), 0);
	ck_assert_int_eq(vm_trim(g.vm, &released), 0);
	ck_assert_uint_eq(released, 0);
	ck_assert_uint_eq(pages_call(g.vm, 1, 2048), 0);
	restore(g.vm, &st);
	ck_assert_uint_le(vm_private_bytes(g.vm), 16 * PAGE);
	pages_free(&g);
}
END_TEST

/* Whole-copy mode copies back what the function writes now: entering it
 * hands back the private pages of earlier calls, and a function whose
 * calls write different pages each time does not make the private set
 * (and the restore's cost) grow without bound. */
START_TEST(whole_copy_follows_current_pages)
{
	const uint32_t region = 8192;
	const uint64_t n = 600; /* > 64: whole-copy mode */
	struct vm_restore_stats st;
	struct pages_vm g;

	pages_boot(&g, 64 * MiB, region);
	ck_assert_uint_eq(pages_at(g.vm, 2, 50, 0), 50);
	restore(g.vm, &st);
	ck_assert_uint_eq(pages_at(g.vm, 2, 50, 100), 50);
	restore(g.vm, &st);
	ck_assert_int_eq(st.full_copy, 0);
	ck_assert_uint_ge(vm_private_bytes(g.vm), 100 * PAGE);

	ck_assert_uint_eq(pages_at(g.vm, 2, n, 4000), n);
	restore(g.vm, &st);
	ck_assert_int_eq(st.full_copy, 1);
	ck_assert_uint_ge(st.dropped_pages, 100);
	ck_assert_uint_ge(vm_private_bytes(g.vm), n * PAGE);
	ck_assert_uint_le(vm_private_bytes(g.vm), (n + 16) * PAGE);
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
	restore(g.vm, &st);

	/* A moving write set: without a bound the private set would reach
	 * 12 * n pages. */
	for (uint64_t i = 0; i < 12; i++) {
		ck_assert_uint_eq(pages_at(g.vm, 2, n, i * n), n);
		restore(g.vm, &st);
		ck_assert_uint_le(vm_private_bytes(g.vm),
				  (3 * n + 64 + 3 * 16) * PAGE);
	}
	ck_assert_uint_eq(pages_call(g.vm, 1, region), 0);
	restore(g.vm, &st);
	pages_free(&g);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-memory");
	TCase *t = tcase_create("memory");

	tcase_add_checked_fixture(t, setup, teardown);
	/* A cap for a hung test only: these run in well under a second. */
	tcase_set_timeout(t, 300);
	tcase_add_test(t, every_mode_restores_what_the_guest_reads);
	tcase_add_test(t, trim_returns_private_memory);
	tcase_add_test(t, dropped_pages_are_not_held);
	tcase_add_test(t, private_bytes_follow_small_calls);
	tcase_add_test(t, whole_copy_follows_current_pages);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
