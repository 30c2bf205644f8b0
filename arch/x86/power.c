// SPDX-License-Identifier: MIT
/*
 * Power-off through ACPI fixed hardware (ACPI 6.5 4.8.3.2.1 and 16.1.7): write SLP_TYPx from
 * \_S5 with SLP_EN to PM1a_CNT (and PM1b_CNT). Without it, stop the CPU with interrupts off.
 * Under Bochs (boot argument moat.exit=bochs, which the project's GRUB image passes) the
 * outcome becomes the emulator's exit status through its debug port 0x8900: 'D' stops in the
 * debugger, which quits with status 0; "Shutdown" exits with status 1. ACPI S5 would exit
 * with 1 whatever happened, so it comes after.
 */
#include <arch/cpu.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/platform.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1U << 13)
#define BOCHS_DEBUG_PORT 0x8900

static struct plat_acpi_pm pm;
static bool bochs_exit;

void arch_platform_init(const struct platform *p)
{
	char v[8];

	pm = p->acpi_pm;
	bochs_exit = platform_bootarg(p, "moat.exit", v, sizeof(v)) && !strcmp(v, "bochs");
}

static void bochs_halt(bool success)
{
	const char *s = success ? "D" : "Shutdown";

	while (*s)
		outb(BOCHS_DEBUG_PORT, (u8)*s++);
}

void arch_halt(bool success)
{
	if (bochs_exit)
		bochs_halt(success);
	if (pm.valid && pm.pm1a_cnt) {
		outw(pm.pm1a_cnt, (u16)(pm.slp_typ_a << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
		if (pm.pm1b_cnt)
			outw(pm.pm1b_cnt, (u16)(pm.slp_typ_b << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}
