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

uint64_t arch_time_ns(void);
__noreturn void arch_halt(bool success);

#endif
