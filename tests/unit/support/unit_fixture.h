/* SPDX-License-Identifier: MIT */
/*
 * Moat's side of one IOMMU unit on a register model (test_vtd.c, test_amdvi.c,
 * test_x86_msi_*.c): host RAM that is both the frame allocator's pool (the unit's tables) and
 * VM `owner`'s pages in the ownership record, the platform describing the unit, the boot
 * context, and the unit once probed. The vendor's model is created between the two steps, on
 * `r`, and sees the same RAM.
 */
#ifndef UNIT_FIXTURE_H
#define UNIT_FIXTURE_H

#include "core/boot_info.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/platform.h"
#include "iommu/iommu.h"
#include "lib/pt.h"

struct unit_fixture {
	u8 *ram;
	struct pa_range r; /* the RAM, for the model */
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
};

/* `size` bytes of 2 MiB-aligned RAM as frames and as VM `owner`'s; `desc` the platform's one
 * unit. -1 on failure. */
int unit_fixture_init(struct unit_fixture *f, size_t size, u32 owner,
		      const struct plat_iommu *desc);
/* The unit's driver probes it and the core registers it (f->u); a driver error as it came. */
int unit_fixture_attach(struct unit_fixture *f);
void unit_fixture_free(struct unit_fixture *f);

#endif
