/* SPDX-License-Identifier: MIT */
/*
 * arm64 direct-boot entry: a Linux arm64 Image header (Documentation/arm64/booting: text_offset,
 * image_size, flags; magic "ARM\x64" at offset 56), entered at EL2 with the DTB address in x0,
 * MMU off. The image is position independent: we apply our own R_AARCH64_RELATIVE relocations.
 */
#define R_AARCH64_RELATIVE 1027

	.section .text.head, "ax"
	.globl _start
_start:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	__image_end - _start	/* image_size, bss included (PC-relative: no dyn reloc) */
	.quad	0xa			/* flags: LE, 4K pages, place anywhere (2 MiB aligned) */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

primary_entry:
	mrs	x21, cntpct_el0			/* Moat's first instruction: the boot profile's 0 */
	mov	x19, x0				/* DTB physical address */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	not_el2

	/* Known EL2 state: MMU and caches off, little endian. */
	ldr	x1, =0x30c50830			/* SCTLR_EL2 RES1 bits */
	msr	sctlr_el2, x1
	isb
	/* FP/SIMD untrapped at EL2 (CPTR_EL2.TFP=0): libfdt and libc use SIMD registers. */
	ldr	x1, =0x33ff
	msr	cptr_el2, x1
	isb

	adr	x20, _start			/* load address */
	adrp	x1, boot_stack_top
	add	x1, x1, :lo12:boot_stack_top
	mov	sp, x1

	/*
	 * Zero .bss with plain stores (no DC ZVA: memory is Device-nGnRnE with the MMU off).
	 * Both ends are 16-byte aligned (linker script): 128 bytes per turn of eleven
	 * instructions, then 16 at a time for the rest. Was one 8-byte store per four
	 * instructions, 0.98 M instructions of the boot for 1.9 MiB of bss (issue 21).
	 */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
	sub	x3, x2, x1
	bic	x3, x3, #127
	add	x3, x1, x3			/* end of the whole 128-byte blocks */
	b	11f
10:	stp	xzr, xzr, [x1]
	stp	xzr, xzr, [x1, #16]
	stp	xzr, xzr, [x1, #32]
	stp	xzr, xzr, [x1, #48]
	stp	xzr, xzr, [x1, #64]
	stp	xzr, xzr, [x1, #80]
	stp	xzr, xzr, [x1, #96]
	stp	xzr, xzr, [x1, #112]
	add	x1, x1, #128
11:	cmp	x1, x3
	b.lo	10b
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:
	/* Apply relocations: *(base + off) = base + addend. */
	adrp	x1, __rela_start
	add	x1, x1, :lo12:__rela_start
	adrp	x2, __rela_end
	add	x2, x2, :lo12:__rela_end
3:	cmp	x1, x2
	b.hs	5f
	ldp	x3, x4, [x1], #24		/* r_offset, r_info */
	ldr	x5, [x1, #-8]			/* r_addend */
	cmp	x4, #R_AARCH64_RELATIVE
	b.ne	4f
	add	x5, x5, x20
	str	x5, [x20, x3]
	b	3b
4:	b	not_el2				/* an unsupported relocation: the build is broken */
5:
	adrp	x1, arm64_vectors
	add	x1, x1, :lo12:arm64_vectors
	msr	vbar_el2, x1
	isb

	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	bl	arm64_entry
	b	not_el2

	/* Not at EL2 (or a broken image): ask firmware to power off, else park. */
not_el2:
	ldr	x0, =0x84000008			/* PSCI SYSTEM_OFF */
	hvc	#0
	ldr	x0, =0x84000008
	smc	#0
6:	wfe
	b	6b
	.ltorg

	.section .bss.stack, "aw", %nobits
	.balign 16
boot_stack:
	.space	0x8000
	.globl	boot_stack_top
boot_stack_top:
