/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors (Arm ARM D1.10.2): 16 entries of 0x80 bytes. Every entry saves the
 * general registers into a struct arm64_regs on the stack and calls arm64_exception().
 */
#define FRAME_SIZE (34 * 8)

.macro ventry kind
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	vec_common
.endm

	.text
	.balign 2048
	.globl arm64_vectors
arm64_vectors:
	ventry 0	/* current EL, SP_EL0: sync */
	ventry 1	/* irq */
	ventry 2	/* fiq */
	ventry 3	/* serror */
	ventry 4	/* current EL, SP_ELx: sync */
	ventry 5
	ventry 6
	ventry 7
	/* lower EL, AArch64, sync: a Moat hypercall (HVC, x0 in 0xC6xxxxxx) tries the fast path */
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mrs	x1, esr_el2
	lsr	x1, x1, #26
	cmp	x1, #0x16		/* ESR_EL2.EC: HVC64 */
	b.ne	1f
	lsr	x1, x0, #24
	cmp	x1, #0xc6		/* MOAT_HC_BASE >> 24 */
	b.eq	hvc_fast
1:	mov	x1, #8
	b	vec_common
	ventry 9
	ventry 10
	ventry 11
	ventry 12	/* lower EL, AArch32 */
	ventry 13
	ventry 14
	ventry 15

/*
 * The hypercall fast path (issue 21): only what C may clobber (x2..x18, x30; x0/x1 are saved)
 * goes into the frame; x19..x29 are preserved by vcpu_hvc_fast() under the procedure call
 * standard, and ELR/SPSR stay in their registers because nothing on this path takes an
 * exception at EL2 (entry masked DAIF). vcpu_hvc_fast() returns 0 when it handled the call
 * (results in the frame's x0..x3); otherwise the frame is completed and the call goes the
 * normal way as if the fast path had not been tried.
 */
hvc_fast:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	str	x18, [sp, #144]
	str	x30, [sp, #240]
	mov	x0, sp
	bl	vcpu_hvc_fast
	mov	x1, x0
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldr	x18, [sp, #144]
	ldr	x30, [sp, #240]
	cbnz	x1, 2f
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_SIZE
	eret
2:	mov	x1, #8			/* not handled: the full path, every register as trapped */
	b	vec_common

vec_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el2
	stp	x30, x2, [sp, #240]
	mrs	x2, spsr_el2
	add	x3, sp, #FRAME_SIZE
	stp	x2, x3, [sp, #256]
	mov	x0, sp
	bl	arm64_exception
	/* Handled: restore and return. */
	ldp	x2, x3, [sp, #256]
	msr	spsr_el2, x2
	ldp	x30, x2, [sp, #240]
	msr	elr_el2, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #FRAME_SIZE
	eret
