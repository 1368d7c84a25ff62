/* test_vmm_cancel.c: vm_cancel_fire() ends a boot whose init never signals READY. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "kvm_required.h"
#include "tinyguest.h"
#include "vm.h"
#include "../check_run.h"

#define MiB (1024ull * 1024ull)

static struct vmm *vmm;

static void setup(void)
{
	char err[256];

	ck_assert_msg(vmm_open(&vmm, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	vmm_close(vmm);
	vmm = NULL;
}

struct boot_job {
	struct image img;
	struct vm_cancel *cancel;
	struct vm_snapshot *snap;
	struct vm *vm;
	struct vm_error err;
	int rc;
};

/* init_timeout_ms of ten minutes: only a cancel ends this init in a test
 * that has a minute. */
static void *boot_thread(void *opaque)
{
	struct boot_job *j = opaque;
	struct vm_config cfg;

	vm_config_default(&cfg, 2 * MiB);
	cfg.init_timeout_ms = 600000;
	j->rc = vm_boot_cancellable(vmm, &j->img, &cfg, j->cancel, NULL, NULL,
				    &j->snap, &j->vm, NULL, &j->err);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};

	nanosleep(&ts, NULL);
}

/* `1: jmp 1b`: init spins and never signals READY. */
static const unsigned char spin_code[] = {0xeb, 0xfe};

START_TEST(fire_ends_running_init)
{
	struct boot_job j;
	pthread_t t;
	int booting = 0;

	memset(&j, 0, sizeof(j));
	tiny_image(&j.img, spin_code, sizeof(spin_code));
	ck_assert_int_eq(vm_cancel_create(&j.cancel), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, boot_thread, &j), 0);
	/* wait for the init to be running (generous cap) */
	for (int i = 0; i < 30000 && !booting; i++) {
		booting = vm_cancel_booting(j.cancel);
		if (!booting)
			sleep_ms(1);
	}
	ck_assert_msg(booting, "init never started");
	vm_cancel_fire(j.cancel);
	pthread_join(t, NULL);
	ck_assert_int_eq(j.rc, -ECANCELED);
	ck_assert_int_eq(j.err.kind, VM_ERR_TIMEOUT);
	ck_assert_str_eq(j.err.message, "init interrupted by the host");
	ck_assert_ptr_null(j.vm);
	ck_assert_int_eq(vm_cancel_booting(j.cancel), 0);
	vm_cancel_destroy(j.cancel);
}
END_TEST

START_TEST(fired_handle_refuses_boot)
{
	struct boot_job j;

	memset(&j, 0, sizeof(j));
	tiny_image(&j.img, spin_code, sizeof(spin_code));
	ck_assert_int_eq(vm_cancel_create(&j.cancel), 0);
	vm_cancel_fire(j.cancel);
	boot_thread(&j);
	ck_assert_int_eq(j.rc, -ECANCELED);
	ck_assert_str_eq(j.err.message, "init interrupted by the host");
	vm_cancel_destroy(j.cancel);
}
END_TEST

/* A handle never fired changes nothing: the echo guest boots and serves. */
START_TEST(unfired_handle_boots)
{
	struct boot_job j;
	struct vm_call_args a = {.input = "hi", .input_len = 2};
	struct vm_call_result res;

	memset(&j, 0, sizeof(j));
	tiny_image(&j.img, tiny_echo_code, sizeof(tiny_echo_code));
	ck_assert_int_eq(vm_cancel_create(&j.cancel), 0);
	boot_thread(&j);
	ck_assert_msg(j.rc == 0, "%s", j.err.message);
	ck_assert_int_eq(vm_cancel_booting(j.cancel), 0);
	ck_assert_int_eq(vm_call(j.vm, &a, &res, &j.err), 0);
	ck_assert_uint_eq(res.output_len, 2);
	ck_assert_mem_eq(res.output, "hi", 2);
	/* firing after the boot does not touch the booted VM */
	vm_cancel_fire(j.cancel);
	ck_assert_int_eq(vm_restore(j.vm, NULL), 0);
	ck_assert_int_eq(vm_call(j.vm, &a, &res, &j.err), 0);
	vm_destroy(j.vm);
	vm_snapshot_unref(j.snap);
	vm_cancel_destroy(j.cancel);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vmm-cancel");
	TCase *t = tcase_create("cancel");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, fire_ends_running_init);
	tcase_add_test(t, fired_handle_refuses_boot);
	tcase_add_test(t, unfired_handle_boots);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(suite());
}
