/* SPDX-License-Identifier: MIT */
/*
 * Boot phase marks (issue 21): the time each boot phase begins, kept in a small table and
 * printed at power-off when the command line has moat.bootprof. Under QEMU -icount shift=0 a
 * nanosecond is one instruction, so `make bench` reads the per-phase instruction counts from
 * it. Silent, and a few instructions per phase, otherwise.
 */
#ifndef CORE_BOOTPROF_H
#define CORE_BOOTPROF_H

#include "lib/types.h"

struct platform;

/* Phase `name` (a string that outlives the boot) begins now. */
void bootprof_mark(const char *name);
/* Phase `name` began at `ns` (arch_time_ns() scale): the arch's entry, before C ran. */
void bootprof_mark_at(const char *name, u64 ns);
/* Reads moat.bootprof from the command line (after platform discovery). */
void bootprof_enable(const struct platform *p);
/* One line per phase, if enabled: when it began and how long it lasted until the next. */
void bootprof_report(void);

#endif
