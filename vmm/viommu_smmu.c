// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 part of the vIOMMU (vmm/viommu_vendor.h): the guest's stage-1 is the STE's S1
 * fields (a CD table in guest RAM, SMMUv3 5.2), its invalidations are TLBI_NH_* by ASID and
 * address, and CFGI_CD of a vdev (4.4.1, 4.3.2). Stage-1 TLB entries are tagged with the
 * nesting parent's VMID, so TLBIs go to every view of the VM (the driver forces its VMID);
 * CFGI_CD goes to the vdev's physical StreamIDs. A guest gives no other tag.
 */
#define LOG_COMPONENT "viommu"
#include <arch/mm.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/viommu_vendor.h"

#define SMMU_CD_BYTES 64 /* SMMUv3 5.4: one context descriptor */

/* SMMUv3 5.2 (STE.S1ContextPtr, S1Fmt, S1CDMax): 1.1 takes one linear CD in guest RAM. */
static int smmu_s1_parse(const struct vm *vm, const struct moat_s1_desc *g,
			 const struct iommu_info *info, struct iommu_s1 *out)
{
	const struct moat_s1_smmu *s = &g->smmu;

	if (g->raw[2] || g->raw[3] || s->reserved || s->s1fmt != 0 || s->s1cdmax != 0)
		return trace_err(-E_INVAL);
	if (!IS_ALIGNED(s->cd_table, SMMU_CD_BYTES))
		return trace_err(-E_INVAL);
	if (!viommu_in_ram(vm, s->cd_table, SMMU_CD_BYTES))
		return trace_err(-E_RANGE);
	if (!(info->s1_formats & IOMMU_S1FMT_ARM_4K))
		return trace_err(-E_NOTSUP);
	out->vendor = IOMMU_VENDOR_SMMUV3;
	out->smmu.s1ctxptr = gpa(s->cd_table);
	out->smmu.s1fmt = IOMMU_SMMU_S1FMT_LINEAR;
	out->smmu.s1cdmax = s->s1cdmax;
	return 0;
}

static gpa_t smmu_s1_root(const struct iommu_s1 *s1, u64 *len)
{
	*len = SMMU_CD_BYTES;
	return s1->smmu.s1ctxptr;
}

static int smmu_inv_cd(struct viommu *v, const struct moat_inv *e)
{
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU };
	struct vdev *d;
	int err;

	if (e->asid || e->leaf || e->addr)
		return trace_err(-E_INVAL);
	if ((err = viommu_vdev_attached(v, e->vdev, &d)))
		return err;
	if (!d->s1_set)
		return trace_err(-E_STATE);
	inv.smmu.op = IOMMU_SMMU_CFGI_CD;
	inv.smmu.rid = d->rid;
	return viommu_inv_domain(d->dom->parent ? d->dom->parent : d->dom, &inv);
}

static const enum iommu_inv_smmu_op smmu_tlbi_op[] = {
	[MOAT_INV_SMMU_TLBI_ALL] = IOMMU_SMMU_TLBI_NH_ALL,
	[MOAT_INV_SMMU_TLBI_ASID] = IOMMU_SMMU_TLBI_NH_ASID,
	[MOAT_INV_SMMU_TLBI_VA] = IOMMU_SMMU_TLBI_NH_VA,
	[MOAT_INV_SMMU_TLBI_VAA] = IOMMU_SMMU_TLBI_NH_VAA,
};

/* Guest tags: only an ASID and an address; the VMIDs are the views', the SIDs the vdevs'. */
static int smmu_invalidate(struct viommu *v, const struct moat_inv *e)
{
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU };
	bool has_addr = e->op == MOAT_INV_SMMU_TLBI_VA || e->op == MOAT_INV_SMMU_TLBI_VAA;
	bool has_asid = e->op == MOAT_INV_SMMU_TLBI_ASID || e->op == MOAT_INV_SMMU_TLBI_VA;

	if (e->reserved0 || e->reserved1)
		return trace_err(-E_INVAL);
	if (e->op == MOAT_INV_SMMU_CFGI_CD)
		return smmu_inv_cd(v, e);
	if (e->op < MOAT_INV_SMMU_TLBI_ALL || e->op > MOAT_INV_SMMU_TLBI_VAA || e->vdev)
		return trace_err(-E_INVAL);
	if ((!has_addr && (e->addr || e->leaf)) || (!has_asid && e->asid))
		return trace_err(-E_INVAL);
	if (has_addr && (!IS_ALIGNED(e->addr, PAGE_SIZE) || e->addr >> 56))
		return trace_err(-E_INVAL);
	inv.smmu.op = smmu_tlbi_op[e->op];
	inv.smmu.asid = e->asid;
	inv.smmu.addr = e->addr;
	inv.smmu.leaf = e->leaf != 0;
	return viommu_inv_views(v, &inv);
}

const struct viommu_vendor viommu_smmu = {
	.name = "SMMUv3",
	.vendor = IOMMU_VENDOR_SMMUV3,
	.type = MOAT_IOMMU_SMMUV3,
	.s1_formats = IOMMU_S1FMT_ARM_4K,
	.s1_parse = smmu_s1_parse,
	.s1_root = smmu_s1_root,
	.invalidate = smmu_invalidate,
};
