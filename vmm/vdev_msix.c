// SPDX-License-Identifier: MIT
/*
 * MSI-X of plain assigned functions (no TDI): the capability found and checked at assignment
 * (vmm/vmsix.c), the pages that hold the table and PBA taken out of the VM's stage-2 so the
 * guest's accesses come to Moat, and the physical side (docs/gic-its.md, docs/vm-backend.md):
 * a physical vector is unmasked only while its virtual one is deliverable (vmsix_live), and
 * then carries Moat's message, not the guest's, as the arch gives it (arch_vdev_msi_map):
 * arm64, the GICv3 ITS's GITS_TRANSLATER reached through the function's IOMMU view at
 * VMSIX_PHYS_DOORBELL_IPA and an EventID Moat mapped to one of its LPIs; x86_64, the
 * remappable message of an interrupt-remapping entry for a vector of Moat's (no doorbell
 * page). The handler raises the interrupt the guest chose (vmsix_pvec_fire). Every change to
 * a physical entry is made with the vector masked. Without a message target the vectors
 * stay masked, said once.
 */
#define LOG_COMPONENT "vdev"
#include "vmm/vdev.h"

#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/log.h"
#include "vmm/viommu.h"
#include "lib/bits.h"
#include "lib/err.h"

#define PCI_CAP_WALK_MAX 48
#define PCI_STATUS_CAPLIST BIT(4)

static u16 vdev_find_cap(const struct vdev *d, u8 id)
{
	u16 off = d->be->cfg_read32(d, 0x34) & 0xfc;

	if (!(d->be->cfg_read32(d, 0x04) >> 16 & PCI_STATUS_CAPLIST))
		return 0;
	for (unsigned n = 0; off >= 0x40 && n < PCI_CAP_WALK_MAX; n++) {
		u32 hdr = d->be->cfg_read32(d, off);

		if ((hdr & 0xff) == id)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* [gpa of the page range holding [off, off+len) of BAR bir, its size). */
static void vdev_msix_pages(const struct vdev *d, unsigned bir, u64 off, u64 len, gpa_t *g,
			    u64 *size)
{
	u64 lo = off & ~(PAGE_SIZE - 1), hi = (off + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	*g = gpa(d->bar[bir].gpa.v + lo);
	*size = hi - lo;
}

#define VMSIX_PCTRL_MASKED 1u

static void vdev_msix_enable_note(struct vdev *d);
static void vdev_msix_phys_setup(struct vdev *d);

static volatile u8 *vdev_msix_pentry(const struct vmsix *m, unsigned vec)
{
	return m->ptab + (u64)vec * VMSIX_ENTRY_SIZE;
}

/* Vector Control (6.1.4.2); the read makes sure the mask reached the function. */
static void vdev_msix_pmask(struct vmsix *m, unsigned vec, bool masked)
{
	volatile u8 *e = vdev_msix_pentry(m, vec);

	mmio_write32(e + 12, masked ? VMSIX_PCTRL_MASKED : 0);
	(void)mmio_read32(e + 12);
	vmsix_bit_set(m->plive, vec, !masked);
}

/* The doorbell page in every IOMMU view the function's DMA may use, at the reserved IPA. */
static int vdev_msix_doorbell_map(struct vdev *d, paddr_t page)
{
	struct viommu *v = viommu_of(d->vm);
	int err;

	if (!v || !d->unit)
		return -E_NODEV;
	for (unsigned w = VIOMMU_SHARED; w <= VIOMMU_FULL; w++) {
		struct iommu_domain *dom = viommu_view(v, d->unit, (enum viommu_view)w);

		if (dom && (err = iommu_s2_map_msi(dom, gpa(VMSIX_PHYS_DOORBELL_IPA), page)))
			return err;
	}
	return 0;
}

/* Assignment: the physical table mapped for Moat, every vector masked, the doorbell reachable. */
static void vdev_msix_phys_setup(struct vdev *d)
{
	struct vmsix *m = &d->msix;
	paddr_t page;
	int err;

	m->vm = d->vm;
	for (unsigned i = 0; i < m->nvec; i++)
		m->pvec[i] = (struct vmsix_pvec){ m, (u16)i };
	if ((err = arch_vdev_msi_doorbell(&page)))
		return; /* no message target: said when the guest enables MSI-X */
	m->ptab = arch_map_device(pa(d->bar[m->table_bir].hpa.v + m->table_off),
				  (u64)m->nvec * VMSIX_ENTRY_SIZE);
	if (!m->ptab || !d->be->cfg_write32 ||
	    (page.v && (err = vdev_msix_doorbell_map(d, page)))) {
		pr_err("%s: %04x: MSI-X doorbell not mapped (%s): the function's vectors stay "
		       "masked",
		       d->vm->name, d->bdf, err_str(m->ptab ? err : -E_NOMEM));
		m->ptab = NULL;
		return;
	}
	for (unsigned i = 0; i < m->nvec; i++)
		vdev_msix_pmask(m, i, true);
}

/* Message Control: Enable on, Function Mask off; the vectors are masked one by one. */
static void vdev_msix_penable(struct vdev *d)
{
	u32 v;

	if (d->msix.penabled)
		return;
	v = d->be->cfg_read32(d, d->msix.cap);
	v = (v & ~((u32)VMSIX_CTRL_MASKALL << 16)) | (u32)VMSIX_CTRL_ENABLE << 16;
	d->be->cfg_write32(d, d->msix.cap, v);
	d->msix.penabled = true;
}

/* Moat's message for `vec` from the arch (ITS event, IRTE), the entry written while masked. */
static int vdev_msix_pmap(struct vdev *d, unsigned vec)
{
	struct vmsix *m = &d->msix;
	volatile u8 *e = vdev_msix_pentry(m, vec);
	u64 addr;
	u32 data;
	int err;

	if ((err = arch_vdev_msi_map(d, vec, vmsix_pvec_fire, &m->pvec[vec], &addr, &data)))
		return err;
	mmio_write32(e + 12, VMSIX_PCTRL_MASKED);
	mmio_write32(e + 0, (u32)addr);
	mmio_write32(e + 4, (u32)(addr >> 32));
	mmio_write32(e + 8, data);
	vmsix_bit_set(m->pmapped, vec, true);
	return 0;
}

/* Masks every vector and discards its message target (lock held). */
static void vdev_msix_punmap_all(struct vdev *d)
{
	struct vmsix *m = &d->msix;

	for (unsigned i = 0; i < m->nvec; i++) {
		if (vmsix_bit(m->plive, i))
			vdev_msix_pmask(m, i, true);
		if (vmsix_bit(m->pmapped, i))
			arch_vdev_msi_unmap(d, i);
		vmsix_bit_set(m->pmapped, i, false);
	}
}

/* One vector follows its virtual state (lock held). */
static void vdev_msix_sync_one(struct vdev *d, unsigned vec)
{
	struct vmsix *m = &d->msix;
	bool want = vmsix_live(m, vec) && !m->pfailed && !d->s1_set;
	int err;

	if (want == vmsix_bit(m->plive, vec))
		return;
	if (!want) {
		vdev_msix_pmask(m, vec, true);
		return;
	}
	if (!vmsix_bit(m->pmapped, vec) && (err = vdev_msix_pmap(d, vec))) {
		m->pfailed = true;
		vdev_msix_punmap_all(d);
		pr_err("%s: %04x: MSI-X vector %u: no physical message target (%s): the "
		       "function's vectors stay masked",
		       d->vm->name, d->bdf, vec, err_str(err));
		return;
	}
	vdev_msix_pmask(m, vec, false);
}

void vdev_msix_sync(struct vdev *d)
{
	struct vmsix *m = &d->msix;

	if (!m->nvec)
		return;
	if (!m->ptab) {
		vdev_msix_enable_note(d);
		return;
	}
	spin_lock(&m->lock);
	/*
	 * The function's MSI-X Enable follows the guest's at once (vectors masked one by one):
	 * a function may decide at its own set-up whether it signals by MSI-X (QEMU's nvme does,
	 * when the controller is enabled), before the guest unmasks anything.
	 */
	if (m->ctrl & VMSIX_CTRL_ENABLE)
		vdev_msix_penable(d);
	for (unsigned i = 0; i < m->nvec && !m->pfailed; i++)
		vdev_msix_sync_one(d, i);
	spin_unlock(&m->lock);
}

void vdev_msix_reset(struct vdev *d)
{
	struct vmsix *m = &d->msix;

	if (m->ptab) {
		spin_lock(&m->lock);
		vdev_msix_punmap_all(d);
		m->penabled = false;
		m->pfailed = false;
		spin_unlock(&m->lock);
	}
	vmsix_reset(m);
}

void vdev_msix_setup(struct vdev *d)
{
	u64 sizes[6], size;
	u32 dw[3];
	u16 cap = vdev_find_cap(d, PCI_CAP_ID_MSIX);
	gpa_t g;
	int err;

	if (!cap || d->tdi)
		return;
	for (unsigned i = 0; i < 6; i++)
		sizes[i] = d->bar[i].size;
	for (unsigned i = 0; i < 3; i++)
		dw[i] = d->be->cfg_read32(d, (u16)(cap + 4 * i));
	if ((err = vmsix_parse(&d->msix, cap, dw, sizes))) {
		pr_info("%s: %04x: MSI-X capability refused (%s): hidden", d->vm->name, d->bdf,
			err_str(err));
		return;
	}
	vdev_msix_pages(d, d->msix.table_bir, d->msix.table_off,
			(u64)d->msix.nvec * VMSIX_ENTRY_SIZE, &g, &size);
	arch_vm_unmap_mmio(d->vm, g, size);
	vdev_msix_pages(d, d->msix.pba_bir, d->msix.pba_off, 8 * ((d->msix.nvec + 63) / 64), &g,
			&size);
	arch_vm_unmap_mmio(d->vm, g, size);
	vdev_msix_phys_setup(d);
}

static void vdev_msix_enable_note(struct vdev *d)
{
	if ((d->msix.ctrl & VMSIX_CTRL_ENABLE) && !d->msix_noted) {
		d->msix_noted = true;
		pr_info("%s: %04x: MSI-X enabled by the guest (%u vectors); no message target Moat "
			"drives on this platform: the function's vectors stay masked",
			d->vm->name, d->bdf, d->msix.nvec);
	}
}

bool vdev_bar_mmio(struct vm *vm, u64 ipa, bool write, unsigned size, u64 *val)
{
	for (unsigned i = 0; i < vdev_count(vm); i++) {
		struct vdev *d = vdev_at(vm, i);

		if (!d->msix.nvec)
			continue;
		for (unsigned b = 0; b < 6; b++) {
			u64 base = d->bar[b].gpa.v;

			if (d->bar[b].size && ipa >= base && ipa - base < d->bar[b].size &&
			    vmsix_claims(&d->msix, b, ipa - base, size)) {
				bool ok = vmsix_table_access(vm, &d->msix, b, ipa - base, write,
							     size, val);

				if (ok && write)
					vdev_msix_sync(d);
				return ok;
			}
		}
	}
	return false;
}
