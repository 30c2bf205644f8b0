/* SPDX-License-Identifier: MIT */
/*
 * One guest entry (Intel SDM vol. 3C 26 "VM entries", 27.5 host state on exit):
 * int vmx_enter(u64 *gprs, u64 launched). The guest registers the VMCS does not hold travel
 * in gprs[16] (indexed like x86_insn.reg; RSP is in the VMCS); Moat's callee-saved registers
 * stay on the stack whose address is the VMCS host RSP, and an exit resumes at vmx_exit_point
 * with them. Returns 0 after an exit, 1 for VMfailInvalid (CF), 2 for VMfailValid (ZF: the
 * VM-instruction error field says why). Interrupts are off throughout (Moat runs with IF=0,
 * and an exit clears RFLAGS).
 */
#define G(n) (8 * (n))
#define VMCS_HOST_RSP 0x6c14
#define VMCS_HOST_RIP 0x6c16

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
	push	%rdi			/* 0(%rsp): gprs, for the exit */
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
3:	add	$8, %rsp
	jmp	4f

	.globl vmx_exit_point
vmx_exit_point:
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, G(1)(%rax)
	mov	%rdx, G(2)(%rax)
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%rsi, G(6)(%rax)
	mov	%rdi, G(7)(%rax)
	mov	%r8, G(8)(%rax)
	mov	%r9, G(9)(%rax)
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)
	popq	G(0)(%rax)
	add	$8, %rsp
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
