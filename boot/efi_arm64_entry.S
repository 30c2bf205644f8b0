/* SPDX-License-Identifier: MIT */
/*
 * arm64 hand-over after ExitBootServices (we are at EL2 on the firmware's identity map):
 * move to Moat's stack, clean the image to the point of coherency, turn the EL2 MMU and caches
 * off, and enter arm64_boot() as if from the direct path (Arm ARM D8.2.11, D7.5.9).
 *   x0: struct boot_info *, x1: top of the hand-over stack
 */
	.text
	.globl efi_arm64_handover
efi_arm64_handover:
	msr	daifset, #0xf
	mov	sp, x1
	mov	x19, x0

	/* Clean and invalidate [__text_start, __image_end) by VA: data, bss, stack, tables. */
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4			/* DminLine: log2(words) */
	mov	x4, #4
	lsl	x4, x4, x3			/* line size in bytes */
	adrp	x1, __text_start
	add	x1, x1, :lo12:__text_start
	adrp	x2, __image_end
	add	x2, x2, :lo12:__image_end
	sub	x3, x4, #1
	bic	x1, x1, x3
1:	dc	civac, x1
	add	x1, x1, x4
	cmp	x1, x2
	b.lo	1b
	dsb	sy

	/* MMU, D-cache and I-cache off; the code keeps running at the same (identity) address. */
	mrs	x0, sctlr_el2
	bic	x0, x0, #1			/* M */
	bic	x0, x0, #(1 << 2)		/* C */
	bic	x0, x0, #(1 << 12)		/* I */
	msr	sctlr_el2, x0
	isb
	ic	iallu
	tlbi	alle2
	dsb	sy
	isb

	/* FP/SIMD untrapped at EL2 (CPTR_EL2.TFP=0): libfdt and libc use SIMD registers. */
	ldr	x0, =0x33ff
	msr	cptr_el2, x0
	isb

	mov	x0, x19
	bl	arm64_boot
2:	wfe
	b	2b
	.ltorg
