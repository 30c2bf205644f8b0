// SPDX-License-Identifier: MIT
/*
 * moat.selftest=fault|wx, in the test image only (tests/selftest/objects.mk): a deliberate fault
 * at the end of the boot, so the system tests can check the exception report and W^X on the
 * image's text. Each must end in Moat's exception report.
 */
#define LOG_COMPONENT "selftest"
#include <arch/cpu.h>

#include "lib/types.h"
#include "core/init.h"
#include "core/log.h"
#include "core/platform.h"

#include <string.h>

static void selftest_fault(const char *name)
{
	extern char __text_start[];

	if (!__builtin_strcmp(name, "fault")) {
		/* Canonical, but nothing is mapped there. */
		(void)*(volatile u32 *)(uintptr_t)0x00007ffff0000000ULL;
	} else if (!__builtin_strcmp(name, "wx")) {
		/* W^X: writing the image's own text must fault. */
		*(volatile u32 *)(void *)__text_start = 0;
	}
}

static int selftest_arch_fault(struct moat_ctx *ctx)
{
	char name[16];

	if (!platform_bootarg(ctx->plat, "moat.selftest", name, sizeof(name)) ||
	    !strcmp(name, "smmuv3"))
		return 0;
	pr_info("%s", name);
	selftest_fault(name);
	pr_err("%s: unknown or did not fault", name);
	arch_halt(false);
}

MOAT_UNIT("arch-fault-selftest", INIT_LATE, selftest_arch_fault);
