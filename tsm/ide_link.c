// SPDX-License-Identifier: MIT
/*
 * The config-space half of an IDE link: the selective stream register blocks of the device
 * and of its root port (PCIe 6.x 7.9.26.5), programmed alike (same stream ID, RID association
 * covering the device's functions, address association covering its memory BARs), enabled
 * after both ends hold their keys, and watched until Secure within a bound; see tsm/ide.h.
 */
#define LOG_COMPONENT "ide"
#include "core/log.h"
#include "lib/err.h"
#include "tsm/ide.h"

#include <string.h>

static int ide_port_probe(struct tsm_ide_port *port, const char *what)
{
	char name[16];
	int err = pci_ide_probe(port->pci, &port->cap);

	if (err) {
		pci_bdf_str(port->pci, name, sizeof(name));
		pr_err("%s: %s IDE capability refused: %s", name, what, err_str(err));
	}
	return err;
}

int tsm_ide_link_probe(struct tsm_ide *ide, struct pci_dev *pci, bool *possible)
{
	int err;

	*possible = false;
	ide->ep.pci = pci;
	ide->rp.pci = pci_root_port(pci);
	if (!pci->ide_cap) {
		ide->why = "the device has no IDE capability";
		return 0;
	}
	if ((err = ide_port_probe(&ide->ep, "device")))
		return err;
	if (!ide->rp.pci) {
		ide->why = "no root port above the device";
		return 0;
	}
	if (!ide->rp.pci->ide_cap) {
		ide->why = "the root port has no IDE capability";
		return 0;
	}
	if ((err = ide_port_probe(&ide->rp, "root port")))
		return err;
	if (!ide->ep.cap.nsel || !ide->rp.cap.nsel) {
		ide->why = "no selective IDE stream at both ends";
		return 0;
	}
	if (pci_ide_sel_find_free(ide->ep.pci, &ide->ep.cap, &ide->ep.block) ||
	    pci_ide_sel_find_free(ide->rp.pci, &ide->rp.cap, &ide->rp.block)) {
		pr_err("stream %u: no free selective stream block", ide->stream_id);
		return trace_err(-E_BUSY);
	}
	*possible = true;
	return 0;
}

/*
 * The memory the device decodes, on the 1 MiB granule of the association registers: one range
 * per memory BAR, overlapping or adjacent ranges merged, sorted by base. Returns the count.
 */
static unsigned ide_dev_ranges(const struct pci_dev *d, struct pci_ide_range r[6])
{
	unsigned n = 0;

	for (unsigned i = 0; i < 6; i++) {
		u64 end;

		if (!d->bar_size[i] || add_overflow(d->bar[i], d->bar_size[i] - 1, &end))
			continue;
		struct pci_ide_range x = { d->bar[i] & ~(PCI_IDE_ADDR_GRANULE - 1),
					   end | (PCI_IDE_ADDR_GRANULE - 1) };
		unsigned j = n++;

		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		if (m && r[i].base <= r[m - 1].limit + 1)
			r[m - 1].limit = MAX(r[m - 1].limit, r[i].limit);
		else
			r[m++] = r[i];
	}
	return m;
}

/* As many association blocks as the block has: one per range, or one hull of them all. */
static void ide_stream_addr(const struct pci_dev *d, unsigned avail, bool must,
			    struct pci_ide_stream_cfg *c)
{
	struct pci_ide_range r[6];
	unsigned n = ide_dev_ranges(d, r);

	if (n == 0 || (avail == 0 && !must))
		return;
	if (n <= avail) {
		memcpy(c->addr, r, n * sizeof(r[0]));
		c->naddr = n;
		return;
	}
	/* Too few blocks (or none, where the root port must associate): the hull, which the
	 * program step refuses with -E_NOSPC if the block has no association block at all. */
	c->addr[0] = (struct pci_ide_range){ r[0].base, r[n - 1].limit };
	c->naddr = 1;
}

static void ide_stream_cfg(const struct tsm_ide *ide, const struct tsm_ide_port *port,
			   bool device_end, struct pci_ide_stream_cfg *c)
{
	pci_bdf_t bdf = ide->ep.pci->bdf;

	memset(c, 0, sizeof(*c));
	c->stream_id = ide->stream_id;
	c->alg = PCI_IDE_ALG_AES_GCM_256;
	/* The device's own requests (DMA) take this stream whatever their address (7.9.26.5.2). */
	c->default_stream = device_end;
	c->rid_base = PCI_BDF(PCI_BUS(bdf), PCI_DEV(bdf), 0);
	c->rid_limit = PCI_BDF(PCI_BUS(bdf), PCI_DEV(bdf), 7);
	/* The root port must associate the device's memory; the device does so where it can. */
	ide_stream_addr(ide->ep.pci, port->cap.sel_naddr[port->block], !device_end, c);
}

static int ide_port_program(const struct tsm_ide *ide, struct tsm_ide_port *port, bool device_end)
{
	struct pci_ide_stream_cfg c;
	int err;

	ide_stream_cfg(ide, port, device_end, &c);
	err = pci_ide_sel_program(port->pci, &port->cap, port->block, &c);
	if (err)
		pr_err("stream %u: %s block %u refused: %s", ide->stream_id,
		       device_end ? "device" : "root port", port->block, err_str(err));
	port->enabled = !err;
	return err;
}

static int ide_wait_secure(const struct tsm_ide *ide)
{
	int err = pci_ide_sel_wait_secure(ide->ep.pci, &ide->ep.cap, ide->ep.block,
					  PCI_IDE_SECURE_WAIT_NS);

	if (!err)
		err = pci_ide_sel_wait_secure(ide->rp.pci, &ide->rp.cap, ide->rp.block,
					      PCI_IDE_SECURE_WAIT_NS);
	if (err)
		pr_err("stream %u: not Secure within %llu ms (device state %d, root port state %d)",
		       ide->stream_id, PCI_IDE_SECURE_WAIT_NS / 1000000,
		       pci_ide_sel_state(ide->ep.pci, &ide->ep.cap, ide->ep.block),
		       pci_ide_sel_state(ide->rp.pci, &ide->rp.cap, ide->rp.block));
	return err;
}

int tsm_ide_link_start(struct tsm_ide *ide)
{
	int err = ide_port_program(ide, &ide->ep, true);

	if (!err)
		err = ide_port_program(ide, &ide->rp, false);
	/* Table B-6 steps 8 and 9: the device's Enable, then the root port's. */
	if (!err)
		err = pci_ide_sel_enable(ide->ep.pci, &ide->ep.cap, ide->ep.block);
	if (!err)
		err = pci_ide_sel_enable(ide->rp.pci, &ide->rp.cap, ide->rp.block);
	if (!err)
		err = ide_wait_secure(ide);
	if (err)
		tsm_ide_link_stop(ide);
	return err;
}

void tsm_ide_link_stop(struct tsm_ide *ide)
{
	if (ide->ep.enabled)
		pci_ide_sel_disable(ide->ep.pci, &ide->ep.cap, ide->ep.block);
	if (ide->rp.enabled)
		pci_ide_sel_disable(ide->rp.pci, &ide->rp.cap, ide->rp.block);
	ide->ep.enabled = ide->rp.enabled = false;
}
