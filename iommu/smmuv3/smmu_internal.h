/* SPDX-License-Identifier: MIT */
/* Shared between the SMMUv3 driver's files only. */
#ifndef IOMMU_SMMUV3_INTERNAL_H
#define IOMMU_SMMUV3_INTERNAL_H

#include "iommu/smmuv3/smmuv3.h"
#include "iommu/smmuv3/smmuv3_regs.h"

u32 smmu_read32(struct smmu_dev *s, u32 off);
void smmu_write32(struct smmu_dev *s, u32 off, u32 v);

/* Allocates the stream table (every stream aborting) and programs STRTAB_BASE(_CFG). */
int smmu_strtab_init(struct smmu_dev *s, const struct smmu_opts *o) __must_check;
void smmu_strtab_free(struct smmu_dev *s);

#endif
