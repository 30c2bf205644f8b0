// SPDX-License-Identifier: MIT
/*
 * Moat's own interrupts on x86_64 (core/irq.h, arch/x86/x86.h): vectors X86_VEC_FIRST to
 * X86_VEC_LAST, each given to one handler, reached from the IDT (vectors.S) through
 * x86_irq_dispatch(), which signals EOI to the x2APIC after the handler. MSIs to Moat
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
#include "lib/lock.h"

#define MSI_ADDR_BASE 0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_DEST_MAX 0xffu /* compatibility format: 8-bit destination */

static struct {
	struct spinlock lock;
	irq_handler_fn fn[256];
	void *ctx[256];
	u64 unclaimed[4]; /* vectors that arrived with no handler, said once each */
} vecs = { .lock = SPINLOCK_INIT };

int x86_vec_alloc(irq_handler_fn fn, void *ctx, u8 *vec)
{
	irqflags_t f;

	if (!fn)
		return -E_INVAL;
	if (x86_apic_init())
		return -E_NOTSUP;
	f = spin_lock_irqsave(&vecs.lock);
	for (unsigned v = X86_VEC_FIRST; v <= X86_VEC_LAST; v++) {
		if (vecs.fn[v])
			continue;
		vecs.ctx[v] = ctx;
		__atomic_store_n(&vecs.fn[v], fn, __ATOMIC_RELEASE);
		spin_unlock_irqrestore(&vecs.lock, f);
		*vec = (u8)v;
		return 0;
	}
	spin_unlock_irqrestore(&vecs.lock, f);
	return -E_NOSPC;
}

void x86_vec_free(u8 vec)
{
	irqflags_t f;

	if (vec < X86_VEC_FIRST || vec > X86_VEC_LAST)
		return;
	f = spin_lock_irqsave(&vecs.lock);
	__atomic_store_n(&vecs.fn[vec], NULL, __ATOMIC_RELEASE);
	vecs.ctx[vec] = NULL;
	vecs.unclaimed[vec / 64] &= ~(1ULL << (vec % 64));
	spin_unlock_irqrestore(&vecs.lock, f);
}

/* From the IDT stubs, interrupts off. The spurious vector takes no EOI (SDM 11.9). */
void x86_irq_dispatch(u64 vector)
{
	irq_handler_fn fn = NULL;

	if (vector >= X86_VEC_FIRST && vector <= X86_VEC_LAST)
		fn = __atomic_load_n(&vecs.fn[vector], __ATOMIC_ACQUIRE);
	if (fn) {
		fn(vecs.ctx[vector]);
	} else if (vector != X86_VEC_PREEMPT && vector < 256 &&
		   !(vecs.unclaimed[vector / 64] & (1ULL << (vector % 64)))) {
		vecs.unclaimed[vector / 64] |= 1ULL << (vector % 64);
		pr_warn("vector 0x%llx arrived with no handler: dropped",
			(unsigned long long)vector);
	}
	if (vector != X86_VEC_SPURIOUS)
		x86_apic_eoi();
}

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
