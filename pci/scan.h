/* SPDX-License-Identifier: MIT */
/* Enumeration state shared by pci/enum.c (buses, bridges) and pci/bar.c (BAR placement). */
#ifndef PCI_SCAN_H
#define PCI_SCAN_H

#include "pci/pci.h"

struct pci_scan {
	struct pci_state *s;
	struct pci_host *h;
	struct pci_dev *parent; /* the bridge whose secondary bus is being scanned */
	u8 next_bus;		/* last bus number handed out */
	u64 visited[256 / 64];	/* buses already scanned: a bogus bridge cannot make us loop */
};

/* Sizes, checks and places the first `nbars` BARs of `d`; sets d->refused on failure. */
void pci_bars_assign(struct pci_scan *sc, struct pci_dev *d, unsigned nbars);

#endif
