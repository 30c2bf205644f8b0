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
 * Fast path (fast not NULL): after each #VMEXIT only the registers C may clobber (RCX, RDX,
 * RSI, RDI, R8-R11) are stored, the host's VMCB state loaded, and svm_exit_fast(fast) called
 * with GIF still 0; when it answers the exit (a fast hypercall, nothing pending) those
 * registers are reloaded from gprs and the guest re-entered at once: the guest's RBX, RBP and
 * R12-R15 are still in their registers (callee-saved in C), the host's VMCB state is what was
 * saved before the first entry. An interrupt that arrives meanwhile stays pending (GIF 0) and
 * ends the next entry at once (INTR exit), so this loop is bounded like a guest slice.
 * Otherwise the callee-saved registers are stored too and the function returns.
 */
#define G(n) (8 * (n))
/* Stack frame after the pushes: 0 padding (16-byte alignment for the call), then: */
#define F_VMCB 8
#define F_HOST 16
#define F_GPRS 24
#define F_FAST 32
#define F_SIZE 40

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
	sub	$8, %rsp
	clgi
	cmpb	$0, svm_host_if(%rip)
	je	1f
	sti				/* GIF is 0: nothing is taken before the guest runs */
1:	mov	%rdx, %rax
	vmsave
	mov	F_VMCB(%rsp), %rax
	vmload
	mov	F_GPRS(%rsp), %rax
	mov	G(3)(%rax), %rbx
	mov	G(5)(%rax), %rbp
	mov	G(12)(%rax), %r12
	mov	G(13)(%rax), %r13
	mov	G(14)(%rax), %r14
	mov	G(15)(%rax), %r15
2:	mov	G(1)(%rax), %rcx	/* the fast path re-enters here, guest state loaded */
	mov	G(2)(%rax), %rdx
	mov	G(6)(%rax), %rsi
	mov	G(7)(%rax), %rdi
	mov	G(8)(%rax), %r8
	mov	G(9)(%rax), %r9
	mov	G(10)(%rax), %r10
	mov	G(11)(%rax), %r11
	mov	F_VMCB(%rsp), %rax
	vmrun
	/* #VMEXIT: RAX and RSP are the host's again (15.6), GIF is still 0 */
	vmsave
	mov	F_GPRS(%rsp), %rax
	mov	%rcx, G(1)(%rax)
	mov	%rdx, G(2)(%rax)
	mov	%rsi, G(6)(%rax)
	mov	%rdi, G(7)(%rax)
	mov	%r8, G(8)(%rax)
	mov	%r9, G(9)(%rax)
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	F_HOST(%rsp), %rax
	vmload
	mov	F_FAST(%rsp), %rdi
	test	%rdi, %rdi
	jz	3f
	call	svm_exit_fast
	test	%al, %al
	jz	3f
	mov	F_VMCB(%rsp), %rax
	vmload
	mov	F_GPRS(%rsp), %rax
	jmp	2b
3:	mov	F_GPRS(%rsp), %rax
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
