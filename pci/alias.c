// SPDX-License-Identifier: MIT
/*
 * What a function's DMA looks like upstream (issue 13 item 2): the requester IDs bridges on
 * the way may substitute for its own, and its path from the root bus (for DMAR scopes).
 * - A PCI Express to PCI/PCI-X bridge (PCIe capability, Device/Port Type 0111b) takes
 *   ownership of conventional PCI requests and forwards them with its secondary bus number,
 *   device 0, function 0 (PCI Express to PCI/PCI-X Bridge Specification 1.0, 2.3); PCI-X
 *   requests may keep their own ID. Both are possible.
 * - A conventional PCI-to-PCI bridge (no PCIe capability) forwards with its own ID.
 * - Root ports and switch ports pass requester IDs through unchanged.
 * All of them belong to the function: a device sharing one of them is in its alias group.
 */
#include "lib/err.h"
#include "pci/pci.h"

#define PCI_EXP_FLAGS 0x02 /* PCIe 6.0 7.5.3.2: Device/Port Type in bits 7:4 */
#define PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define PCI_PATH_MAX_DEPTH 32 /* bridges above a function: a bound against a corrupt chain */

static int pci_alias_add(const struct pci_dev *d, u16 *rids, unsigned max, unsigned *n,
			 pci_bdf_t rid)
{
	if (rid == d->bdf)
		return 0;
	for (unsigned i = 0; i < *n; i++)
		if (rids[i] == rid)
			return 0;
	if (*n == max)
		return -E_NOSPC;
	rids[(*n)++] = rid;
	return 0;
}

/* The ID `br` forwards the requests of its secondary-bus function `child` with, if any. */
static bool pci_bridge_alias(const struct pci_dev *br, const struct pci_dev *child, pci_bdf_t *rid)
{
	u16 flags;

	if (!br->pcie_cap) {
		*rid = br->bdf;
		return true;
	}
	flags = pci_cfg_read16(br->host, br->bdf, (u16)(br->pcie_cap + PCI_EXP_FLAGS));
	if (((flags >> 4) & 0xf) != PCI_EXP_TYPE_PCI_BRIDGE)
		return false;
	*rid = PCI_BDF(PCI_BUS(child->bdf), 0, 0);
	return true;
}

int pci_dma_aliases(const struct pci_dev *d, u16 *rids, unsigned max, unsigned *n)
{
	const struct pci_dev *child = d;
	pci_bdf_t rid;
	int err;

	*n = 0;
	for (unsigned depth = 0; child->parent; depth++, child = child->parent) {
		if (depth == PCI_PATH_MAX_DEPTH)
			return -E_CORRUPT;
		if (pci_bridge_alias(child->parent, child, &rid) &&
		    (err = pci_alias_add(d, rids, max, n, rid)))
			return err;
	}
	return 0;
}

int pci_dev_path(const struct pci_dev *d, u8 *root_bus, u8 *path, unsigned max, unsigned *depth)
{
	const struct pci_dev *p = d;
	unsigned n = 0;

	for (; p; p = p->parent)
		if (++n > max)
			return -E_NOSPC;
	*depth = n;
	for (p = d; p; p = p->parent) {
		path[--n] = (u8)(p->bdf & 0xff);
		*root_bus = PCI_BUS(p->bdf);
	}
	return 0;
}
