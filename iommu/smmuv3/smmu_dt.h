/* SPDX-License-Identifier: MIT */
/* PCI requester ID -> SMMUv3 StreamID, from the DT's iommu-map or the IORT (smmu_dt.c). */
#ifndef IOMMU_SMMUV3_DT_H
#define IOMMU_SMMUV3_DT_H

#include <stddef.h>

#include "core/platform.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define SMMU_RID_MAP_MAX 16

struct smmu_rid_range {
	u32 rid_base, sid_base, len, mask;
};

struct smmu_rid_map {
	bool present; /* some host bridge maps RIDs to this SMMU */
	unsigned n;
	struct smmu_rid_range r[SMMU_RID_MAP_MAX];
};

/* Collects the iommu-map ranges that point at the SMMU with `phandle`. */
int smmu_dt_rid_map(const void *fdt, size_t max_size, u32 phandle,
		    struct smmu_rid_map *m) __must_check;
/* The same from the ID mappings firmware tables gave the IOMMU (IORT root-complex nodes). */
int smmu_scope_rid_map(const struct plat_iommu *desc, struct smmu_rid_map *m) __must_check;
/* -E_NOENT if the map exists and leaves `rid` out (the device is not behind this SMMU). */
int smmu_rid_to_sid(const struct smmu_rid_map *m, u32 rid, u32 *sid) __must_check;

#endif
