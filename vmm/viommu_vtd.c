// SPDX-License-Identifier: MIT
/*
 * The VT-d part of the vIOMMU (vmm/viommu_vendor.h). The guest's stage-1 is the first-stage
 * half of a scalable-mode PASID-table entry (VT-d 9.6: FLPTPTR, FLPM, SRE/WPE/EAFE) which
 * Moat writes itself, nested over the VM's stage 2 (PGTT 3), tagged by the guest with a
 * domain ID (vDID). Its invalidations (6.5.2.4 PASID-based IOTLB, 6.5.2.2 PASID cache, 6.5.2.7
 * device TLB) name the vDID and PASID: each goes to the nested domains the guest tagged with
 * that vDID, where the driver issues it with the domain's own physical DID (seeds-digest 2.2:
 * a guest DID never reaches the unit); device-TLB entries go to the vdev's requester, checked.
 */
#define LOG_COMPONENT "viommu"
#include <arch/mm.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/viommu_vendor.h"

/* The paging mode's format, if the unit offers it. */
static int vtd_s1_format(u8 flpm, const struct iommu_info *info)
{
	u32 fmt = flpm ? IOMMU_S1FMT_X86_5L : IOMMU_S1FMT_X86_4L;

	if (flpm > 1)
		return trace_err(-E_INVAL);
	return info->s1_formats & fmt ? 0 : trace_err(-E_NOTSUP);
}

static int vtd_s1_parse(const struct vm *vm, const struct moat_s1_desc *g,
			const struct iommu_info *info, struct iommu_s1 *out)
{
	const struct moat_s1_vtd *s = &g->vtd;
	int err;

	if (s->reserved[0] || s->reserved[1] || (s->flags & ~MOAT_S1_VTD_FLAGS))
		return trace_err(-E_INVAL);
	if (s->pasid >> info->pasid_bits)
		return trace_err(-E_INVAL); /* a PASID the vIOMMU does not offer */
	if (!IS_ALIGNED(s->flptptr, PAGE_SIZE))
		return trace_err(-E_INVAL);
	if (!viommu_in_ram(vm, s->flptptr, PAGE_SIZE))
		return trace_err(-E_RANGE);
	if ((err = vtd_s1_format(s->flpm, info)))
		return err;
	out->vendor = IOMMU_VENDOR_VTD;
	out->vtd.fsptptr = gpa(s->flptptr);
	out->vtd.levels = s->flpm ? 5 : 4;
	out->vtd.sre = s->flags & MOAT_S1_VTD_SRE; /* the driver refuses it */
	out->vtd.wpe = s->flags & MOAT_S1_VTD_WPE;
	out->vtd.eafe = s->flags & MOAT_S1_VTD_EAFE;
	out->vtd.vdid = s->vdid;
	return 0;
}

static gpa_t vtd_s1_root(const struct iommu_s1 *s1, u64 *len)
{
	*len = PAGE_SIZE;
	return s1->vtd.fsptptr;
}

static bool vtd_vdid_is(const struct iommu_s1 *s1, u32 vdid)
{
	return s1->vendor == IOMMU_VENDOR_VTD && s1->vtd.vdid == vdid;
}

/* PIOTLB_PASID, PIOTLB_ADDR, PASID_CACHE: by (vDID, PASID) onto the nested domains. */
static int vtd_inv_piotlb(struct viommu *v, const struct moat_inv *e)
{
	const struct moat_inv_vtd *g = &e->vtd;
	bool addr = e->op == MOAT_INV_VTD_PIOTLB_ADDR;
	struct iommu_inv inv = { .kind = IOMMU_INV_VTD };

	if (g->vdev || (!addr && (g->addr || g->am || g->flags)))
		return trace_err(-E_INVAL);
	if (g->flags & ~MOAT_INV_VTD_IH)
		return trace_err(-E_INVAL);
	if (addr && (g->am > 52 - 12 || !IS_ALIGNED(g->addr, PAGE_SIZE << g->am)))
		return trace_err(-E_INVAL);
	inv.vtd.gran = addr				   ? IOMMU_VTD_INV_PASID_ADDR
		       : e->op == MOAT_INV_VTD_PASID_CACHE ? IOMMU_VTD_INV_PASID_CACHE
							   : IOMMU_VTD_INV_PASID_ALL;
	inv.vtd.vdid = g->vdid;
	inv.vtd.pasid = g->pasid;
	inv.vtd.addr = g->addr;
	inv.vtd.am = g->am;
	inv.vtd.ih = g->flags & MOAT_INV_VTD_IH;
	return viommu_inv_nested(v, vtd_vdid_is, g->vdid, &inv);
}

/* DEVTLB: the vdev's ATC, after its handle is checked (the driver synthesises its own). */
static int vtd_inv_devtlb(struct viommu *v, const struct moat_inv *e)
{
	const struct moat_inv_vtd *g = &e->vtd;
	struct iommu_inv inv = { .kind = IOMMU_INV_ATC };
	struct vdev *d;
	int err;

	if (g->vdid || g->flags || g->am > 52 - 12 || !IS_ALIGNED(g->addr, PAGE_SIZE << g->am))
		return trace_err(-E_INVAL);
	if ((err = viommu_vdev_attached(v, g->vdev, &d)))
		return err;
	inv.atc.rid = d->rid;
	inv.atc.pasid = g->pasid ? g->pasid : IOMMU_NO_PASID;
	inv.atc.addr = g->addr;
	inv.atc.size_order = (u8)(PAGE_SHIFT + g->am);
	return viommu_inv_domain(d->dom, &inv);
}

static int vtd_invalidate(struct viommu *v, const struct moat_inv *e)
{
	if (e->vtd.reserved)
		return trace_err(-E_INVAL);
	switch (e->op) {
	case MOAT_INV_VTD_PIOTLB_PASID:
	case MOAT_INV_VTD_PIOTLB_ADDR:
	case MOAT_INV_VTD_PASID_CACHE: return vtd_inv_piotlb(v, e);
	case MOAT_INV_VTD_DEVTLB: return vtd_inv_devtlb(v, e);
	}
	return trace_err(-E_INVAL); /* another vendor's operation, or none */
}

const struct viommu_vendor viommu_vtd = {
	.name = "VT-d",
	.vendor = IOMMU_VENDOR_VTD,
	.type = MOAT_IOMMU_VTD,
	.s1_formats = IOMMU_S1FMT_X86_4L | IOMMU_S1FMT_X86_5L,
	.s1_parse = vtd_s1_parse,
	.s1_root = vtd_s1_root,
	.invalidate = vtd_invalidate,
};
