/* SPDX-License-Identifier: MIT */
/*
 * Secondary CPUs (started with PSCI CPU_ON, x0 = struct pcpu, MMU off at EL2) and the guest
 * entry. struct pcpu begins: stack_top, vbar, mair, tcr, ttbr0, sctlr, entry, arg.
 */
	.text
	.globl arm64_secondary_entry
arm64_secondary_entry:
	ldr	x1, =0x30c50830			/* SCTLR_EL2 RES1: MMU off, little endian */
	msr	sctlr_el2, x1
	isb
	ldr	x1, =0x33ff			/* CPTR_EL2: FP/SIMD not trapped */
	msr	cptr_el2, x1
	ldp	x1, x2, [x0, #0]
	mov	sp, x1
	msr	vbar_el2, x2
	ldp	x1, x2, [x0, #16]
	msr	mair_el2, x1
	msr	tcr_el2, x2
	ldp	x1, x2, [x0, #32]
	msr	ttbr0_el2, x1
	isb
	tlbi	alle2
	dsb	ish
	isb
	msr	sctlr_el2, x2
	isb
	ldp	x1, x2, [x0, #48]
	mov	x0, x2
	blr	x1
1:	wfe
	b	1b
	.ltorg

/* arm64_vcpu_enter(frame, stack_top): load the guest registers from frame and ERET. */
	.globl arm64_vcpu_enter
arm64_vcpu_enter:
	mov	sp, x1
	ldp	x2, x3, [x0, #256]		/* spsr, (sp: unused) */
	msr	spsr_el2, x2
	ldr	x2, [x0, #248]			/* elr */
	msr	elr_el2, x2
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #0]
	eret
