/* SPDX-License-Identifier: MIT */
/*
 * Guest entries (AMD APM vol. 2 15.5, 15.17): void svm_vmrun(u64 *gprs, u64 vmcb_pa,
 * u64 host_vmcb_pa, struct svm_vcpu *fast). GIF is cleared for the whole switch; the host's
 * FS/GS/TR/LDTR and syscall MSRs, which VMRUN does not switch, are VMSAVEd to the host VMCB
 * and the guest's VMLOADed; no C code runs between the guest's VMLOAD and the host's (Moat's
 * stack canary is at %fs:0x28). RAX and RSP travel in the VMCB; the other guest registers in
 * gprs[16] (indexed like x86_insn.reg). With svm_host_if set (the host APIC preempts guests,
 * apic.c) RFLAGS.IF is 1 across VMRUN, so a physical interrupt ends the entry (V_INTR_MASKING,
 * 15.21.1) and is taken, EOI only, at STGI; IF is 0 again when this returns.
 *
 * Fast path (fast not NULL, issue 21): after each #VMEXIT only the registers C may clobber
 * are stored, the hypercall arguments RDI, RSI, RDX, RCX, R8, R9 straight into regs[1..6] of
 * the hypercall register block on this stack (docs/guest-abi.md order), R10/R11 into gprs;
 * the host's VMCB state is loaded and svm_exit_fast(fast, regs) called with GIF still 0. When
 * it answered the exit (a fast hypercall) the same registers are reloaded, the guest's VMCB
 * state too, and the guest re-entered at once: its RBX, RBP and R12-R15 never left their
 * registers (callee-saved in C), and the host's VMCB state is still the one saved before the
 * first entry. An interrupt that arrives meanwhile stays pending (GIF 0) and ends the next
 * entry at once (INTR exit), so this loop is bounded like a guest slice. Otherwise the block
 * and the callee-saved registers go to gprs and the function returns as without the fast path.
 */
#define G(n) (8 * (n))
/* The frame below the pushes: the hypercall block regs[7] (x0 unused here), padding that
 * keeps the call 16-byte aligned, then the pushed arguments. */
#define F_REGS 0
#define X(n) (F_REGS + 8 * (n))
#define F_VMCB 72
#define F_HOST 80
#define F_GPRS 88
#define F_FAST 96
#define F_SIZE 104

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
	push	%rcx			/* F_FAST */
	push	%rdi			/* F_GPRS */
	push	%rdx			/* F_HOST */
	push	%rsi			/* F_VMCB */
	sub	$F_VMCB, %rsp
	clgi
	cmpb	$0, svm_host_if(%rip)
	je	1f
	sti				/* GIF is 0: nothing is taken before the guest runs */
1:	mov	%rdx, %rax
	vmsave
	mov	F_VMCB(%rsp), %rax
	vmload
	mov	F_GPRS(%rsp), %rax
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
	jmp	3f
2:	mov	G(10)(%rax), %r10	/* the fast path re-enters here */
	mov	G(11)(%rax), %r11
	mov	X(1)(%rsp), %rdi
	mov	X(2)(%rsp), %rsi
	mov	X(3)(%rsp), %rdx
	mov	X(4)(%rsp), %rcx
	mov	X(5)(%rsp), %r8
	mov	X(6)(%rsp), %r9
3:	mov	F_VMCB(%rsp), %rax
	vmrun
	/* #VMEXIT: RAX and RSP are the host's again (15.6), GIF is still 0 */
	vmsave
	mov	%rdi, X(1)(%rsp)
	mov	%rsi, X(2)(%rsp)
	mov	%rdx, X(3)(%rsp)
	mov	%rcx, X(4)(%rsp)
	mov	%r8, X(5)(%rsp)
	mov	%r9, X(6)(%rsp)
	mov	F_GPRS(%rsp), %rax
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	F_HOST(%rsp), %rax
	vmload
	mov	F_FAST(%rsp), %rdi
	test	%rdi, %rdi
	jz	4f
	lea	F_REGS(%rsp), %rsi
	call	svm_exit_fast
	test	%al, %al
	jz	4f
	mov	F_VMCB(%rsp), %rax
	vmload
	mov	F_GPRS(%rsp), %rax
	jmp	2b
4:	mov	F_GPRS(%rsp), %rax
	mov	X(1)(%rsp), %rcx
	mov	%rcx, G(7)(%rax)	/* RDI */
	mov	X(2)(%rsp), %rcx
	mov	%rcx, G(6)(%rax)	/* RSI */
	mov	X(3)(%rsp), %rcx
	mov	%rcx, G(2)(%rax)	/* RDX */
	mov	X(4)(%rsp), %rcx
	mov	%rcx, G(1)(%rax)	/* RCX */
	mov	X(5)(%rsp), %rcx
	mov	%rcx, G(8)(%rax)	/* R8 */
	mov	X(6)(%rsp), %rcx
	mov	%rcx, G(9)(%rax)	/* R9 */
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)
	stgi				/* a pending interrupt is taken here (EOI only) */
	cli
	add	$F_SIZE, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size svm_vmrun, . - svm_vmrun

	.section .note.GNU-stack, "", @progbits
