/* SPDX-License-Identifier: MIT */
/*
 * The physical GICv3 ITS (Arm IHI 0069H, chapter 5 "Locality-specific Peripheral Interrupts
 * and the ITS", 12.19 the ITS registers): the message target of the assigned functions on
 * QEMU's virt and on GICv3 servers. Moat owns every table (device, collection, ITTs, the LPI
 * configuration and pending tables) and every LPI. A function's MSI-X vector is mapped as
 * (DeviceID = the function's requester ID, EventID = the vector) -> an LPI of Moat's, taken
 * by Moat and turned into the guest's virtual SPI (vmm/vdev_msix.c). Portable: MMIO through
 * the accessor layer and frames from the allocator, so it builds for the host tests against
 * tests/models/its/ (tests/unit/test_gic_its.c).
 */
#ifndef ARM64_GIC_ITS_H
#define ARM64_GIC_ITS_H

#include "core/frame.h"
#include "core/irq.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define ITS_LPI_BASE 8192      /* the first LPI INTID (5.1) */
#define ITS_MAX_LPIS 256       /* LPIs Moat hands out (8192..8447) */
#define ITS_MAX_DEVICES 16     /* DeviceIDs with an ITT at a time */
#define ITS_MAX_EVENTS 256     /* EventIDs per device (one frame of ITT at QEMU's entry size) */
#define ITS_TRANSLATER 0x10040 /* GITS_TRANSLATER: the second 64 KiB frame + 0x40 (12.19.17) */

/* What the platform says: the ITS frame and Moat's redistributor for the LPIs. */
struct its_desc {
	paddr_t its;   /* ITS_base (128 KiB: control frame and translation frame) */
	paddr_t rdist; /* RD_base of the redistributor LPIs are collected on */
};

/*
 * Brings the ITS up: GITS_TYPER read and checked, device and collection tables (GITS_BASER),
 * the command queue, the LPI configuration and pending tables on the redistributor, LPIs
 * enabled, collection 0 mapped to the redistributor (MAPC, INVALL, SYNC). -E_NODEV (no
 * physical LPIs), -E_NOTSUP (a table kind or size Moat does not drive), -E_NOMEM,
 * -E_TIMEOUT / -E_IO (the ITS did not take a command). On error nothing is left enabled.
 */
int its_init(const struct its_desc *d, struct frame_alloc *fa) __must_check;
/* True once its_init succeeded and no command has failed since. */
bool its_ready(void);
/* Physical address of GITS_TRANSLATER (what a device writes, before its IOMMU). */
paddr_t its_doorbell(void);

/*
 * Maps (devid, event) to a fresh LPI whose arrival calls fn(ctx) (MAPD on the device's first
 * event, then MAPTI, INV, SYNC). -E_RANGE (devid or event beyond what the ITS or Moat
 * supports), -E_NOSPC (no LPI or device slot left), -E_BUSY (already mapped), -E_IO /
 * -E_TIMEOUT (the ITS failed: the mapping is not made, the ITS is marked failed).
 */
int its_map_event(u32 devid, u32 event, irq_handler_fn fn, void *ctx) __must_check;
/* Undoes its_map_event (DISCARD, SYNC; the device's ITT goes with its last event). */
void its_unmap_event(u32 devid, u32 event);
/* Runs the handler of LPI `intid`; false if none is mapped. */
bool its_lpi_dispatch(unsigned intid);
/* The LPI (devid, event) is mapped to, 0 if none (tests, logs). */
unsigned its_lpi_of(u32 devid, u32 event);
/* Forgets everything (host tests). */
void its_reset(void);

#endif
