/* SPDX-License-Identifier: MIT */
/*
 * The vendor parts of the vIOMMU (vmm/viommu.c is the vendor-neutral object): one per IOMMU
 * vendor, chosen by the driver of the unit a VM's devices sit behind (iommu_driver.vendor).
 * A part turns the guest's typed stage-1 description and invalidation entries (guest_abi/
 * moat_abi.h, section "vIOMMU") into the IOMMU core's typed forms (iommu/iommu.h) after
 * checking every field, and routes them by the guest's tags to the domains that own them.
 * The parts know the guest ABI and the core's interface only, never a driver: what a unit
 * supports comes from iommu_unit_info(). Only vmm/viommu*.c include this header.
 */
#ifndef VMM_VIOMMU_VENDOR_H
#define VMM_VIOMMU_VENDOR_H

#include "vmm/viommu.h"

struct viommu_vendor {
	const char *name;
	enum iommu_vendor vendor;
	enum moat_iommu_type type;
	/* IOMMU_S1FMT_* this part can hand to the unit (0: not yet: the driver cannot nest) */
	u32 s1_formats;
	/*
	 * The guest's description, checked (reserved fields zero, flags known, the root in the
	 * VM's RAM, formats the unit offers in `info`), as the core's typed form.
	 */
	int (*s1_parse)(const struct vm *vm, const struct moat_s1_desc *g,
			const struct iommu_info *info, struct iommu_s1 *out);
	/* Where the stage-1's root structure lies (GPA and bytes): it stays private (13.13). */
	gpa_t (*s1_root)(const struct iommu_s1 *s1, u64 *len);
	/* One guest invalidation entry of this vendor's forms, checked, then routed. */
	int (*invalidate)(struct viommu *v, const struct moat_inv *e);
};

extern const struct viommu_vendor viommu_smmu;
extern const struct viommu_vendor viommu_vtd;
extern const struct viommu_vendor viommu_amd;

/* ---- what the generic part offers the vendor parts ------------------------------------- */

/* PASID / SubstreamID bits a stage-1 may use: one stage-1 per vdev, none (ABI 1.3). */
#define VIOMMU_PASID_BITS 0

/* `len` bytes at `g` lie in the VM's RAM (private or shared). */
bool viommu_in_ram(const struct vm *vm, u64 g, u64 len);
/* The vdev a guest handle of `v`'s VM names with its DMA attached; -E_PERM / -E_STATE. */
int viommu_vdev_attached(struct viommu *v, u32 handle, struct vdev **out) __must_check;
/* One core entry on domain `d` (the hardware lock held meanwhile). */
int viommu_inv_domain(struct iommu_domain *d, const struct iommu_inv *inv) __must_check;
/* One core entry on every view of every unit of the VM (SMMUv3: the VMIDs are the views'). */
int viommu_inv_views(struct viommu *v, const struct iommu_inv *inv) __must_check;
/*
 * One core entry on every nested domain of the VM whose stage-1 `match`es the guest's tag
 * `key` (each domain has its own hardware tag); -E_PERM if none does: a guest tag Moat was
 * never given.
 */
typedef bool (*viommu_s1_match)(const struct iommu_s1 *s1, u32 key);
int viommu_inv_nested(struct viommu *v, viommu_s1_match match, u32 key,
		      const struct iommu_inv *inv) __must_check;

#endif
