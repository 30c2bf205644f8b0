/* SPDX-License-Identifier: MIT */
/*
 * A fake IOMMU unit (SMMUv3 by default; VT-d and AMD-Vi identities too) for the
 * vIOMMU/hypercall tests and fuzzers: it translates nothing and records what the vIOMMU asks
 * of it (attaches, stage-2 flushes, invalidations with the
 * VMID the hardware would get). Shared by the test_hypercall_dev*
 * tests (hcdev_fixture.h) and fuzz_vdev_abi.
 */
#ifndef TEST_FAKE_SMMU_H
#define TEST_FAKE_SMMU_H

#include "iommu/iommu.h"

struct fake_smmu {
	struct iommu u;
	unsigned attaches, detaches, flushes, invs, cfgi_cd;
	unsigned invs_not_s2; /* invalidations on a domain that is not a nesting parent: a bug */
	u16 inv_vmid[8];
	unsigned ninv_vmid;
	u16 next_vmid;
	/* other vendors' entries (VT-d, AMD-Vi, ATC) and the DIDs of the domains they reached */
	unsigned invs_other;
	u16 inv_did[8];
	unsigned ninv_did;
	struct iommu_inv last;	/* the last entry of another vendor (or ATC) */
	struct iommu_info info; /* what its `info` op reports (fake_unit_add sets it per vendor) */
};

/* Clears `f` and adds it as an IOMMU unit whose tables come from `a`. */
int fake_smmu_add(struct fake_smmu *f, struct pt_allocator *a);
/* The same fake with another vendor's driver identity and `info` (VT-d, AMD-Vi, SMMUv3). */
int fake_unit_add(struct fake_smmu *f, struct pt_allocator *a, enum iommu_vendor v);

#endif
