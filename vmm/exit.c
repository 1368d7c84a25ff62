/* exit.c: decodes one guest exit into READY, DONE or a typed failure. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

#include "cpu_x86_64.h"
#include "exit.h"
#include "guestlog.h"
#include "layout.h"

enum exit_verdict exit_fail(struct vm_error *err, enum vm_error_kind kind,
			    const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

/* #PF error code bits (SDM vol. 3A, 4.7, figure 4-12). */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_I 0x10u

static void describe_pf(const struct exit_state *x,
			const struct glint_boot_info *boot, uint64_t rip,
			uint32_t ec, struct vm_error *err)
{
	const char *access = (ec & PF_I)   ? "instruction fetch"
			     : (ec & PF_W) ? "write"
					   : "read";
	const char *why = (ec & PF_P) ? "protection violation" : "not present";
	uint64_t guard = layout_guard_gpa(boot);
	const char *hint = "";

	if (x->cr2 >= guard && x->cr2 - guard < GLINT_PAGE_SIZE)
		hint = "; stack overflow into the guard page";
	else if (x->cr2 < GLINT_PAGE_SIZE)
		hint = "; null pointer";
	exit_fail(err, VM_ERR_EXCEPTION,
		  "page fault (#PF) at rip 0x%" PRIx64 " accessing 0x%" PRIx64
		  " (%s, %s%s)",
		  rip, x->cr2, access, why, hint);
	err->addr = x->cr2;
}

/* A ring-0 stub reported an exception: the frame the CPU pushed (SDM vol.
 * 3A, 6.14.2, figure 6-9) is at the stub's rsp, with the error code first
 * for vectors that have one. */
static enum exit_verdict decode_fault(const struct exit_state *x,
				      const struct guestmem *gm,
				      const struct glint_boot_info *boot,
				      struct vm_error *err)
{
	unsigned vec = (unsigned)(x->rax & 0xff);
	int has_ec = cpu_vector_has_error_code(vec);
	uint64_t frame[6];
	const void *p;
	uint64_t rip;
	uint32_t ec;

	if (x->cs != GLINT_SEL_KERNEL_CS)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "fault port 0x%x written outside the ring-0 "
				 "stubs (cs 0x%x, rip 0x%" PRIx64 ")",
				 GLINT_PORT_FAULT, x->cs, x->rip);
	if (guestmem_cptr(gm, x->rsp, (has_ec ? 6 : 5) * 8, &p))
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "%s with an unreadable exception frame at "
				 "0x%" PRIx64,
				 cpu_vector_name(vec), x->rsp);
	memcpy(frame, p, (has_ec ? 6 : 5) * 8);
	ec = has_ec ? (uint32_t)frame[0] : 0;
	rip = frame[has_ec ? 1 : 0];
	err->vector = (uint8_t)vec;
	err->error_code = ec;
	err->rip = rip;
	if (vec == 14) {
		describe_pf(x, boot, rip, ec, err);
	} else if (has_ec && ec) {
		exit_fail(err, VM_ERR_EXCEPTION,
			  "%s at rip 0x%" PRIx64 " (error code 0x%x)",
			  cpu_vector_name(vec), rip, ec);
	} else {
		exit_fail(err, VM_ERR_EXCEPTION, "%s at rip 0x%" PRIx64,
			  cpu_vector_name(vec), rip);
	}
	return EXIT_FAILED;
}

static enum exit_verdict decode_abort(const struct exit_state *x,
				      const struct guestmem *gm,
				      struct vm_error *err)
{
	char msg[EXIT_ABORT_MAX + 1];
	uint64_t len = x->rsi > EXIT_ABORT_MAX ? EXIT_ABORT_MAX : x->rsi;
	const void *p;

	/* The whole claimed range must be guest memory, not just the part
	 * kept: a lie about the length is a protocol error. */
	if (guestmem_cptr(gm, x->rdi, x->rsi, &p))
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "abort message at 0x%" PRIx64 " (%" PRIu64
				 " bytes) lies outside guest memory",
				 x->rdi, x->rsi);
	guestlog_sanitize(msg, sizeof(msg), p, len);
	return exit_fail(err, VM_ERR_ABORT, "%s",
			 msg[0] ? msg : "(no message)");
}

static enum exit_verdict decode_done(const struct exit_state *x,
				     const struct glint_boot_info *boot,
				     struct exit_done *done,
				     struct vm_error *err)
{
	if (x->rdi != GLINT_STATUS_OK && x->rdi != GLINT_STATUS_ERROR)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "DONE with unknown status %" PRIu64, x->rdi);
	if (x->rsi > boot->out_cap)
		return exit_fail(err, VM_ERR_OUTPUT_TOO_LARGE,
				 "output of %" PRIu64 " bytes exceeds the "
				 "output area of %" PRIu64 " bytes",
				 x->rsi, boot->out_cap);
	done->status = (enum glint_status)x->rdi;
	done->out_len = x->rsi;
	return EXIT_DONE;
}

static enum exit_verdict decode_io(const struct exit_state *x,
				   enum exit_phase phase,
				   const struct guestmem *gm,
				   const struct glint_boot_info *boot,
				   struct exit_done *done, struct vm_error *err)
{
	if (!x->io_out)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "guest read I/O port 0x%x at rip 0x%" PRIx64
				 " (only out is allowed)",
				 x->io_port, x->rip);
	if (x->io_count != 1)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "string I/O (%u items) to port 0x%x at rip "
				 "0x%" PRIx64,
				 x->io_count, x->io_port, x->rip);
	if (x->io_size != 1)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "%u-byte out to port 0x%x at rip 0x%" PRIx64
				 " (the ABI uses outb)",
				 x->io_size, x->io_port, x->rip);
	if (x->io_port == GLINT_PORT_FAULT)
		return decode_fault(x, gm, boot, err);
	if (x->cs != GLINT_SEL_USER_CS)
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "out to port 0x%x from cs 0x%x", x->io_port,
				 x->cs);
	switch (x->io_port) {
	case GLINT_PORT_READY:
		if (phase == EXIT_PHASE_BOOT)
			return EXIT_READY;
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "guest signalled READY during a call (rip "
				 "0x%" PRIx64 ")",
				 x->rip);
	case GLINT_PORT_DONE:
		if (phase == EXIT_PHASE_CALL)
			return decode_done(x, boot, done, err);
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "guest signalled DONE before READY (rip "
				 "0x%" PRIx64 ")",
				 x->rip);
	case GLINT_PORT_ABORT:
		return decode_abort(x, gm, err);
	case GLINT_PORT_HOSTCALL:
		if (phase == EXIT_PHASE_CALL)
			return EXIT_HOSTCALL;
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "host call during init (rip 0x%" PRIx64 ")",
				 x->rip);
	default:
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "out to unknown port 0x%x at rip 0x%" PRIx64,
				 x->io_port, x->rip);
	}
}

enum exit_verdict exit_decode(const struct exit_state *x, enum exit_phase phase,
			      const struct guestmem *gm,
			      const struct glint_boot_info *boot,
			      struct exit_done *done, struct vm_error *err)
{
	memset(err, 0, sizeof(*err));
	switch (x->reason) {
	case KVM_EXIT_IO:
		return decode_io(x, phase, gm, boot, done, err);
	case KVM_EXIT_SHUTDOWN:
		err->rip = x->rip;
		return exit_fail(err, VM_ERR_TRIPLE_FAULT,
				 "triple fault at rip 0x%" PRIx64, x->rip);
	case KVM_EXIT_MMIO:
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "guest %s unbacked or read-only address "
				 "0x%" PRIx64 " at rip 0x%" PRIx64,
				 x->mmio_write ? "wrote to" : "read from",
				 x->mmio_gpa, x->rip);
	case KVM_EXIT_HLT:
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "guest halted at rip 0x%" PRIx64, x->rip);
	/* KVM's own failures, not the guest's: reported as host errors. */
	case KVM_EXIT_FAIL_ENTRY:
		return exit_fail(err, VM_ERR_HOST,
				 "KVM could not enter the guest (hardware "
				 "reason 0x%" PRIx64 ")",
				 x->detail);
	case KVM_EXIT_INTERNAL_ERROR:
		return exit_fail(err, VM_ERR_HOST,
				 "KVM internal error %" PRIu64
				 " at rip 0x%" PRIx64,
				 x->detail, x->rip);
	default:
		return exit_fail(err, VM_ERR_PROTOCOL,
				 "unexpected exit reason %u at rip 0x%" PRIx64,
				 x->reason, x->rip);
	}
}
