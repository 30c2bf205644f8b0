// SPDX-License-Identifier: MIT
/*
 * Enumeration of every bus behind a host bridge. When firmware left bus numbers unassigned
 * (QEMU -kernel boots), Moat assigns them depth-first; memory BARs are checked and placed by
 * pci/bar.c, and where the host's windows are known, bridge windows are programmed around what
 * sits behind them. Config values read back are untrusted: bus numbers that would revisit a
 * bus or leave the ECAM range are replaced.
 */
#define LOG_COMPONENT "pci"
#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "pci/pci.h"
#include "pci/regs.h"
#include "pci/scan.h"

#include <string.h>

void pci_bdf_str(const struct pci_dev *d, char *buf, size_t size)
{
	fmt_snprintf(buf, size, "%04x:%02x:%02x.%u", d->host->segment, PCI_BUS(d->bdf),
		     PCI_DEV(d->bdf), PCI_FN(d->bdf));
}

int pci_host_init(struct pci_host *h, const struct plat_ecam *e, volatile u8 *ecam)
{
	u64 need = (u64)(e->bus_end - e->bus_start + 1) << 20;

	if (!ecam || e->bus_end < e->bus_start || e->size < need)
		return -E_INVAL;
	memset(h, 0, sizeof(*h));
	h->ecam = ecam;
	h->segment = e->segment;
	h->bus_start = e->bus_start;
	h->bus_end = e->bus_end;
	h->mem32 = (struct pci_window){ e->mem32.base.v, e->mem32.base.v + e->mem32.size };
	h->mem64 = (struct pci_window){ e->mem64.base.v, e->mem64.base.v + e->mem64.size };
	h->windows = e->mem32.size || e->mem64.size;
	for (unsigned i = 0; !h->windows && i < e->nfwwin && i < PLAT_MAX_FWWIN; i++) {
		u64 end;

		if (!e->fwwin[i].size || add_overflow(e->fwwin[i].base.v, e->fwwin[i].size, &end))
			continue;
		h->fwwin[h->nfwwin].base = e->fwwin[i].base.v;
		h->fwwin[h->nfwwin++].end = end;
	}
	return 0;
}

static void pci_dev_caps(struct pci_dev *d)
{
	static const u16 ids[6] = { PCI_EXT_CAP_DOE,   PCI_EXT_CAP_IDE, PCI_EXT_CAP_ATS,
				    PCI_EXT_CAP_PASID, PCI_EXT_CAP_ACS, PCI_EXT_CAP_SRIOV };
	const struct pci_host *h = d->host;
	u16 off[6];

	d->pcie_cap = pci_find_cap(h, d->bdf, PCI_CAP_ID_PCIE);
	if (!d->pcie_cap)
		return; /* extended space exists only behind a PCIe capability */
	pci_find_ext_caps(h, d->bdf, ids, off, 6);
	d->doe_cap = off[0];
	d->ide_cap = off[1];
	d->ats_cap = off[2];
	d->pasid_cap = off[3];
	d->acs_cap = off[4];
	d->sriov_cap = off[5];
}

static struct pci_dev *pci_dev_add(struct pci_scan *sc, pci_bdf_t bdf, u32 id)
{
	struct pci_dev *d;

	if (sc->s->ndevs >= PCI_MAX_DEVS) {
		pr_warn("more than %u functions: ignoring the rest", PCI_MAX_DEVS);
		return NULL;
	}
	d = &sc->s->devs[sc->s->ndevs++];
	memset(d, 0, sizeof(*d));
	d->host = sc->h;
	d->parent = sc->parent;
	d->bdf = bdf;
	d->vendor = (u16)id;
	d->device = (u16)(id >> 16);
	d->class_rev = pci_dev_read32(d, PCI_CLASS_REV);
	d->hdr_type = pci_cfg_read8(sc->h, bdf, PCI_HEADER_TYPE) & 0x7f;
	pci_dev_caps(d);
	return d;
}

static int pci_scan_bus(struct pci_scan *sc, u8 bus);

/* Window registers hold address bits 31:20 in bits 15:4 (PCIe 6.0 7.5.1.3.8). */
static void pci_bridge_windows(struct pci_dev *br, u64 start, u64 end)
{
	const struct pci_host *h = br->host;

	if (end > start) {
		pci_cfg_write16(h, br->bdf, PCI_MEM_BASE, (u16)((start >> 16) & 0xfff0));
		pci_cfg_write16(h, br->bdf, PCI_MEM_LIMIT, (u16)(((end - 1) >> 16) & 0xfff0));
	} else {
		pci_cfg_write16(h, br->bdf, PCI_MEM_BASE, 0xfff0);
		pci_cfg_write16(h, br->bdf, PCI_MEM_LIMIT, 0);
	}
	/* Prefetchable and I/O windows closed: everything is placed in the 32-bit window. */
	pci_cfg_write16(h, br->bdf, PCI_PREF_BASE, 0xfff0);
	pci_cfg_write16(h, br->bdf, PCI_PREF_LIMIT, 0);
	pci_dev_write32(br, PCI_PREF_BASE_UPPER, 0);
	pci_dev_write32(br, PCI_PREF_LIMIT_UPPER, 0);
	pci_cfg_write8(h, br->bdf, PCI_IO_BASE, 0xf0);
	pci_cfg_write8(h, br->bdf, PCI_IO_LIMIT, 0);
}

static int pci_scan_bridge(struct pci_scan *sc, struct pci_dev *br, u8 bus)
{
	const struct pci_host *h = sc->h;
	u8 sec = pci_cfg_read8(h, br->bdf, PCI_SECONDARY_BUS);
	int err;

	pci_bars_assign(sc, br, 2);
	if (sec <= bus || sec > h->bus_end || (sc->visited[sec / 64] & (1ull << (sec % 64)))) {
		if (sc->next_bus >= h->bus_end) {
			pr_warn("out of bus numbers behind %02x:%02x.%u", bus, PCI_DEV(br->bdf),
				PCI_FN(br->bdf));
			return 0;
		}
		sec = ++sc->next_bus;
	}
	sc->next_bus = MAX(sc->next_bus, sec);
	pci_cfg_write8(h, br->bdf, PCI_PRIMARY_BUS, bus);
	pci_cfg_write8(h, br->bdf, PCI_SECONDARY_BUS, sec);
	pci_cfg_write8(h, br->bdf, PCI_SUBORDINATE_BUS, h->bus_end);
	/* 1 MiB granularity of the bridge memory window. */
	sc->h->mem32.next = (sc->h->mem32.next + 0xfffff) & ~0xfffffull;
	u64 start = sc->h->mem32.next;
	struct pci_dev *up = sc->parent;
	sc->parent = br;
	err = pci_scan_bus(sc, sec);
	sc->parent = up;
	sc->h->mem32.next = MIN((sc->h->mem32.next + 0xfffff) & ~0xfffffull, sc->h->mem32.end);
	pci_cfg_write8(h, br->bdf, PCI_SUBORDINATE_BUS, sc->next_bus);
	if (h->windows) /* else firmware's windows stay: pci/bar.c checks BARs against them */
		pci_bridge_windows(br, start, sc->h->mem32.next);
	/* A refused bridge decodes nothing: its own BARs failed, nothing behind it is used. */
	u16 cmd = pci_cfg_read16(h, br->bdf, PCI_COMMAND) & ~(PCI_COMMAND_IO | PCI_COMMAND_MEM);
	pci_cfg_write16(h, br->bdf, PCI_COMMAND, br->refused ? cmd : cmd | PCI_COMMAND_MEM);
	return err;
}

static int pci_scan_fn(struct pci_scan *sc, u8 bus, u8 dev, u8 fn, bool *multi)
{
	pci_bdf_t bdf = PCI_BDF(bus, dev, fn);
	u32 id = pci_cfg_read32(sc->h, bdf, PCI_VENDOR_ID);
	struct pci_dev *d;

	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return -E_NOENT;
	if (fn == 0)
		*multi = pci_cfg_read8(sc->h, bdf, PCI_HEADER_TYPE) & PCI_HEADER_MF;
	d = pci_dev_add(sc, bdf, id);
	if (!d)
		return 0;
	if (d->hdr_type == 1)
		return pci_scan_bridge(sc, d, bus);
	if (d->hdr_type == 0)
		pci_bars_assign(sc, d, 6);
	return 0;
}

static int pci_scan_bus(struct pci_scan *sc, u8 bus)
{
	sc->visited[bus / 64] |= 1ull << (bus % 64);
	for (u8 dev = 0; dev < 32; dev++) {
		bool multi = false;
		for (u8 fn = 0; fn < (multi ? 8 : 1); fn++) {
			int err = pci_scan_fn(sc, bus, dev, fn, &multi);
			if (err == -E_NOENT)
				continue;
			if (err)
				return err;
		}
	}
	return 0;
}

int pci_enumerate(struct pci_state *s, struct pci_host *h)
{
	struct pci_scan sc = { .s = s, .h = h, .next_bus = h->bus_start };

	return pci_scan_bus(&sc, h->bus_start);
}
