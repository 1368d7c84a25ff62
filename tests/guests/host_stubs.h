/* host_stubs.h: host stand-ins for the guest runtime, for libc and JSON tests. */
#ifndef GLINT_TEST_HOST_STUBS_H
#define GLINT_TEST_HOST_STUBS_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/* glint_abort() longjmps here when stub_abort_armed is set (else exits 99),
 * leaving its message in stub_abort_msg. */
extern jmp_buf stub_abort_env;
extern int stub_abort_armed;
extern char stub_abort_msg[256];

/* glint_write() appends here (the default sink of the JSON writer). */
extern char stub_output[65536];
extern size_t stub_output_len;

/* The diagnostics bits glint__diag_set() recorded (malloc sets
 * GLINT_DIAG_HEAP_EXHAUSTED when it finds no room). */
extern uint32_t stub_diag;

/* glint_wall_ns() returns this. */
extern int64_t stub_wall_ns;
/* glint_log() appends "<level>text\n" here. */
extern char stub_log[4096];
extern size_t stub_log_len;
/* exit() longjmps here with status + 1 when stub_exit_armed is set. */
extern jmp_buf stub_exit_env;
extern int stub_exit_armed;

#endif /* GLINT_TEST_HOST_STUBS_H */
