/* start.S: guest entry point and the READY hand-off that starts each call. */

/* Port numbers come from the C caller: glint_abi.h is C, not assembly. */

	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
/*
 * The host enters here at CPL 3 with rsp = boot.stack_top and nothing else
 * set up. Clear the frame pointer so backtraces end here and align the stack
 * the way the SysV ABI expects at a call.
 */
_start:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	glint__start
	/* glint__start never returns; trap if it ever does. */
	ud2
	.size	_start, . - _start

	.text
	.globl	glint__ready
	.type	glint__ready, @function
/*
 * void glint__ready(unsigned ready_port)
 *
 * Signals READY; the host snapshots at this exit and every call resumes at
 * the instruction after the `out`, with memory, registers and FPU/SSE
 * state restored by the host. Being a real function call, no caller keeps
 * values in vector registers across it.
 */
glint__ready:
	movl	%edi, %edx
	xorl	%edi, %edi
	xorl	%esi, %esi
	xorl	%eax, %eax
	outb	%al, %dx
	ret
	.size	glint__ready, . - glint__ready

	.globl	glint__fpu_reset
	.type	glint__fpu_reset, @function
/*
 * void glint__fpu_reset(void)
 *
 * Puts x87 and SSE into their reset state (default control word and
 * MXCSR = 0x1f80: all exceptions masked, round to nearest), once, before
 * READY: that is the state the host gives every call.
 */
glint__fpu_reset:
	fninit
	subq	$8, %rsp
	movl	$0x1f80, (%rsp)
	ldmxcsr	(%rsp)
	addq	$8, %rsp
	ret
	.size	glint__fpu_reset, . - glint__fpu_reset

	.section .note.GNU-stack, "", @progbits
