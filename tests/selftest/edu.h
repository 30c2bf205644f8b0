/* SPDX-License-Identifier: MIT */
/*
 * QEMU's edu device (hw/misc/edu.c) as the self-tests' DMA engine: registers at BAR0 +
 * 0x80..0x98 (source, destination, count, command), a 4 KiB buffer at device address 0x40000.
 * Shared by smmuv3_edu.c, vtd_edu.c and amdvi_edu.c.
 */
#ifndef MOAT_TESTS_SELFTEST_EDU_H
#define MOAT_TESTS_SELFTEST_EDU_H

#include "lib/compiler.h"
#include "lib/types.h"

#define EDU_BUF 0x40000ULL /* the device's buffer, in its own address space */
#define EDU_XFER 8	   /* bytes moved per DMA */

struct pci_dev;

struct edu {
	struct pci_dev *dev;
	u8 *bar; /* BAR0, mapped */
	u32 rid;
};

/* The first edu on the boot PCI state, BAR0 mapped, memory and bus mastering on; an error
 * (logged under `comp`) if there is none. */
int edu_find(struct edu *e, const char *comp) __must_check;
/* One DMA of EDU_XFER bytes, `src` -> `dst` (to RAM when `to_ram`); -E_TIMEOUT if the
 * command did not complete within 5 s (100 ms of virtual time each; TCG may lag). */
int edu_dma(const struct edu *e, u64 src, u64 dst, bool to_ram) __must_check;
/* RAM at `from` -> edu buffer -> RAM at `to`, both device (IOMMU input) addresses. */
int edu_copy(const struct edu *e, u64 from, u64 to) __must_check;
/* The first EDU_XFER bytes of `pg` are all `v`. */
bool edu_page_has(const u8 *pg, u8 v);

#endif
