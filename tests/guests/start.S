/* SPDX-License-Identifier: MIT */
/* Test guest entry at EL1, MMU off. vCPU 0 enters at _start; others at secondary_start
 * (PSCI CPU_ON, x0 = context). Each vCPU gets a 16 KiB stack by its MPIDR Aff0. */
	.section .text.start, "ax"
	.globl _start
_start:
	mrs	x20, cntvct_el0			/* first guest instruction: for the bench */
	mov	x21, x0				/* the DTB's address */
	bl	cpu_setup
	mov	x0, x20
	mov	x1, x21
	bl	guest_main
	b	.

	.globl secondary_start
secondary_start:
	mov	x19, x0
	bl	cpu_setup
	mov	x0, x19
	bl	guest_secondary
	b	.

cpu_setup:
	mrs	x1, mpidr_el1
	and	x1, x1, #0xff
	add	x1, x1, #1
	adrp	x2, guest_stacks
	add	x2, x2, :lo12:guest_stacks
	lsl	x1, x1, #14
	add	x2, x2, x1
	mov	sp, x2
	adrp	x2, guest_vectors
	add	x2, x2, :lo12:guest_vectors
	msr	vbar_el1, x2
	mov	x2, #(3 << 20)			/* CPACR_EL1.FPEN: no FP traps */
	msr	cpacr_el1, x2
	isb
	ret

/* Vectors: only "current EL with SP_ELx" sync and IRQ are expected. */
.macro vent handler
	.balign 0x80
	sub	sp, sp, #(32 * 8)
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x30, [sp, #144]
	mov	x0, sp
	bl	\handler
	b	vec_return
.endm

	.text
	.balign 2048
guest_vectors:
	vent	guest_unexpected
	vent	guest_unexpected
	vent	guest_unexpected
	vent	guest_unexpected
	vent	guest_sync
	vent	guest_irq
	vent	guest_unexpected
	vent	guest_unexpected
	.rept 8
	vent	guest_unexpected
	.endr

vec_return:
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x30, [sp, #144]
	add	sp, sp, #(32 * 8)
	eret

	.bss
	.balign 16
guest_stacks:
	.space	(16384 * 9)
