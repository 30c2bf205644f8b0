// SPDX-License-Identifier: MIT
/*
 * Power-off through ACPI fixed hardware (ACPI 6.5 4.8.3.2.1 and 16.1.7): write SLP_TYPx from
 * \_S5 with SLP_EN to PM1a_CNT (and PM1b_CNT). Without it, stop the CPU with interrupts off.
 */
#include <arch/cpu.h>

#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/platform.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1U << 13)

static struct plat_acpi_pm pm;

void arch_platform_init(const struct platform *p)
{
	pm = p->acpi_pm;
}

void arch_halt(bool success)
{
	(void)success; /* QEMU's exit status does not carry it; the console does. */
	if (pm.valid && pm.pm1a_cnt) {
		outw(pm.pm1a_cnt, (u16)(pm.slp_typ_a << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
		if (pm.pm1b_cnt)
			outw(pm.pm1b_cnt, (u16)(pm.slp_typ_b << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}
