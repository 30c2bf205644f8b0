// SPDX-License-Identifier: MIT
/*
 * x86_64 wired interrupts (core/irq.h): none yet. The x86 IOMMUs signal faults by MSI, and
 * their drivers poll until interrupt remapping and an IDT vector for them exist.
 */
#include "core/irq.h"
#include "lib/err.h"

int arch_irq_request(unsigned intid, bool edge, irq_handler_fn fn, void *ctx)
{
	(void)intid, (void)edge, (void)fn, (void)ctx;
	return -E_NOTSUP;
}

void arch_irq_release(unsigned intid)
{
	(void)intid;
}

int arch_msi_request(irq_handler_fn fn, void *ctx, u64 *addr, u32 *data)
{
	(void)fn, (void)ctx, (void)addr, (void)data;
	return -E_NOTSUP;
}

void arch_msi_release(u32 data)
{
	(void)data;
}
