/* SPDX-License-Identifier: MIT */
/* The SMMUv3 unit as the IOMMU core sees it (smmu_iommu.c), for the self-test and tests. */
#ifndef IOMMU_SMMUV3_IOMMU_H
#define IOMMU_SMMUV3_IOMMU_H

#include "iommu/iommu.h"
#include "iommu/smmuv3/smmuv3.h"

struct smmu_unit {
	struct iommu unit;
	struct smmu_dev dev;
	struct smmu_event last; /* the newest event, to merge repeats (smmu_event_repeats) */
	u64 events_merged;	/* events folded into the record before them */
	u64 irqs;		/* event-queue / GERROR interrupts taken */
};

struct smmu_unit *smmu_unit_of(struct iommu *u);
const struct iommu_driver *smmu_driver(void);
/* Forgets the probed units (host tests re-probe between cases). */
void smmu_units_reset(void);
/* An event record as the fault record (by StreamID) the core queues for the owning VM. */
void smmu_event_to_fault(const struct smmu_event *e, struct iommu_fault *f);

#endif
