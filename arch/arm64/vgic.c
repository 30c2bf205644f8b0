// SPDX-License-Identifier: MIT
/*
 * The guest's GICv3 CPU interface (Arm IHI 0069, 12.4: ICH_* registers): the hardware's
 * virtual CPU interface fed through list registers. The distributor and redistributor
 * models are in vmm/vm_mmio.c; this file moves their pending interrupts into list
 * registers on the vCPU's own CPU and handles the maintenance interrupt.
 */
#include "arch/arm64/gic.h"

#include "arch/arm64/sysreg.h"
#include "arch/arm64/vcpu.h"
#include "vmm/vm_mmio.h"
#include "lib/bits.h"

/* ICH_LR<n>_EL2 (12.4.8): state 63:62, HW 61, group 60, priority 55:48, pINTID 44:32 */
#define LR_PENDING (1ULL << 62)
#define LR_ACTIVE (1ULL << 63)
#define LR_STATE (3ULL << 62)
#define LR_HW BIT(61)
#define LR_GROUP1 BIT(60)
#define LR_PRIO_SHIFT 48
#define LR_PINTID_SHIFT 32
#define LR_EOI BIT(41)
#define ICH_HCR_UIE BIT(1)

static u64 lr_read(unsigned i)
{
	switch (i) {
	case 0: return read_sysreg(S3_4_C12_C12_0);
	case 1: return read_sysreg(S3_4_C12_C12_1);
	case 2: return read_sysreg(S3_4_C12_C12_2);
	default: return read_sysreg(S3_4_C12_C12_3);
	}
}

static void lr_write(unsigned i, u64 v)
{
	switch (i) {
	case 0: write_sysreg(S3_4_C12_C12_0, v); break;
	case 1: write_sysreg(S3_4_C12_C12_1, v); break;
	case 2: write_sysreg(S3_4_C12_C12_2, v); break;
	default: write_sysreg(S3_4_C12_C12_3, v); break;
	}
}

static unsigned lr_count(void)
{
	unsigned n = (unsigned)(read_sysreg(S3_4_C12_C11_1) & 0x1f) + 1; /* ICH_VTR_EL2.ListRegs */

	return MIN(n, 4u);
}

bool vgic_has_pending(void)
{
	for (unsigned i = 0; i < lr_count(); i++)
		if ((lr_read(i) & LR_STATE) == LR_PENDING)
			return true;
	return false;
}

/* Puts intid in a free list register; false when all are busy. */
static bool vgic_lr_add(struct vcpu *v, unsigned intid, unsigned pintid)
{
	unsigned n = lr_count(), free = n;
	u64 lr;

	for (unsigned i = 0; i < n; i++) {
		lr = lr_read(i);
		if ((lr & LR_STATE) && (lr & 0xffffffff) == intid) {
			/*
			 * Already queued: a raise while pending does not count. One while the guest
			 * handles the last (active only) is pending and active, taken again after
			 * its EOI (IHI 0069 4.1.2) — else a record posted just before the guest's
			 * EOI would sit with no interrupt. Not for HW entries (the physical one is
			 * active, it cannot be pending) nor level ones (looked at again at EOI).
			 */
			if ((lr & LR_STATE) == LR_ACTIVE && !(lr & (LR_HW | LR_EOI))) {
				lr_write(i, lr | LR_PENDING);
				isb();
			}
			return true;
		}
		if (!(lr & LR_STATE) && free == n)
			free = i;
	}
	if (free == n) {
		/* Ask for a maintenance interrupt when the list registers drain (12.4.6, UIE). */
		write_sysreg(S3_4_C12_C11_0, read_sysreg(S3_4_C12_C11_0) | ICH_HCR_UIE);
		return false;
	}
	lr = LR_PENDING | LR_GROUP1 | (u64)vgic_irq_prio(v, intid) << LR_PRIO_SHIFT | intid;
	if (pintid)
		lr |= LR_HW | (u64)pintid << LR_PINTID_SHIFT;
	else if (intid == VGIC_INTID_UART)
		lr |= LR_EOI; /* level-sensitive: look at the line again once the guest is done */
	lr_write(free, lr);
	isb();
	return true;
}

void vgic_inject(struct vcpu *v, unsigned intid, unsigned pintid)
{
	/* Until it is enabled and queued, a hardware interrupt stays active so it cannot refire. */
	if (!vgic_irq_enabled(v, intid) || !vgic_lr_add(v, intid, pintid))
		v->arch.held_hw |= BIT(intid);
}

void vgic_flush(struct vcpu *v)
{
	u64 pend = __atomic_load_n(&v->vgic.pending, __ATOMIC_ACQUIRE);
	u32 held = v->arch.held_hw;

	for (unsigned i = 0; held && i < 32; i++) {
		if ((held & BIT(i)) && vgic_irq_enabled(v, i) && vgic_lr_add(v, i, i))
			v->arch.held_hw &= ~BIT(i);
	}
	for (unsigned i = 0; pend && i < VGIC_NR_IRQS; i++) {
		if (!(pend & BIT(i)) || !vgic_irq_enabled(v, i))
			continue; /* stays pending until the guest enables it */
		if (!vgic_lr_add(v, i, 0))
			break;
		__atomic_fetch_and(&v->vgic.pending, ~BIT(i), __ATOMIC_ACQ_REL);
	}
}

void arch_vcpu_kick(struct vcpu *t)
{
	if (t == vcpu_this())
		vgic_flush(t);
	else
		gic_send_sgi(t->arch.host_mpidr, GIC_INTID_KICK);
}

void vgic_maintenance(struct vcpu *v)
{
	u64 eisr = read_sysreg(S3_4_C12_C11_3); /* ICH_EISR_EL2 */

	for (unsigned i = 0; i < lr_count(); i++) {
		if (!(eisr & BIT(i)))
			continue;
		unsigned intid = lr_read(i) & 0xffffffff;
		lr_write(i, 0);
		if (intid == VGIC_INTID_UART && vuart_line(v->vm))
			vgic_raise(vgic_spi_target(v->vm, intid), intid);
	}
	write_sysreg(S3_4_C12_C11_0, read_sysreg(S3_4_C12_C11_0) & ~ICH_HCR_UIE);
	isb();
	vgic_flush(v);
}

void vgic_cpu_reset(struct vcpu *v)
{
	for (unsigned i = 0; i < lr_count(); i++) {
		u64 lr = lr_read(i);
		if ((lr & LR_HW) && (lr & LR_STATE))
			write_sysreg(S3_0_C12_C11_1,
				     (lr >> LR_PINTID_SHIFT) & 0x1fff); /* ICC_DIR */
		lr_write(i, 0);
	}
	for (unsigned i = 0; i < 32; i++)
		if (v->arch.held_hw & BIT(i))
			write_sysreg(S3_0_C12_C11_1, i);
	v->arch.held_hw = 0;
	isb();
}
