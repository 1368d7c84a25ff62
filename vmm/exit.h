/* exit.h: pure decoding of guest exits into call outcomes (no KVM needed). */
#ifndef GLINT_EXIT_H
#define GLINT_EXIT_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stdint.h>

#include "glint_abi.h"
#include "guestmem.h"
#include "vm.h"

/*
 * The decoder sees a plain copy of what one KVM_RUN returned and the guest
 * memory; it never calls KVM, so tests and fuzzers can feed it anything.
 * Every value in struct exit_state is guest-controlled and untrusted.
 */

enum exit_phase {
	EXIT_PHASE_BOOT, /* running the guest's init, before READY */
	EXIT_PHASE_CALL, /* running a call */
};

struct exit_state {
	uint32_t reason; /* KVM_EXIT_* */
	/* KVM_EXIT_IO */
	uint8_t io_out; /* 1: out, 0: in */
	uint8_t io_size;
	uint16_t io_port;
	uint32_t io_count;
	/* KVM_EXIT_MMIO */
	uint64_t mmio_gpa;
	uint8_t mmio_write;
	/* KVM_EXIT_FAIL_ENTRY hardware reason, KVM_EXIT_INTERNAL_ERROR
	 * suberror */
	uint64_t detail;
	/* registers (sync_regs) */
	uint64_t rax, rdi, rsi, rdx, rcx, r8, rip, rsp;
	uint16_t cs;
	uint64_t cr2;
};

enum exit_verdict {
	EXIT_READY,    /* boot: init finished */
	EXIT_DONE,     /* call: finished with status and out_len */
	EXIT_HOSTCALL, /* call: host call; rdi, rsi, rdx, rcx, r8 hold it */
	EXIT_FAILED,   /* err says why */
};

struct exit_done {
	enum glint_status status;
	uint64_t out_len;
};

/* Decodes one exit. gm is the guest's RAM (for the abort message and the
 * exception frame), boot its layout. Returns the verdict; for EXIT_DONE
 * fills *done, for EXIT_FAILED fills *err (kind, message and for
 * exceptions vector, error code, rip, addr). Never fails otherwise. */
enum exit_verdict exit_decode(const struct exit_state *x, enum exit_phase phase,
			      const struct guestmem *gm,
			      const struct glint_boot_info *boot,
			      struct exit_done *done, struct vm_error *err);

/* Fills err with kind and a printf-style message; returns EXIT_FAILED. */
enum exit_verdict exit_fail(struct vm_error *err, enum vm_error_kind kind,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Maximum bytes of an abort message the host keeps. */
#define EXIT_ABORT_MAX 512

#endif /* GLINT_EXIT_H */
