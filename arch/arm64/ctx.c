// SPDX-License-Identifier: MIT
/*
 * Context switch for core/devop.c (AAPCS64): x19-x28, the frame pointer and the link register
 * are pushed on the running stack, the stack pointers swapped, the other context's registers
 * popped. Moat is built with -mgeneral-regs-only, so no FP/SIMD register is live across it.
 */
#include <arch/ctx.h>

#include <stdint.h>

#define CTX_FRAME 96 /* x19..x30, 12 registers */

__asm__(".text\n"
	".global arch_ctx_switch\n"
	".type arch_ctx_switch, %function\n"
	"arch_ctx_switch:\n"
	"	sub sp, sp, #96\n"
	"	stp x19, x20, [sp, #0]\n"
	"	stp x21, x22, [sp, #16]\n"
	"	stp x23, x24, [sp, #32]\n"
	"	stp x25, x26, [sp, #48]\n"
	"	stp x27, x28, [sp, #64]\n"
	"	stp x29, x30, [sp, #80]\n"
	"	mov x9, sp\n"
	"	str x9, [x0]\n"
	"	ldr x9, [x1]\n"
	"	mov sp, x9\n"
	"	ldp x19, x20, [sp, #0]\n"
	"	ldp x21, x22, [sp, #16]\n"
	"	ldp x23, x24, [sp, #32]\n"
	"	ldp x25, x26, [sp, #48]\n"
	"	ldp x27, x28, [sp, #64]\n"
	"	ldp x29, x30, [sp, #80]\n"
	"	add sp, sp, #96\n"
	"	ret\n"
	".size arch_ctx_switch, . - arch_ctx_switch\n"
	/* First switch into a new context: entry in x19, its argument in x20. Global (hidden):
	 * a GOT reference to a local symbol would resolve to its section's start. */
	".global arm64_ctx_start\n"
	".hidden arm64_ctx_start\n"
	".type arm64_ctx_start, %function\n"
	"arm64_ctx_start:\n"
	"	mov x0, x20\n"
	"	blr x19\n"
	"	brk #0x7c\n" /* entry returned: a bug */
	".size arm64_ctx_start, . - arm64_ctx_start\n");

void arm64_ctx_start(void);

void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
	uint64_t *f =
		(uint64_t *)((uintptr_t)((char *)stack + size) & ~(uintptr_t)15) - CTX_FRAME / 8;

	for (unsigned i = 0; i < CTX_FRAME / 8; i++)
		f[i] = 0;
	f[0] = (uint64_t)(uintptr_t)entry;	      /* x19 */
	f[1] = (uint64_t)(uintptr_t)arg;	      /* x20 */
	f[11] = (uint64_t)(uintptr_t)arm64_ctx_start; /* x30 */
	c->sp = f;
	c->stack = stack;
	c->size = size;
}
