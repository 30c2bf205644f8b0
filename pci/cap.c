// SPDX-License-Identifier: MIT
/*
 * Capability walks and function-level reset. Capability pointers come from the device and are
 * untrusted: every walk is bounded by the number of entries that can fit, and a pointer outside
 * the legal region or misaligned ends the walk.
 */
#define LOG_COMPONENT "pci"
#include <arch/cpu.h>

#include "core/devop.h"
#include "core/log.h"
#include "lib/err.h"
#include "pci/pci.h"
#include "pci/regs.h"

/* PCI 3.0 6.7: the list lives in 0x40..0xff, entries are 4-byte aligned, so at most 48. */
#define PCI_CAP_MAX_WALK 48
/* PCIe 6.0 7.6.3: extended capabilities in 0x100..0xfff, DW aligned. */
#define PCI_EXT_CAP_MAX_WALK ((0x1000 - 0x100) / 4)

u16 pci_find_cap(const struct pci_host *h, pci_bdf_t bdf, u8 id)
{
	u8 ptr;

	if (!(pci_cfg_read16(h, bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = pci_cfg_read8(h, bdf, PCI_CAP_PTR);
	for (unsigned i = 0; i < PCI_CAP_MAX_WALK; i++) {
		if (ptr < 0x40 || (ptr & 3))
			return 0;
		u16 hdr = pci_cfg_read16(h, bdf, ptr);
		if ((hdr & 0xff) == id)
			return ptr;
		ptr = (u8)(hdr >> 8);
	}
	return 0; /* looped: treat as absent */
}

u16 pci_find_ext_cap(const struct pci_host *h, pci_bdf_t bdf, u16 id, u16 after)
{
	u16 off = 0x100;

	for (unsigned i = 0; i < PCI_EXT_CAP_MAX_WALK; i++) {
		u32 hdr = pci_cfg_read32(h, bdf, off);
		if (hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if ((hdr & 0xffff) == id && off > after)
			return off;
		u16 next = (u16)(hdr >> 20);
		if (next < 0x100 || (next & 3))
			return 0; /* 0 ends the list; anything else below 0x100 is malformed */
		off = next;
	}
	return 0;
}

/*
 * One walk for several capabilities. An entry read twice means the list loops: everything on
 * the loop has been read by then, so the walk ends there with what a walk to the bound would
 * have found (config reads of the headers have no side effects).
 */
void pci_find_ext_caps(const struct pci_host *h, pci_bdf_t bdf, const u16 *ids, u16 *offs,
		       unsigned n)
{
	u64 seen[(PCI_EXT_CAP_MAX_WALK + 63) / 64] = { 0 };
	unsigned left = n;
	u16 off = 0x100;

	for (unsigned k = 0; k < n; k++)
		offs[k] = 0;
	for (unsigned i = 0; i < PCI_EXT_CAP_MAX_WALK && left; i++) {
		unsigned dw = (off - 0x100u) / 4;

		if (seen[dw / 64] & (1ULL << (dw % 64)))
			return; /* looped */
		seen[dw / 64] |= 1ULL << (dw % 64);
		u32 hdr = pci_cfg_read32(h, bdf, off);
		if (hdr == 0 || hdr == 0xffffffffu)
			return;
		for (unsigned k = 0; k < n; k++)
			if (!offs[k] && (hdr & 0xffff) == ids[k]) {
				offs[k] = off;
				left--;
			}
		u16 next = (u16)(hdr >> 20);
		if (next < 0x100 || (next & 3))
			return; /* as pci_find_ext_cap() */
		off = next;
	}
}

u16 pci_ext_cap_end(const struct pci_host *h, pci_bdf_t bdf, u16 off)
{
	u16 pos = 0x100, end = 0x1000;

	for (unsigned i = 0; i < PCI_EXT_CAP_MAX_WALK; i++) {
		u32 hdr = pci_cfg_read32(h, bdf, pos);
		if (hdr == 0 || hdr == 0xffffffffu)
			break;
		if (pos > off && pos < end)
			end = pos;
		u16 next = (u16)(hdr >> 20);
		if (next < 0x100 || (next & 3))
			break;
		pos = next;
	}
	return end;
}

static void pci_wait_ns(u64 ns)
{
	u64 start = arch_time_ns();

	while (arch_time_ns() - start < ns)
		devop_wait(); /* in a device operation: the CPU goes back to the guest */
}

/* PCIe 6.0 6.6.2: wait for pending transactions (bounded), initiate, wait 100 ms. */
static int pci_flr_do(struct pci_dev *d)
{
	const struct pci_host *h = d->host;
	u16 pcie = d->pcie_cap;
	u64 start = arch_time_ns();

	if (!pcie || !(pci_cfg_read32(h, d->bdf, pcie + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR))
		return -E_NOTSUP;
	while (pci_cfg_read16(h, d->bdf, pcie + PCI_EXP_DEVSTA) & PCI_EXP_DEVSTA_TRPND) {
		if (arch_time_ns() - start > PCI_FLR_WAIT_NS)
			break; /* the spec allows proceeding; the FLR discards them */
		devop_wait();  /* in a device operation (a guest's FLR): the CPU goes back */
	}
	u16 ctl = pci_cfg_read16(h, d->bdf, pcie + PCI_EXP_DEVCTL);
	pci_cfg_write16(h, d->bdf, pcie + PCI_EXP_DEVCTL, ctl | PCI_EXP_DEVCTL_BCR_FLR);
	pci_wait_ns(PCI_FLR_WAIT_NS);
	/* Then the function may answer with Configuration RRS until ready (up to 1 s). */
	start = arch_time_ns();
	while (pci_cfg_read16(h, d->bdf, PCI_VENDOR_ID) != d->vendor) {
		if (arch_time_ns() - start > PCI_CRS_WAIT_NS)
			return -E_TIMEOUT;
		devop_wait();
	}
	return 0;
}

int pci_flr(struct pci_dev *d)
{
	u16 cmd = pci_cfg_read16(d->host, d->bdf, PCI_COMMAND);
	u32 bars[6];
	int err;

	for (unsigned i = 0; i < 6; i++)
		bars[i] = pci_dev_read32(d, (u16)(PCI_BAR0 + 4 * i));
	err = pci_flr_do(d);
	if (err) {
		char b[16];
		pci_bdf_str(d, b, sizeof(b));
		pr_err("%s: FLR failed: %s", b, err_str(err));
		return err;
	}
	for (unsigned i = 0; i < 6; i++)
		pci_dev_write32(d, (u16)(PCI_BAR0 + 4 * i), bars[i]);
	pci_cfg_write16(d->host, d->bdf, PCI_COMMAND, cmd);
	return 0;
}
