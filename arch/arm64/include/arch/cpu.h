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

/* Monotonic time from the generic timer, in nanoseconds. */
uint64_t arch_time_ns(void);
/* Stops the machine: power off (PSCI SYSTEM_OFF); never returns. */
__noreturn void arch_halt(bool success);

#endif
