// SPDX-License-Identifier: MIT
#define LOG_COMPONENT "boot"
#include "core/bootprof.h"

#include <arch/cpu.h>

#include "core/log.h"
#include "core/platform.h"

#define BOOTPROF_MAX 24

/* Written by the boot CPU only, before any other CPU or VM runs. */
static struct {
	const char *name;
	u64 at;
} marks[BOOTPROF_MAX];
static unsigned nmarks;
static bool enabled;

void bootprof_mark_at(const char *name, u64 ns)
{
	if (nmarks < BOOTPROF_MAX)
		marks[nmarks++] = (typeof(marks[0])){ name, ns };
}

void bootprof_mark(const char *name)
{
	bootprof_mark_at(name, arch_time_ns());
}

void bootprof_enable(const struct platform *p)
{
	char v[8];

	enabled = platform_bootarg(p, "moat.bootprof", v, sizeof(v));
}

void bootprof_report(void)
{
	for (unsigned i = 0; enabled && i < nmarks; i++) {
		u64 end = i + 1 < nmarks ? marks[i + 1].at : marks[i].at;

		pr_info("phase %s: at %llu ns, %llu ns", marks[i].name,
			(unsigned long long)marks[i].at, (unsigned long long)(end - marks[i].at));
	}
}
