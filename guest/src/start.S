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
 * void glint__ready(const void *clean_fpu_image, unsigned ready_port)
 *
 * Signals READY; the host snapshots at this exit and every call resumes at
 * the instruction after the `out`, with memory restored. The host does not
 * reset FPU/SSE state, so the first thing a call does is reload the clean
 * image saved at start-up (rcx survives: registers are part of the snapshot).
 * Being a real function call, no caller keeps values in vector registers
 * across it.
 */
glint__ready:
	movl	%esi, %edx
	movq	%rdi, %rcx
	xorl	%edi, %edi
	xorl	%esi, %esi
	xorl	%eax, %eax
	outb	%al, %dx
	fxrstor64 (%rcx)
	ret
	.size	glint__ready, . - glint__ready

	.globl	glint__fpu_save_clean
	.type	glint__fpu_save_clean, @function
/*
 * void glint__fpu_save_clean(void *image)   (512 bytes, 16-byte aligned)
 *
 * Puts x87 and SSE into their reset state (default control word and
 * MXCSR = 0x1f80: all exceptions masked, round to nearest) and saves it.
 */
glint__fpu_save_clean:
	fninit
	subq	$8, %rsp
	movl	$0x1f80, (%rsp)
	ldmxcsr	(%rsp)
	addq	$8, %rsp
	fxsave64 (%rdi)
	ret
	.size	glint__fpu_save_clean, . - glint__fpu_save_clean

	.section .note.GNU-stack, "", @progbits
