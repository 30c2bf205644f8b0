/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts on their own stacks (core/devop.h), the same on every arch: the
 * callee-saved registers of a suspended context live on its stack, its stack pointer in
 * `sp` (first: the switch code stores it at offset 0). Found as <arch/ctx.h> through -I.,
 * like arch/mm.h. The stack bounds (and a fiber) are kept for the host fake, which tells
 * AddressSanitizer (or ThreadSanitizer) about every switch.
 */
#ifndef ARCH_CTX_H
#define ARCH_CTX_H

#include <stddef.h>

struct arch_ctx {
	void *sp;
	const void *stack; /* [stack, stack + size); NULL: a CPU's (or thread's) own stack */
	size_t size;
	void *fiber; /* the host fake under ThreadSanitizer: its fiber */
};

/* Saves the running context into `save` and continues `to`; returns when `save` is resumed. */
void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to);
/* A context that, once switched to, calls entry(arg) on [stack, stack + size); entry must
 * never return (it switches away for good). `stack` is 16-byte aligned. */
void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg);

#endif
