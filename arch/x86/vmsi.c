// SPDX-License-Identifier: MIT
/*
 * Physical MSI-X of assigned functions on x86_64 (vmm/vdev.h, docs/vm-backend.md): vector k
 * of a function gets a vector of Moat's own (irq_vec.c) and an interrupt-remapping entry on the
 * function's IOMMU (iommu_irq_map: VT-d IRTE with source-id verification, AMD-Vi IRTE in the
 * function's interrupt table) that delivers only that vector, only to the boot CPU, and only
 * for messages carrying the function's requester ID. The function's table entry carries the
 * remappable message the IOMMU driver composed: no doorbell page enters any IOMMU view (the
 * 0xfeexxxxx range is the interrupt window of both IOMMUs, never DMA). When it arrives, the
 * handler (vmsix_pvec_fire) raises the vector the guest wrote in its virtual entry at the
 * x2APIC of the vCPU its destination names (arch_vm_raise_spi: vlapic_accept, then the kick).
 */
#define LOG_COMPONENT "vmsi"
#include "arch/x86/vmsi_msg.h"
#include "arch/x86/x86.h"
#include "core/log.h"
#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/lock.h"
#include "vmm/vdev.h"
#include "vmm/vm.h"

#define VMSI_SLOTS (X86_VEC_LAST - X86_VEC_FIRST + 1)

struct vmsi_slot {
	struct vdev *d; /* NULL: free */
	u32 event;
	u32 cookie; /* the IOMMU driver's name for the entry */
	struct iommu_irq r;
};

static struct {
	struct spinlock lock;
	struct vmsi_slot s[VMSI_SLOTS];
} vmsi = { .lock = SPINLOCK_INIT };

/* The IOMMU takes the messages itself: no page for the views. */
int arch_vdev_msi_doorbell(paddr_t *page)
{
	if (x86_apic_init())
		return -E_NOTSUP; /* no x2APIC: no vector of Moat's can be taken */
	*page = pa(0);
	return 0;
}

static struct vmsi_slot *vmsi_find(const struct vdev *d, u32 event)
{
	for (unsigned i = 0; i < VMSI_SLOTS; i++)
		if (vmsi.s[i].d == d && vmsi.s[i].event == event)
			return &vmsi.s[i];
	return NULL;
}

int arch_vdev_msi_map(struct vdev *d, u32 event, irq_handler_fn fn, void *ctx, u64 *addr, u32 *data)
{
	struct vmsi_slot *s;
	struct iommu_msi msi;
	struct iommu_irq r;
	irqflags_t f;
	u32 apic;
	u8 vec;
	int err;

	if (!d->unit)
		return -E_NODEV;
	if ((err = x86_vec_alloc(fn, ctx, &vec)))
		return err;
	if ((apic = x86_apic_id()) >= 64) { /* the drivers' `allowed` sets: APIC IDs < 64 */
		x86_vec_free(vec);
		return -E_NOTSUP;
	}
	r = (struct iommu_irq){
		.owner = d->vm->id, .vector = vec, .dest = apic, .allowed = 1ULL << apic
	};
	if ((err = iommu_irq_map(d->unit, &d->iodev, &r, &msi))) {
		x86_vec_free(vec);
		return err;
	}
	f = spin_lock_irqsave(&vmsi.lock);
	if (!vmsi_find(d, event) && (s = vmsi_find(NULL, 0)))
		*s = (struct vmsi_slot){ d, event, msi.cookie, r };
	else
		s = NULL;
	spin_unlock_irqrestore(&vmsi.lock, f);
	if (!s) { /* mapped twice, or no slot: the entry goes again */
		if (iommu_irq_unmap(d->unit, &r, msi.cookie))
			pr_err("%s: %04x: MSI-X vector %u: interrupt entry not freed", d->vm->name,
			       d->bdf, event);
		else
			x86_vec_free(vec);
		return -E_NOSPC;
	}
	*addr = msi.addr;
	*data = msi.data;
	pr_info("%s: %04x: MSI-X vector %u: host vector 0x%x on APIC %u, remapped (entry %u)",
		d->vm->name, d->bdf, event, vec, apic, msi.cookie);
	return 0;
}

void arch_vdev_msi_unmap(struct vdev *d, u32 event)
{
	struct vmsi_slot s = { 0 }, *p;
	irqflags_t f;
	int err;

	f = spin_lock_irqsave(&vmsi.lock);
	if ((p = d ? vmsi_find(d, event) : NULL)) {
		s = *p;
		*p = (struct vmsi_slot){ 0 };
	}
	spin_unlock_irqrestore(&vmsi.lock, f);
	if (!s.d)
		return;
	/* the vector is reused only once the IOMMU is known to have dropped the entry */
	if ((err = iommu_irq_unmap(d->unit, &s.r, s.cookie))) {
		pr_err("%s: %04x: MSI-X vector %u: interrupt entry not freed (%s): host vector "
		       "0x%x "
		       "kept",
		       d->vm->name, d->bdf, event, err_str(err), s.r.vector);
		return;
	}
	x86_vec_free(s.r.vector);
}

/* The guest's message: compatibility format, fixed or lowest priority, vector 32-255, and the
 * vCPU its destination names (vmsi_msg.c). */
int arch_vdev_msi_target(u32 addr_lo, u32 addr_hi, u32 data, unsigned *intid)
{
	return x86_msi_target(addr_lo, addr_hi, data, intid);
}
