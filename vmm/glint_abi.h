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
 *   0x00008000  response head (32 KiB)     user RW NX   glint_response_head
 *   0x00010000  image (PT_LOAD segments)   per segment: RX, R or RW+NX
 *   ...         heap                       user RW NX   up to the guard page
 *   ...         guard page                 not mapped
 *   ...         stack                      user RW NX   grows down to the guard
 *   env_gpa     environment block          user R  NX   host, at boot (0 pages
 *   secrets_gpa secrets block              user R  NX   when empty)
 *   in_gpa      input area                 user R  NX   written by the host:
 *               struct glint_request, string/table region, body
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
#define GLINT_RESP_HEAD_GPA 0x8000ull
#define GLINT_RESP_HEAD_BYTES 0x8000ull
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
	/* Outbound HTTP, parks the VM. Request: struct
	 * glint_hostcall_fetch; response: struct glint_fetch_response.
	 * Returns the response bytes written. */
	GLINT_HOSTCALL_FETCH = 2,
	/* The function's own key-value store, park the VM. Request: struct
	 * glint_hostcall_kv and its bytes; see there for each result. */
	GLINT_HOSTCALL_KV_GET = 3,
	GLINT_HOSTCALL_KV_SET = 4,
	GLINT_HOSTCALL_KV_DELETE = 5,
	GLINT_HOSTCALL_KV_LIST = 6,
	GLINT_HOSTCALL_KV_INCR = 7,
	GLINT_HOSTCALL_KV_CAS = 8,
	GLINT_HOSTCALL_OP_COUNT, /* first unknown operation */
};

/* Negative results a function can handle (rax). */
enum glint_error {
	GLINT_E_LIMIT = -1,	/* a per-call host-call limit was reached */
	GLINT_E_INVALID = -2,	/* well-formed request the host refuses */
	GLINT_E_TOOBIG = -3,	/* the response does not fit the capacity */
	GLINT_E_UNAVAIL = -4,	/* the service behind the operation failed */
	GLINT_E_DENIED = -5,	/* the function lacks the capability, or the
	                         URL or its address is not allowed */
	GLINT_E_NOTFOUND = -6,	/* KV: no such key (or it expired) */
	GLINT_E_CONFLICT = -7,	/* KV_CAS: the current value differed */
	GLINT_E_TIMEOUT = -8,	/* FETCH: no complete answer in time */
	GLINT_E_RANGE = -9,	/* KV_INCR: not a decimal 64-bit integer, or
	                          the sum would overflow */
	GLINT_E_TOOLARGE = -10, /* a key, value, URL, header or body over the
	                           host's limit, or a FETCH answer over its
	                           caps (body, headers) */
	GLINT_E_NOSPACE = -11,	/* KV: the store is full */
	GLINT_E_NETWORK = -12,	/* FETCH: the name did not resolve, no
	                           connection, TLS failed, or the peer broke
	                           the exchange */
};

/* GLINT_HOSTCALL_SLEEP request (written by the guest). */
struct glint_hostcall_sleep {
	uint32_t ms;	    /* how long to park, 0..GLINT_SLEEP_MAX_MS */
	uint32_t reserved0; /* 0 */
};
#define GLINT_SLEEP_MAX_MS 60000u

_Static_assert(sizeof(struct glint_hostcall_sleep) == 8, "sleep layout");

/*
 * Lengths inside a record are checked by the host against the request
 * length: the request must be exactly the record followed by the byte
 * strings it announces, in the order declared, with reserved fields 0.
 * A request that lies about them ends the call with guest_protocol_error
 * (the SDK never builds one). A well-formed request the host refuses
 * (a key too long, an empty key, a bad URL) gets an error return instead.
 */

/* GLINT_HOSTCALL_KV_* request (written by the guest), followed by
 * key_len bytes of key, then value_len bytes of value, then extra_len
 * bytes (CAS: the expected value; LIST: the cursor). Keys and values are
 * any bytes; a key is 1..kv_max_key_bytes (512 by default), a value at
 * most kv_max_value_bytes (1 MiB), else GLINT_E_TOOLARGE.
 *
 *   KV_GET     key. Response: the value; returns its length, or
 *              GLINT_E_NOTFOUND, or GLINT_E_TOOBIG (capacity too small;
 *              nothing written).
 *   KV_SET     key, value; arg = time to live in ms (0: none, at most ten
 *              years). Returns 0 once the value is on stable storage.
 *   KV_DELETE  key. Returns 0, or GLINT_E_NOTFOUND.
 *   KV_LIST    key = the prefix (may be empty), extra = the cursor from
 *              the previous page (empty first); arg = keys a page,
 *              1..GLINT_KV_LIST_MAX. Response: struct glint_kv_list_head
 *              then the cursor, then per key a uint32_t length and the
 *              key. The listing is complete when the cursor is empty.
 *              Returns the bytes written, or GLINT_E_TOOBIG.
 *   KV_INCR    key; arg = delta. Response: the new value (int64_t, 8
 *              bytes); returns 8, or GLINT_E_RANGE.
 *   KV_CAS     key, value, extra = expected value; flags
 *              GLINT_KV_CAS_ABSENT: swap only if the key is absent
 *              (extra_len 0). Returns 0 when swapped (the key then has no
 *              expiry), GLINT_E_CONFLICT when the current value differed.
 * Errors of every KV op: GLINT_E_INVALID, GLINT_E_TOOLARGE,
 * GLINT_E_NOSPACE, GLINT_E_UNAVAIL (store unreachable: a set may or may
 * not have happened), GLINT_E_LIMIT.
 */
struct glint_hostcall_kv {
	uint32_t key_len;
	uint32_t value_len; /* SET, CAS; else 0 */
	uint32_t extra_len; /* CAS: expected value; LIST: cursor; else 0 */
	uint32_t flags;	    /* CAS: GLINT_KV_CAS_ABSENT or 0; else 0 */
	int64_t arg;	    /* SET: ttl ms; INCR: delta; LIST: page size */
};
#define GLINT_KV_CAS_ABSENT 1u
#define GLINT_KV_LIST_MAX 1000
#define GLINT_KV_TTL_MAX_MS 315360000000LL

_Static_assert(sizeof(struct glint_hostcall_kv) == 24, "kv layout");

/* KV_LIST response head (written by the host). */
struct glint_kv_list_head {
	uint32_t nkeys;
	uint32_t cursor_len;
};

_Static_assert(sizeof(struct glint_kv_list_head) == 8, "kv list head layout");

/* GLINT_HOSTCALL_FETCH request (written by the guest), followed by
 * method_len bytes of method ("" = GET), url_len bytes of URL,
 * headers_len bytes of headers ("name\0value\0" repeated), body_len
 * bytes of body. The URL must match the function's allow_fetch prefixes
 * (else GLINT_E_DENIED, as for refused addresses and redirects). */
struct glint_hostcall_fetch {
	uint32_t method_len;
	uint32_t url_len;
	uint32_t headers_len;
	uint32_t body_len;
	uint32_t timeout_ms;	/* 0: the rest of the call's deadline */
	uint32_t max_redirects; /* 0: a 3xx is the answer; at most 10 */
};

_Static_assert(sizeof(struct glint_hostcall_fetch) == 24, "fetch layout");

/* GLINT_HOSTCALL_FETCH response (written by the host), followed by
 * headers_len bytes of headers ("name\0value\0" repeated, as received)
 * and body_len bytes of body. When it does not fit the capacity, nothing
 * is written and the result is GLINT_E_TOOBIG. Other errors:
 * GLINT_E_DENIED, GLINT_E_INVALID, GLINT_E_TOOLARGE, GLINT_E_TIMEOUT,
 * GLINT_E_NETWORK, GLINT_E_UNAVAIL, GLINT_E_LIMIT. */
struct glint_fetch_response {
	uint32_t status; /* HTTP status */
	uint32_t nheaders;
	uint32_t headers_len;
	uint32_t body_len;
};

_Static_assert(sizeof(struct glint_fetch_response) == 16,
	       "fetch response layout");

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
	uint64_t reserved1; /* 0 */
	/* Environment and secrets: read-only blocks written by the host at
	 * boot (before init, so part of the snapshot; changing them is a
	 * redeploy). Each is a sequence of "NAME=VALUE\0" entries ended by an
	 * empty entry ("\0"); env_bytes/secrets_bytes count every byte
	 * including the final "\0". gpa 0 and bytes 0 when there is none.
	 * Secrets are not part of the environment (getenv does not see
	 * them). */
	uint64_t env_gpa;
	uint64_t env_bytes;
	uint64_t secrets_gpa;
	uint64_t secrets_bytes;
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
	                                              application/json; a
	                                              Content-Type response
	                                              header wins over it */
	uint32_t log_len;     /* valid bytes in the log buffer at GLINT_LOG_GPA:
	                         lines separated by '\n', each optionally
	                         starting with "<level>" (a digit 0-7 in angle
	                         brackets); <= GLINT_LOG_BYTES */
	uint32_t log_dropped; /* lines the guest dropped because the buffer
	                         was full */
	uint32_t status;      /* HTTP status; 0 = not set = 200. The host
	                         accepts 100-599 except 101 */
	uint32_t reserved0;   /* 0 */
};

struct glint_call_page {
	struct glint_boot_info boot;	 /* host, once */
	struct glint_call_header call;	 /* host, every call */
	struct glint_call_result result; /* guest, every call */
};

#define GLINT_CALL_PAGE_BOOT_OFFSET 0
#define GLINT_CALL_PAGE_CALL_OFFSET 128
#define GLINT_CALL_PAGE_RESULT_OFFSET 192

/* The layout is part of the ABI: both compilers must agree on it. */
_Static_assert(sizeof(struct glint_boot_info) == 128, "boot info layout");
_Static_assert(sizeof(struct glint_call_header) == 64, "call header layout");
_Static_assert(sizeof(struct glint_call_result) == 80, "call result layout");
_Static_assert(sizeof(struct glint_call_page) == 272, "call page layout");
_Static_assert(sizeof(struct glint_call_page) <= GLINT_PAGE_SIZE,
	       "call page fits its page");

/* ---- the request area (at in_gpa, read-only to the guest) -------------
 *
 * Written by the host before every call: struct glint_request, then a
 * string/table region, then the body. Every string is a glint_str: an
 * (offset, length) pair relative to in_gpa, bounded by the host so that
 * off + len <= call.in_len. Strings are not NUL-terminated; the host puts
 * a NUL after each one anyway (not counted in len), so the SDK can hand
 * them out as C strings. A string that contains a NUL byte of its own
 * (only possible in decoded forms and the body) is cut there by C readers.
 * Tables are arrays of struct glint_kv at a 4-byte aligned offset.
 *
 * glintd and glint-run always write a struct glint_request. A bare VMM
 * caller (the VMM's own tests) may instead put just the body at in_gpa;
 * the SDK tells the two apart by GLINT_REQUEST_MAGIC and then treats the
 * whole input as the body of a POST.
 */

struct glint_str {
	uint32_t off; /* bytes from in_gpa */
	uint32_t len; /* bytes, the NUL after the string not counted */
};

struct glint_kv {
	struct glint_str name;
	struct glint_str value;
};

#define GLINT_REQUEST_MAGIC 0x31716572u /* "req1" */

struct glint_request {
	uint32_t magic;		      /* GLINT_REQUEST_MAGIC */
	uint32_t size;		      /* sizeof(struct glint_request) */
	struct glint_str method;      /* "GET", "POST", ... as received */
	struct glint_str path_raw;    /* path after /invoke/<fn>, as received
	                                (percent-encoded), "" or "/..." */
	struct glint_str path;	      /* path_raw percent-decoded */
	struct glint_str query_raw;   /* after '?', without it; "" if none */
	struct glint_str client_addr; /* peer address as text */
	struct glint_str scheme;      /* "http" or "https" */
	struct glint_str request_id;  /* glintd's id for this request */
	struct glint_str body;	      /* request body */
	uint32_t client_port;	      /* peer TCP port; 0 if unknown */
	uint32_t nheaders;	      /* entries at headers_off */
	uint32_t headers_off; /* glint_kv[nheaders]: every request header in
	                         arrival order, repeats kept, names as sent */
	uint32_t nquery;      /* entries at query_off */
	uint32_t query_off;   /* glint_kv[nquery]: query parameters in order,
	                         names and values percent-decoded ('+' is a
	                         space) */
	uint32_t reserved0;   /* 0 */
};

_Static_assert(sizeof(struct glint_request) == 96, "request layout");
_Static_assert(sizeof(struct glint_kv) == 16, "request table entry");

/* ---- the response head (at GLINT_RESP_HEAD_GPA, written by the guest) --
 *
 * Response headers: struct glint_response_head, then nheaders packed
 * entries, each a struct glint_resp_header followed by name_len bytes of
 * name and value_len bytes of value (no NUL, no padding). The guest writes
 * it during a call; the page is restored after every call. Untrusted: the
 * host reads nheaders and bytes_used once, walks the entries within
 * bytes_used, and ends the call with a protocol error naming the header
 * when anything is out of bounds or invalid: names must be RFC 9110 tokens,
 * values field-values (visible ASCII, obs-text, SP and HTAB inside; no CR,
 * LF or NUL), within the limits below; Connection, Transfer-Encoding,
 * Content-Length, Upgrade, Keep-Alive, TE and Trailer are refused (glintd
 * owns framing). The SDK resets the header at the start of every call.
 */

#define GLINT_RESP_HEADERS_MAX 256 /* entries */
#define GLINT_RESP_NAME_MAX 256	   /* bytes per name */
#define GLINT_RESP_VALUE_MAX 8192  /* bytes per value */

struct glint_response_head {
	uint32_t nheaders;   /* entries that follow */
	uint32_t bytes_used; /* bytes of entries after this struct */
};

struct glint_resp_header {
	uint16_t name_len;
	uint16_t reserved0; /* 0 */
	uint32_t value_len;
};

_Static_assert(sizeof(struct glint_response_head) == 8, "response head");
_Static_assert(sizeof(struct glint_resp_header) == 8, "response entry");
/*
 * ---- Guest diagnostics word ----
 * One uint32_t at GLINT_CALL_PAGE_DIAG_OFFSET in the call page, apart from
 * the structs above so that it does not move when they grow. Written by
 * the guest SDK, cleared at the start of every call; read by the host only
 * after a failed call, to explain it. Untrusted: a set bit only adds words
 * to an error message.
 */
#define GLINT_CALL_PAGE_DIAG_OFFSET 0x800
/* malloc, calloc or realloc found no room in the heap during this call. */
#define GLINT_DIAG_HEAP_EXHAUSTED 0x1u
_Static_assert(GLINT_CALL_PAGE_DIAG_OFFSET >= sizeof(struct glint_call_page) &&
		       GLINT_CALL_PAGE_DIAG_OFFSET + 4 <= GLINT_PAGE_SIZE,
	       "the diagnostics word lies in the call page, after the structs");

#endif /* GLINT_ABI_H */
