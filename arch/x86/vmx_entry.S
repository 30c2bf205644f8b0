/* SPDX-License-Identifier: MIT */
/*
 * Guest entries (Intel SDM vol. 3C 26 "VM entries", 27.5 host state on exit):
 * int vmx_enter(u64 *gprs, u64 launched, struct vmx_vcpu *fast). The guest registers the
 * VMCS does not hold travel in gprs[16] (indexed like x86_insn.reg; RSP is in the VMCS);
 * Moat's callee-saved registers stay on the stack whose address is the VMCS host RSP, and an
 * exit resumes at vmx_exit_point with them. Returns 0 after an exit, 1 for VMfailInvalid
 * (CF), 2 for VMfailValid (ZF: the VM-instruction error field says why). Interrupts are off
 * throughout (Moat runs with IF=0, and an exit clears RFLAGS).
 *
 * Fast path (fast not NULL, issue 21): at each exit only the registers C may clobber are
 * stored, the hypercall registers RAX, RDI, RSI, RDX, RCX, R8, R9 straight into the hypercall
 * register block x0..x6 on this stack (docs/guest-abi.md order), R10/R11 beside it, and
 * vmx_exit_fast(fast, regs) is called. When it answered the exit (a fast hypercall) the same
 * registers are reloaded and the guest resumed at once: its RBX, RBP and R12-R15 never left
 * their registers (callee-saved in C), and the host RSP/RIP in the VMCS are still this frame
 * and vmx_exit_point. vmx_exit_fast() itself bounds that loop in time (the preemption timer
 * restarts at every entry); a VMRESUME that fails there returns 1 or 2 as any entry does.
 * Otherwise the block and the callee-saved registers go to gprs and the function returns as
 * without the fast path.
 */
#define G(n) (8 * (n))
#define VMCS_HOST_RSP 0x6c14
#define VMCS_HOST_RIP 0x6c16
/* The frame below the pushes: the hypercall block regs[7], R10 and R11, then the pushed
 * arguments. */
#define X(n) (8 * (n))
#define F_R10 56
#define F_R11 64
#define F_GPRS 72
#define F_FAST 80
#define F_SIZE 88

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx			/* F_FAST */
	push	%rdi			/* F_GPRS, for the exit */
	sub	$F_GPRS, %rsp		/* the block; the call from the exit is 16-byte aligned */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	lea	vmx_exit_point(%rip), %rdx
	mov	$VMCS_HOST_RIP, %eax
	vmwrite	%rdx, %rax
	mov	%rdi, %rax
	cmp	$0, %rsi		/* the flags survive the MOVs below */
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
	mov	G(0)(%rax), %rax
	jne	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* the entry failed; the flags say how */
	mov	$1, %eax
	jc	3f
	mov	$2, %eax
3:	add	$F_SIZE, %rsp
	jmp	4f

	.globl vmx_exit_point
vmx_exit_point:
	mov	%rax, X(0)(%rsp)
	mov	%rdi, X(1)(%rsp)
	mov	%rsi, X(2)(%rsp)
	mov	%rdx, X(3)(%rsp)
	mov	%rcx, X(4)(%rsp)
	mov	%r8, X(5)(%rsp)
	mov	%r9, X(6)(%rsp)
	mov	%r10, F_R10(%rsp)
	mov	%r11, F_R11(%rsp)
	mov	F_FAST(%rsp), %rdi
	test	%rdi, %rdi
	jz	5f
	mov	%rsp, %rsi
	call	vmx_exit_fast
	test	%al, %al
	jz	5f
	mov	F_R10(%rsp), %r10
	mov	F_R11(%rsp), %r11
	mov	X(1)(%rsp), %rdi
	mov	X(2)(%rsp), %rsi
	mov	X(3)(%rsp), %rdx
	mov	X(4)(%rsp), %rcx
	mov	X(5)(%rsp), %r8
	mov	X(6)(%rsp), %r9
	mov	X(0)(%rsp), %rax
	vmresume
	jmp	2b			/* it failed: as a first entry does */
5:	mov	F_GPRS(%rsp), %rax
	mov	X(0)(%rsp), %rcx
	mov	%rcx, G(0)(%rax)	/* RAX */
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
	mov	F_R10(%rsp), %rcx
	mov	%rcx, G(10)(%rax)
	mov	F_R11(%rsp), %rcx
	mov	%rcx, G(11)(%rax)
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)
	add	$F_SIZE, %rsp
	xor	%eax, %eax
4:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size vmx_enter, . - vmx_enter

	.section .note.GNU-stack, "", @progbits
