/* SPDX-License-Identifier: MIT */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* A spin-wait hint that does not stand for elapsed time (lock spinning). */
static inline void cpu_spin_hint(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Interrupt state (RFLAGS.IF); Moat runs with interrupts off, so these only nest. */
typedef unsigned long irqflags_t;

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}

static inline void arch_irq_restore(irqflags_t f)
{
	if (f & (1ul << 9))
		__asm__ volatile("sti" ::: "memory");
}

uint64_t arch_time_ns(void);
__noreturn void arch_halt(bool success);

#endif
