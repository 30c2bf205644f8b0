/* SPDX-License-Identifier: MIT */
/* Hooks every arch (arm64, x86, host) implements for the generic boot flow in core/main.c. */
#ifndef CORE_ARCH_H
#define CORE_ARCH_H

#include "core/platform.h"
#include "lib/compiler.h"

extern const char arch_name[];

/* Attaches the console described by the platform; 0 or -E_NODEV. */
int arch_console_init(const struct platform *p) __must_check;
/* Called once the platform is known (e.g. the PSCI conduit). */
void arch_platform_init(const struct platform *p);
/* 64 bits from the CPU's random-number source; -E_NOTSUP without one, -E_IO if it failed. */
int arch_random_u64(u64 *out) __must_check;

#endif
