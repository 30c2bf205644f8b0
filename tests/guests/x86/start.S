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

/*
 * Application processors: a start-up IPI with vector 0x10 enters ap_tramp, copied to 0x10000,
 * in real mode at CS = 0x1000 (SDM 8.4.4). It goes straight to long mode on the boot page
 * tables Moat left at 0x9000 (PAE, EFER.LME, CR0.PG|PE, then a far jump to a 64-bit CS) and
 * jumps to ap_entry in the image.
 */
#define AP_BASE 0x10000
	.section .rodata.ap, "a"
	.globl ap_tramp, ap_tramp_end
	.code16
ap_tramp:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_gdtr - ap_tramp
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	$0x9000, %eax			/* the boot identity map */
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	$0x80010033, %eax		/* PG, WP, NE, ET, MP, PE */
	mov	%eax, %cr0
	ljmpl	$0x10, $(AP_BASE + ap_long - ap_tramp)
	.code64
ap_long:
	mov	$0x18, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	movabs	$ap_entry, %rax
	jmp	*%rax
	.balign 8
ap_gdtr:
	.word	31
	.long	AP_BASE + ap_gdt - ap_tramp
	.balign 8
ap_gdt:
	.quad	0, 0, 0x00af9b000000ffff, 0x00cf93000000ffff
ap_tramp_end:

	.text
ap_entry:
	lea	ap_stack_top(%rip), %rsp
	call	guest_ap
2:	cli
	hlt
	jmp	2b

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
	.space	0x4000
ap_stack_top:

	.section .note.GNU-stack, "", @progbits
