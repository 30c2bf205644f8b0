/* SPDX-License-Identifier: MIT */
/*
 * Exception entry stubs for vectors 0-31 (Intel SDM vol. 3A 6.3). Vectors that push no error
 * code get a zero one, so every frame is: saved registers, vector, error code, then the
 * CPU's RIP, CS, RFLAGS, RSP, SS. The handler reports and stops the machine.
 */
	.text
.macro stub vec, has_err
	.balign 16
	.if \has_err == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	x86_exc_common
.endm

	.balign 16
	.globl x86_exc_stubs
x86_exc_stubs:
	stub 0, 0
	stub 1, 0
	stub 2, 0
	stub 3, 0
	stub 4, 0
	stub 5, 0
	stub 6, 0
	stub 7, 0
	stub 8, 1
	stub 9, 0
	stub 10, 1
	stub 11, 1
	stub 12, 1
	stub 13, 1
	stub 14, 1
	stub 15, 0
	stub 16, 0
	stub 17, 1
	stub 18, 0
	stub 19, 0
	stub 20, 0
	stub 21, 1
	stub 22, 0
	stub 23, 0
	stub 24, 0
	stub 25, 0
	stub 26, 0
	stub 27, 0
	stub 28, 0
	stub 29, 1
	stub 30, 1
	stub 31, 0

/*
 * External interrupts 32-255 (irq_vec.c): one 16-byte stub per vector pushes the vector; the
 * common path saves the registers C may clobber, aligns the stack and calls
 * x86_irq_dispatch(vector), which runs the vector's handler and signals EOI. Moat takes
 * interrupts only in its two windows (svm_entry.S at STGI, vmx_exit.c after an
 * external-interrupt exit), with FS (the stack canary) already its own.
 */
	.balign 16
	.globl x86_irq_stubs
x86_irq_stubs:
	.set irqvec, 32
	.rept 224
	.balign 16
	pushq	$irqvec
	jmp	x86_irq_common
	.set irqvec, irqvec + 1
	.endr

x86_irq_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	72(%rsp), %rdi		/* the vector the stub pushed */
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	cld
	call	x86_irq_dispatch
	movq	%rbp, %rsp
	popq	%rbp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp		/* the vector */
	iretq

x86_exc_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	x86_exception
1:	cli
	hlt
	jmp	1b
