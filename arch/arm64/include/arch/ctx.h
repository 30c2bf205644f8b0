/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts on their own stacks (core/devop.h): the callee-saved registers of a
 * suspended context live on its stack, its stack pointer in `sp`. The same header name in
 * every arch directory.
 */
#ifndef ARCH_CTX_H
#define ARCH_CTX_H

#include <stddef.h>

struct arch_ctx {
	void *sp;
};

/* Saves the running context into `save` and continues `to`; returns when `save` is resumed. */
void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to);
/* A context that, once switched to, calls entry(arg) on [stack, stack + size); entry must
 * never return (it switches away for good). `stack` is 16-byte aligned. */
void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg);

#endif
