// SPDX-License-Identifier: MIT
/* Context switch for core/devop.c; the code is in ctx_switch.inc (shared with arch/host). */
#include <arch/ctx.h>

#include <stdint.h>

#include "arch/x86/ctx_switch.inc"

void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to)
{
	x86_ctx_swap(&save->sp, to->sp);
}

void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
	c->sp = x86_ctx_frame(stack, size, entry, arg);
	c->stack = stack;
	c->size = size;
}
