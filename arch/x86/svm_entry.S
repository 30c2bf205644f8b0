/* SPDX-License-Identifier: MIT */
/*
 * One guest entry (AMD APM vol. 2 15.5, 15.17): u64 svm_vmrun(u64 *gprs, u64 vmcb_pa,
 * u64 host_vmcb_pa). GIF is cleared for the whole switch; the host's FS/GS/TR/LDTR and
 * syscall MSRs, which VMRUN does not switch, are VMSAVEd to the host VMCB and the guest's
 * VMLOADed; no C code runs between the guest's VMLOAD and the host's (Moat's stack canary is
 * at %fs:0x28). RAX and RSP travel in the VMCB; the other guest registers in gprs[16]
 * (indexed like x86_insn.reg). With svm_host_if set (the host APIC preempts guests, apic.c)
 * RFLAGS.IF is 1 across VMRUN, so a physical interrupt ends the entry (V_INTR_MASKING, 15.21.1)
 * and is taken, EOI only, at STGI; IF is 0 again when this returns.
 */
#define G(n) (8 * (n))

	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* 16(%rsp): gprs */
	push	%rdx			/*  8(%rsp): host VMCB */
	push	%rsi			/*  0(%rsp): guest VMCB */
	clgi
	cmpb	$0, svm_host_if(%rip)
	je	1f
	sti				/* GIF is 0: nothing is taken before the guest runs */
1:	mov	%rdx, %rax
	vmsave
	mov	(%rsp), %rax
	vmload
	mov	16(%rsp), %rax
	mov	G(1)(%rax), %rcx
	mov	G(2)(%rax), %rdx
	mov	G(3)(%rax), %rbx
	mov	G(5)(%rax), %rbp
	mov	G(6)(%rax), %rsi
	mov	G(7)(%rax), %rdi
	mov	G(8)(%rax), %r8
	mov	G(9)(%rax), %r9
	mov	G(10)(%rax), %r10
	mov	G(11)(%rax), %r11
	mov	G(12)(%rax), %r12
	mov	G(13)(%rax), %r13
	mov	G(14)(%rax), %r14
	mov	G(15)(%rax), %r15
	mov	(%rsp), %rax
	vmrun
	/* #VMEXIT: RAX and RSP are the host's again (15.6), GIF is still 0 */
	vmsave
	push	%rdi
	mov	24(%rsp), %rdi
	mov	%rcx, G(1)(%rdi)
	mov	%rdx, G(2)(%rdi)
	mov	%rbx, G(3)(%rdi)
	mov	%rbp, G(5)(%rdi)
	mov	%rsi, G(6)(%rdi)
	mov	%r8, G(8)(%rdi)
	mov	%r9, G(9)(%rdi)
	mov	%r10, G(10)(%rdi)
	mov	%r11, G(11)(%rdi)
	mov	%r12, G(12)(%rdi)
	mov	%r13, G(13)(%rdi)
	mov	%r14, G(14)(%rdi)
	mov	%r15, G(15)(%rdi)
	pop	%rax
	mov	%rax, G(7)(%rdi)
	mov	8(%rsp), %rax
	vmload
	stgi				/* a pending interrupt is taken here (EOI only) */
	cli
	add	$24, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size svm_vmrun, . - svm_vmrun

	.section .note.GNU-stack, "", @progbits
