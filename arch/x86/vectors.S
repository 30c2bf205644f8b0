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

/* External interrupts (apic.c): x2APIC EOI, nothing else; they exist to end guest entries. */
	.balign 16
	.globl x86_irq_stub
x86_irq_stub:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	mov	$0x80b, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
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
