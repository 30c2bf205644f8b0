// SPDX-License-Identifier: MIT
/*
 * Access Control Services (PCIe 6.0 6.12, capability 7.7.8) and isolation groups (issue 13
 * item 8). Without ACS a switch routes a peer-to-peer request between its downstream ports
 * directly, never through the IOMMU, and a downstream port forwards a request whatever
 * requester ID it carries. Moat turns on, on every downstream port above an assigned function:
 *   Source Validation     the requester's bus must lie in the port's secondary..subordinate
 *                         range (a device cannot forge another's requester ID);
 *   P2P Request Redirect  and P2P Completion Redirect: peer traffic goes upstream, to the
 *                         root complex and its IOMMU;
 *   Upstream Forwarding   redirected traffic really goes upstream.
 * Functions not separated by such a port reach each other: they form one isolation group,
 * and Moat never gives the functions of one group to two VMs (vmm/vdev_boot.c). The root
 * complex is taken not to route peer traffic between root ports and integrated endpoints
 * (PCIe makes root-complex peer-to-peer optional; QEMU's does not route it).
 */
#include "lib/err.h"
#include "pci/pci.h"

#define PCI_EXP_FLAGS 0x02 /* PCIe 6.0 7.5.3.2: Device/Port Type in bits 7:4 */
#define PCI_EXP_TYPE_ROOT_PORT 0x4
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_ACS_CAP 0x04  /* ACS Capability Register, 7.7.8.2 */
#define PCI_ACS_CTRL 0x06 /* ACS Control Register, 7.7.8.3 (same bit positions) */
#define PCI_ACS_SV (1u << 0)
#define PCI_ACS_RR (1u << 2)
#define PCI_ACS_CR (1u << 3)
#define PCI_ACS_UF (1u << 4)
#define PCI_ACS_ISOLATE (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)
#define PCI_ACS_MAX_DEPTH 32 /* bridges above a function: a bound against a corrupt chain */

static bool pci_is_downstream_port(const struct pci_dev *p)
{
	u16 flags, type;

	if (p->hdr_type != 1 || !p->pcie_cap)
		return false;
	flags = pci_cfg_read16(p->host, p->bdf, (u16)(p->pcie_cap + PCI_EXP_FLAGS));
	type = (flags >> 4) & 0xf;
	return type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
}

bool pci_acs_isolates(const struct pci_dev *p)
{
	u16 cap;

	if (!pci_is_downstream_port(p) || !p->acs_cap)
		return false;
	cap = pci_cfg_read16(p->host, p->bdf, (u16)(p->acs_cap + PCI_ACS_CAP));
	return (cap & PCI_ACS_ISOLATE) == PCI_ACS_ISOLATE;
}

/* Sets the four controls on one port and reads them back: the device may ignore the write. */
static int pci_acs_enable(const struct pci_dev *p)
{
	u16 off = (u16)(p->acs_cap + PCI_ACS_CTRL);
	u16 ctrl = pci_cfg_read16(p->host, p->bdf, off);

	pci_cfg_write16(p->host, p->bdf, off, (u16)(ctrl | PCI_ACS_ISOLATE));
	ctrl = pci_cfg_read16(p->host, p->bdf, off);
	return (ctrl & PCI_ACS_ISOLATE) == PCI_ACS_ISOLATE ? 0 : -E_IO;
}

int pci_acs_enable_above(const struct pci_dev *d, const struct pci_dev **bad)
{
	unsigned depth = 0;
	int err = 0;

	*bad = NULL;
	for (const struct pci_dev *p = d->parent; p; p = p->parent) {
		if (++depth > PCI_ACS_MAX_DEPTH)
			return -E_CORRUPT;
		if (!pci_is_downstream_port(p))
			continue; /* upstream and PCI bridge ports: ACS redirect does not apply */
		int e = pci_acs_isolates(p) ? pci_acs_enable(p) : -E_NOTSUP;
		if (e && !err) {
			err = e;
			*bad = p;
		}
	}
	return err;
}

/*
 * Inside a switch, ACS acts on ingress: a port that redirects keeps its own device from
 * reaching peers, not peers from reaching it. The functions below a switch's downstream port
 * are therefore separated from the rest of the switch only when every function on the
 * switch's internal bus is an isolating downstream port. Root ports: see the top comment.
 */
static bool pci_port_separates(const struct pci_state *s, const struct pci_dev *p)
{
	if (!pci_acs_isolates(p))
		return false;
	if (!p->parent)
		return true;
	for (unsigned i = 0; i < s->ndevs; i++) {
		const struct pci_dev *o = &s->devs[i];

		if (o->host == p->host && o->parent == p->parent && !pci_acs_isolates(o))
			return false;
	}
	return true;
}

/*
 * The device (function bits cleared) right below the nearest separating port above `d`, or
 * on the root bus: everything below it shares the group. Functions of one device are one
 * group (multi-function ACS is not relied on).
 */
u32 pci_isolation_group(const struct pci_state *s, const struct pci_dev *d)
{
	const struct pci_dev *x = d;
	u16 seg = d->host ? d->host->segment : 0;

	for (unsigned depth = 0; x->parent && depth < PCI_ACS_MAX_DEPTH; depth++) {
		if (pci_port_separates(s, x->parent))
			break;
		x = x->parent;
	}
	return (u32)seg << 16 | (x->bdf & ~7u);
}
