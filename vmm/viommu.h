/* SPDX-License-Identifier: MIT */
/*
 * The per-VM vIOMMU (docs/architecture.md section 2 `viommu`). On every IOMMU unit one of the VM's vdevs
 * is behind (issue 13 item 10: the unit comes from the function's firmware scope), two
 * nesting parents, both kept in step with the VM memory map:
 *   - the shared view (T=0): shared RAM plus the private pages the guest marked shared;
 *   - the full view (T=1): all guest RAM, only ever used by vdevs whose TDI is RUN.
 * A vdev's requester is attached to the view its TDI state allows on its unit, directly
 * (stage 2 only) or through a nested domain carrying the guest's stage-1 (SMMUv3: the guest's
 * CD table, an IPA). Guest invalidations reach hardware only with the parents' VMIDs and the
 * vdev's physical StreamIDs. The views' owner is the VM: the IOMMU core keeps their hardware
 * tags apart from other VMs' and accounts fault records per VM. SMMU faults on a vdev's
 * stream are written to the guest's fault queue page and signalled with a virtual SPI.
 */
#ifndef VMM_VIOMMU_H
#define VMM_VIOMMU_H

#include "vmm/vdev.h"
#include "vmm/vm.h"
#include "guest_abi/moat_abi.h"
#include "iommu/iommu.h"
#include "lib/compiler.h"
#include "lib/lock.h"

enum viommu_view {
	VIOMMU_SHARED = 0,
	VIOMMU_FULL = 1
};

#define VIOMMU_MAX_UNITS 4

/* The two views on one unit. */
struct viommu_unit {
	struct iommu *unit;
	struct iommu_domain view[2];
};

struct viommu {
	struct vm *vm;
	unsigned nunits; /* 0: no vIOMMU (the VM has no vdevs) */
	struct viommu_unit u[VIOMMU_MAX_UNITS];
	u64 *share_bits; /* bit per private-RAM page the guest marked shared */
	u64 npriv_pages;
	gpa_t fq; /* fault queue page (0: none) */
	unsigned fq_intid;
	u64 faults_lost; /* faults for the VM while no queue was registered */
	struct spinlock fq_lock;
};

/* Bytes of bitmap viommu_init() needs for `vm`. */
u64 viommu_bitmap_bytes(const struct vm *vm);
/*
 * Creates the two views on `unit` (bitmap: zeroed, viommu_bitmap_bytes() long); views on
 * further units are added when a vdev behind one is attached.
 */
int viommu_init(struct vm *vm, struct iommu *unit, u64 *bitmap) __must_check;
struct viommu *viommu_of(const struct vm *vm);
/* The VM's view `w` on `unit`, NULL if it has none there. */
struct iommu_domain *viommu_view(struct viommu *v, const struct iommu *unit, enum viommu_view w);
/* Detaches every vdev and frees the views (host tests, VM teardown). */
void viommu_fini(struct vm *vm);

/* Guest memory conversion (MOAT_HC_MEM_SHARE); range checked by the caller. */
int viommu_share(struct vm *vm, gpa_t g, u64 len, bool share) __must_check;
bool viommu_page_shared(const struct vm *vm, gpa_t g);

/* Points the vdev's RID at the view its state allows, through its stage-1 if it has one. */
int viommu_attach_vdev(struct vdev *d) __must_check;
void viommu_detach_vdev(struct vdev *d);
int viommu_set_trusted(struct vdev *d, bool trusted) __must_check;
int viommu_set_s1(struct vdev *d, const struct moat_s1_smmu *s1) __must_check;
int viommu_clear_s1(struct vdev *d) __must_check;

/* One guest invalidation entry, checked then routed with the hardware tags. */
int viommu_invalidate_one(struct vm *vm, const struct moat_inv *inv) __must_check;

int viommu_faultq_set(struct vm *vm, gpa_t page, unsigned intid) __must_check;
/* A record saying the vdev's TDI was torn down for `cause` (not at the guest's request). */
void viommu_tdi_event(struct vdev *d, unsigned cause);
/* Drains the unit's fault records into the owning VMs' queues (called from the run loop). */
void viommu_faults_deliver(void);

#endif
