/* internal.h: interfaces between the pieces of the guest runtime (not installed). */
#ifndef GLINT_GUEST_INTERNAL_H
#define GLINT_GUEST_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Receives formatted text piece by piece. */
typedef void (*glint__sink_fn)(void *ctx, const char *buf, size_t len);

/* The printf engine behind snprintf, glint_printf and glint_log: formats
 * into sink; returns the number of bytes produced (saturating at INT_MAX),
 * or -1 for an invalid conversion. */
int glint__vformat(glint__sink_fn sink, void *ctx, const char *fmt, va_list ap);

/* Hands the heap [base, base + len_bytes) to malloc; called once at
 * start-up (and by host tests over a buffer). */
void glint__heap_init(void *base, size_t len_bytes);
/* The call page's diagnostics word (GLINT_DIAG_* bits, glint_abi.h). */
void glint__diag_clear(void);
void glint__diag_set(uint32_t bits);

/* Ends the current call: status 0 as a success with the output so far,
 * anything else as a function error "exit status N". During init it ends
 * the boot as a crash. Logs stderr's unfinished line first. */
__attribute__((noreturn)) void glint__end_call(int status);

/* Called when the call ends (or exit runs), if set: stdio sets it to log
 * stderr's unfinished line when it first buffers one. A pointer rather
 * than a direct call, so images that never use stdio do not link it. */
extern void (*glint__at_call_end)(void);

/* Signals READY from inside glint_init (see runtime.c); returns in every
 * call with that call's input. */
void glint__ready_now(const char **input, size_t *input_len);
/* 1 while a call runs, 0 during init. */
int glint__in_call(void);

#endif /* GLINT_GUEST_INTERNAL_H */
