// SPDX-License-Identifier: MIT
/*
 * MSI-X of plain assigned functions (no TDI): the capability found and checked at assignment
 * (vmm/vmsix.c), the pages that hold the table and PBA taken out of the VM's stage-2 so the
 * guest's accesses come to Moat. Physical delivery needs a message target Moat drives (a GICv3
 * ITS or message-based SPIs on the host's distributor); without one the function's vectors stay
 * masked at the device, which is said once per function (docs/guest-abi.md "A Linux guest").
 */
#define LOG_COMPONENT "vdev"
#include "vmm/vdev.h"

#include "core/log.h"
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
}

void vdev_msix_enable_note(struct vdev *d)
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
			    vmsix_claims(&d->msix, b, ipa - base, size))
				return vmsix_table_access(vm, &d->msix, b, ipa - base, write, size,
							  val);
		}
	}
	return false;
}
