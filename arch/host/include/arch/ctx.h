/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts on their own stacks (core/devop.h), host (x86_64 Linux) build: the same
 * switch as arch/x86, plus the stack bounds AddressSanitizer must be told about on a switch.
 */
#ifndef ARCH_CTX_H
#define ARCH_CTX_H

#include <stddef.h>

struct arch_ctx {
	void *sp;
	const void *stack; /* bounds of the context's stack (NULL: the thread's own, learned) */
	size_t size;
	void *fake_stack; /* ASan's fake stack of the suspended context */
};

void arch_ctx_switch(struct arch_ctx *save, struct arch_ctx *to);
void arch_ctx_init(struct arch_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg);

#endif
