/* SPDX-License-Identifier: MIT */
/*
 * CPU stage-2 for a VM (VMSAv8-64, 4 KiB granule, 39-bit IPA starting at level 1).
 * TODO(issue 4): build these tables with the shared io-pgtable library once it lands; the
 * interface below is what the VM code needs from it.
 */
#ifndef ARM64_STAGE2_H
#define ARM64_STAGE2_H

#include "core/frame.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define S2_IPA_BITS 39

/* Allocates an empty stage-2 root. */
int s2_create(struct frame_alloc *fa, paddr_t *root) __must_check;
/* Maps [g, g + size) to [hpa, ...) as normal read-write executable memory. */
int s2_map_ram(struct frame_alloc *fa, paddr_t root, gpa_t g, paddr_t hpa, u64 size) __must_check;
/* VTCR_EL2 for these tables. */
u64 s2_vtcr(void);

#endif
