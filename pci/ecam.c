// SPDX-License-Identifier: MIT
/*
 * ECAM configuration access (PCIe 6.0 7.2.2): the one accessor layer for config space, so that
 * host unit tests land in a config-space model. Offsets are checked here, once.
 */
#include <arch/mmio.h>

#include "pci/pci.h"

/* Address of (bdf, off) inside the host's ECAM, or NULL if outside it or misaligned. */
static volatile u8 *pci_cfg_addr(const struct pci_host *h, pci_bdf_t bdf, u16 off, unsigned w)
{
	u8 bus = PCI_BUS(bdf);

	if (!h || !h->ecam || bus < h->bus_start || bus > h->bus_end || off > 0x1000 - w ||
	    (off & (w - 1)))
		return NULL;
	return h->ecam + ((u64)(bus - h->bus_start) << 20 | (u64)(bdf & 0xff) << 12 | off);
}

u32 pci_cfg_read32(const struct pci_host *h, pci_bdf_t bdf, u16 off)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 4);

	return a ? mmio_read32(a) : 0xffffffffu;
}

u16 pci_cfg_read16(const struct pci_host *h, pci_bdf_t bdf, u16 off)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 2);

	return a ? mmio_read16(a) : 0xffff;
}

u8 pci_cfg_read8(const struct pci_host *h, pci_bdf_t bdf, u16 off)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 1);

	return a ? mmio_read8(a) : 0xff;
}

void pci_cfg_write32(const struct pci_host *h, pci_bdf_t bdf, u16 off, u32 v)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 4);

	if (a)
		mmio_write32(a, v);
}

void pci_cfg_write16(const struct pci_host *h, pci_bdf_t bdf, u16 off, u16 v)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 2);

	if (a)
		mmio_write16(a, v);
}

void pci_cfg_write8(const struct pci_host *h, pci_bdf_t bdf, u16 off, u8 v)
{
	volatile u8 *a = pci_cfg_addr(h, bdf, off, 1);

	if (a)
		mmio_write8(a, v);
}
