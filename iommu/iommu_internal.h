/* SPDX-License-Identifier: MIT */
/* What the IOMMU core's files share among themselves (iommu.c, attach.c, inv.c, scope.c). */
#ifndef IOMMU_IOMMU_INTERNAL_H
#define IOMMU_IOMMU_INTERNAL_H

#include "iommu/iommu.h"

/* Evidence that the unit's lock (streams, fault rings) is held (lib/lock.h rules). */
struct iommu_locked {
	struct iommu *u;
};

static inline struct iommu_locked iommu_lock(struct iommu *u)
{
	spin_lock(&u->lock);
	return (struct iommu_locked){ u };
}

static inline void iommu_unlock(struct iommu_locked l)
{
	spin_unlock(&l.u->lock);
}

/* Resends a stage-2 invalidation that failed earlier (issue 13 item 12); 0 if none is owed. */
int iommu_flush_owed(struct iommu_domain *d) __must_check;
/* Fills in f->rid and f->owner from the stream holding f->tag. */
void iommu_fault_attribute(struct iommu_locked l, struct iommu_fault *f);

#endif
