/* SPDX-License-Identifier: MIT */
/*
 * x86_64 test guest entry: the Linux 64-bit boot protocol state Moat sets up (long mode,
 * identity map, GDT with __BOOT_CS 0x10 / __BOOT_DS 0x18, interrupts off, RSI = boot_params;
 * docs/guest-abi.md). Sets a stack and an IDT whose every vector goes to guest_trap() with
 * the vector and the interrupted RIP, then calls guest_main(boot_params).
 */
	.section .text.start, "ax"
	.code64
	.globl _start
_start:
	rdtsc				/* first guest instruction: for the bench */
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %r12
	lea	stack_top(%rip), %rsp
	mov	%rsi, %r13
	call	idt_setup
	mov	%r13, %rdi
	mov	%r12, %rsi
	call	guest_main
1:	hlt
	jmp	1b

/* 256 stubs of 16 bytes: push a zero error code where the CPU pushes none, the vector. */
	.balign 16
	.globl idt_stubs
idt_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	.set vec, vec + 1
	.endr

trap_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi		/* struct guest_frame */
	call	guest_trap
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	iretq

	.bss
	.balign 16
	.space	0x8000
stack_top:

	.section .note.GNU-stack, "", @progbits
