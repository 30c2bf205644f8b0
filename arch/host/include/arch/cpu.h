/* SPDX-License-Identifier: MIT */
/* Host (fake) arch: the same interface as arch/arm64 and arch/x86 for unit tests. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"

/*
 * Fake time: every cpu_relax() advances the clock by host_time_step_ns, so bounded polls time
 * out deterministically and quickly in tests.
 */
extern uint64_t host_time_now_ns;
extern uint64_t host_time_step_ns;

static inline void cpu_relax(void)
{
	/* atomic: vCPU threads of the stress tests share the clock */
	__atomic_fetch_add(&host_time_now_ns, host_time_step_ns, __ATOMIC_RELAXED);
}

/* Lock spinning: yields the host thread and, unlike cpu_relax(), does not advance time. */
void cpu_spin_hint(void);

/* The host fake has no interrupts to mask; tests call handlers from their own threads. */
typedef unsigned long irqflags_t;

static inline irqflags_t arch_irq_save(void)
{
	return 0;
}

static inline void arch_irq_restore(irqflags_t f)
{
	(void)f;
}

uint64_t arch_time_ns(void);
__noreturn void arch_halt(bool success);

/* Tests may catch arch_halt(): the hook must not return (longjmp or exit). */
extern void (*host_halt_hook)(bool success);

#endif
