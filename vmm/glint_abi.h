/* glint_abi.h: the host–guest ABI, the only code shared by vmm/ and guest/. */
#ifndef GLINT_ABI_H
#define GLINT_ABI_H

/*
 * Self-contained: this header is compiled by the host (hosted C) and by the
 * freestanding guest runtime, so it depends on <stdint.h> only.
 *
 * Versioning: GLINT_ABI_VERSION changes whenever anything in this file
 * changes meaning. The guest image records the version it was built for in
 * an ELF note (GLINT_NOTE_*); the host refuses any other version.
 *
 * Address space: one vCPU, guest virtual == guest physical (identity map).
 * Everything is built by the host before the first instruction runs.
 *
 *   0x00000000  page 0                     not mapped (null pointers fault)
 *   0x00001000  ring-0 stack (1 page)      supervisor RW NX; TSS.RSP0 = 0x2000
 *   0x00002000  call page (1 page)         user RW NX   struct glint_call_page
 *   0x00003000  log buffer (16 KiB)        user RW NX   see glint_call_result
 *   0x00007000  reserved                   not mapped
 *   0x00010000  image (PT_LOAD segments)   per segment: RX, R or RW+NX
 *   ...         heap                       user RW NX   up to the guard page
 *   ...         guard page                 not mapped
 *   ...         stack                      user RW NX   grows down to the guard
 *   in_gpa      input area                 user R  NX   written by the host
 *   out_gpa     output area                user RW NX   ends at mem_bytes
 *   0x40000000  system slot                supervisor, KVM_MEM_READONLY:
 *               page tables, GDT, IDT, TSS + I/O bitmap, ring-0 fault stubs
 *
 * The positions of heap, stack, input and output depend on the function's
 * memory size and image; the host reports them in glint_boot_info.
 */

#include <stdint.h>

#define GLINT_ABI_VERSION 2u

/* ---- fixed guest-physical addresses -------------------------------- */

#define GLINT_PAGE_SIZE 0x1000ull
#define GLINT_R0_STACK_GPA 0x1000ull
#define GLINT_R0_STACK_TOP 0x2000ull
#define GLINT_CALL_PAGE_GPA 0x2000ull
#define GLINT_LOG_GPA 0x3000ull
#define GLINT_LOG_BYTES 0x4000ull
#define GLINT_IMAGE_BASE 0x10000ull /* lowest address of any PT_LOAD segment */
#define GLINT_SYS_GPA 0x40000000ull /* start of the read-only system slot */

#define GLINT_MEM_MIN_BYTES (1ull << 20)
#define GLINT_MEM_MAX_BYTES (1ull << 30) /* RAM never reaches GLINT_SYS_GPA */

/* ---- segment selectors (GDT in the system slot) --------------------- */

#define GLINT_SEL_KERNEL_CS 0x08
#define GLINT_SEL_KERNEL_DS 0x10
#define GLINT_SEL_USER_DS 0x23 /* index 4, RPL 3 */
#define GLINT_SEL_USER_CS 0x2b /* index 5, RPL 3, 64-bit */
#define GLINT_SEL_TSS 0x30

/* ---- I/O ports: the only way the guest reaches the host -------------
 *
 * The TSS I/O permission bitmap allows CPL 3 exactly the ports
 * GLINT_PORT_USER_FIRST..GLINT_PORT_USER_LAST (IOPL stays 0). Arguments
 * travel in registers, which the host reads from kvm_run sync_regs at no
 * extra cost. Every argument is untrusted and checked by the host. Each
 * signal is one 1-byte `outb`; `in`, wider or string I/O to these ports
 * ends the call with a protocol error.
 */
#define GLINT_PORT_USER_FIRST 0x10
/* Init finished; the host snapshots here. */
#define GLINT_PORT_READY 0x10
/* Call finished: rdi = glint_status, rsi = output length in bytes. */
#define GLINT_PORT_DONE 0x11
/* Unrecoverable: rdi = message gpa, rsi = message length in bytes. */
#define GLINT_PORT_ABORT 0x12
/* Host call: see "host calls" below. */
#define GLINT_PORT_HOSTCALL 0x13
#define GLINT_PORT_USER_LAST 0x13
/* Ring-0 exception stubs only (CPL 0): al = vector; the x86 exception
 * frame is on the ring-0 stack at the exit's rsp. */
#define GLINT_PORT_FAULT 0x1f

/* Status passed in rdi with GLINT_PORT_DONE. */
enum glint_status {
	GLINT_STATUS_OK = 0,	/* output area holds the response body */
	GLINT_STATUS_ERROR = 1, /* output area holds an error message (text) */
};

/* ---- host calls (GLINT_PORT_HOSTCALL) --------------------------------
 *
 * The guest asks the host to do something on its behalf:
 *   rdi = operation (enum glint_hostcall_op)
 *   rsi = request gpa, rdx = request length in bytes
 *   rcx = response gpa, r8 = response capacity in bytes
 * The request must lie in memory the guest may read, the response in
 * memory it may write (both checked against its page tables). The host
 * performs the operation, possibly parking the VM while it waits (the
 * call's deadline keeps running), writes at most the capacity and resumes
 * the guest after the `out` with rax = bytes written (>= 0) or a negative
 * enum glint_error. Every other register is preserved. An unknown
 * operation, a bad range or a malformed request ends the call as a
 * protocol error instead. Records are little-endian, packed as declared.
 */
enum glint_hostcall_op {
	GLINT_HOSTCALL_NOOP = 0,  /* request and response empty; returns 0 */
	GLINT_HOSTCALL_SLEEP = 1, /* request: struct glint_hostcall_sleep;
	                             response empty; returns 0 after ms */
	GLINT_HOSTCALL_OP_COUNT,  /* first unknown operation */
};

/* Negative results a function can handle (rax). */
enum glint_error {
	GLINT_E_LIMIT = -1,   /* a per-call host-call limit was reached */
	GLINT_E_INVALID = -2, /* well-formed request the host refuses */
	GLINT_E_TOOBIG = -3,  /* the response does not fit the capacity */
	GLINT_E_UNAVAIL = -4, /* the service behind the operation failed */
	GLINT_E_DENIED = -5,  /* the function lacks the capability */
};

/* GLINT_HOSTCALL_SLEEP request (written by the guest). */
struct glint_hostcall_sleep {
	uint32_t ms;	    /* how long to park, 0..GLINT_SLEEP_MAX_MS */
	uint32_t reserved0; /* 0 */
};
#define GLINT_SLEEP_MAX_MS 60000u

_Static_assert(sizeof(struct glint_hostcall_sleep) == 8, "sleep layout");

/* ---- ELF note that stamps an image with its ABI version ------------- */

#define GLINT_NOTE_NAME "glint"		/* n_namesz = 6, including the NUL */
#define GLINT_NOTE_TYPE_ABI 0x41424931u /* "ABI1"; desc: uint32_t version */

/* ---- the call page --------------------------------------------------- */

#define GLINT_BOOT_MAGIC 0x746e696c67ull /* "glint" */
#define GLINT_CONTENT_TYPE_MAX 64	 /* bytes, including the NUL */
#define GLINT_SEED_WORDS 4		 /* 256 bits of per-call randomness */

/* Written by the host once, before the guest's first instruction. Part of
 * the snapshot, so every call sees the same values. */
struct glint_boot_info {
	uint64_t magic;	      /* GLINT_BOOT_MAGIC */
	uint32_t abi_version; /* GLINT_ABI_VERSION */
	uint32_t reserved0;
	uint64_t mem_bytes; /* size of guest RAM, starting at gpa 0 */
	uint64_t heap_gpa; /* first heap byte (page aligned, after the image) */
	uint64_t heap_bytes; /* heap size; ends at the guard page */
	uint64_t stack_top;  /* initial rsp; the stack grows down from here */
	uint64_t stack_bytes;
	uint64_t in_gpa;    /* input area: read-only to the guest */
	uint64_t in_cap;    /* input area size in bytes */
	uint64_t out_gpa;   /* output area */
	uint64_t out_cap;   /* output area size in bytes */
	uint64_t reserved1; /* 0; pads the struct to the documented 96 bytes */
};

/* Written by the host before every call (after the restore). */
struct glint_call_header {
	uint64_t call_id; /* host-chosen id, for correlating logs */
	uint64_t in_len;  /* input bytes at in_gpa; <= in_cap */
	uint64_t seed[GLINT_SEED_WORDS]; /* fresh random bits for this call */
	int64_t wall_ns;     /* CLOCK_REALTIME when the call started, ns */
	int64_t deadline_ns; /* CLOCK_REALTIME deadline, ns; 0 = none */
};

/* Written by the guest during a call; read by the host after DONE, ABORT, a
 * fault or a timeout. Untrusted: the host bounds every field. */
struct glint_call_result {
	char content_type[GLINT_CONTENT_TYPE_MAX]; /* NUL-terminated; "" means
	                                              application/json */
	uint32_t log_len;     /* valid bytes in the log buffer at GLINT_LOG_GPA:
	                         lines separated by '\n', each optionally
	                         starting with "<level>" (a digit 0-7 in angle
	                         brackets); <= GLINT_LOG_BYTES */
	uint32_t log_dropped; /* lines the guest dropped because the buffer
	                         was full */
};

struct glint_call_page {
	struct glint_boot_info boot;	 /* host, once */
	struct glint_call_header call;	 /* host, every call */
	struct glint_call_result result; /* guest, every call */
};

#define GLINT_CALL_PAGE_BOOT_OFFSET 0
#define GLINT_CALL_PAGE_CALL_OFFSET 96
#define GLINT_CALL_PAGE_RESULT_OFFSET 160

/* The layout is part of the ABI: both compilers must agree on it. */
_Static_assert(sizeof(struct glint_boot_info) == 96, "boot info layout");
_Static_assert(sizeof(struct glint_call_header) == 64, "call header layout");
_Static_assert(sizeof(struct glint_call_result) == 72, "call result layout");
_Static_assert(sizeof(struct glint_call_page) == 232, "call page layout");
_Static_assert(sizeof(struct glint_call_page) <= GLINT_PAGE_SIZE,
	       "call page fits its page");

#endif /* GLINT_ABI_H */
