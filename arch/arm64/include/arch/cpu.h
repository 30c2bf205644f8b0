/* SPDX-License-Identifier: MIT */
/* CPU primitives: the same header name in every arch directory. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"

static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* A spin-wait hint that does not stand for elapsed time (lock spinning). */
static inline void cpu_spin_hint(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/*
 * Interrupt state. Moat runs with IRQs masked at EL2 (they are taken as exits from the guest),
 * so these matter only for code that may one day run with them unmasked; they nest.
 */
typedef unsigned long irqflags_t;

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t f;

	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #3" : "=r"(f)::"memory");
	return f;
}

static inline void arch_irq_restore(irqflags_t f)
{
	__asm__ volatile("msr daif, %0" ::"r"(f) : "memory");
}

/* Monotonic time from the generic timer, in nanoseconds. */
uint64_t arch_time_ns(void);
/* Stops the machine: power off (PSCI SYSTEM_OFF); never returns. */
__noreturn void arch_halt(bool success);

#endif
