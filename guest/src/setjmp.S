/* setjmp.S: setjmp and longjmp (SysV x86-64 callee-saved registers). */

/*
 * jmp_buf: rbx, rbp, r12, r13, r14, r15, rsp (the caller's, after the
 * return), rip (the return address). MXCSR and the x87 control word are
 * callee-saved too, but setjmp does not save them (as glibc): a function
 * that changes them between setjmp and longjmp restores them itself.
 */
	.text
	.globl	setjmp, _setjmp
	.type	setjmp, @function
	.type	_setjmp, @function
setjmp:
_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx
	movq	%rdx, 56(%rdi)
	xorl	%eax, %eax
	ret
	.size	setjmp, . - setjmp

	.globl	longjmp, _longjmp
	.type	longjmp, @function
	.type	_longjmp, @function
/* longjmp(env, 0) makes setjmp return 1, as C requires. */
longjmp:
_longjmp:
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	jmpq	*56(%rdi)
	.size	longjmp, . - longjmp

	.section .note.GNU-stack, "", @progbits
