// SPDX-License-Identifier: MIT
/*
 * Moat's own interrupts on x86_64 (core/irq.h, arch/x86/x86.h): the vectors and their
 * dispatch are irq_vec.c; here the interrupt window and the core's hooks. MSIs to Moat
 * (arch_msi_request: the VT-d fault event) are compatibility-format messages to the boot
 * CPU's APIC ID; an IOMMU's own interrupts are not remapped. Assigned functions' vectors
 * come from the same allocator (vmsi.c) and reach the CPU through interrupt remapping. No
 * wired interrupts (no I/O APIC driver): arch_irq_request refuses.
 */
#define LOG_COMPONENT "irq"
#include <arch/cpu.h>

#include "arch/x86/x86.h"
#include "core/irq.h"
#include "core/log.h"
#include "lib/err.h"

#define MSI_ADDR_BASE 0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_DEST_MAX 0xffu /* compatibility format: 8-bit destination */

void x86_irq_window(void)
{
	if (!x86_apic_up())
		return;
	/* STI's shadow covers the NOP: the pending interrupt is taken before the CLI */
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

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
	u32 dest;
	u8 vec;
	int err;

	if ((err = x86_vec_alloc(fn, ctx, &vec)))
		return err;
	if ((dest = x86_apic_id()) > MSI_DEST_MAX) {
		x86_vec_free(vec);
		return -E_NOTSUP;
	}
	*addr = MSI_ADDR_BASE | (u64)dest << MSI_ADDR_DEST_SHIFT; /* physical, fixed */
	*data = vec;						  /* edge */
	return 0;
}

void arch_msi_release(u32 data)
{
	x86_vec_free((u8)data);
}
