// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi part of the vIOMMU (vmm/viommu_vendor.h). The guest's stage-1 is the guest half
 * of a device-table entry (AMD IOMMU spec 2.2.2.1: GCR3 table root, GLX, guest paging mode,
 * GIOV) tagged by the guest with a domain ID (vDID); its invalidations are
 * INVALIDATE_IOMMU_PAGES by vDID (2.4.3: to the nested domains of that vDID, each on its own
 * physical domain ID) and INVALIDATE_IOTLB_PAGES by the guest's device (2.4.4: to the vdev's
 * physical DeviceID after its handle is checked).
 *
 * The guest forms are checked here in full; what the unit supports (x86 4- or 5-level guest
 * tables, GLX, GIoV, the GCR3 root being the VM's RAM) is the driver's `info` and its own
 * check of the description on a scratch nested domain (viommu.c), before the vdev moves. A
 * guest domain ID or device ID is only a lookup key: INVALIDATE_IOMMU_PAGES reaches the
 * nested domains the guest tagged with the vDID, each with its physical DomainID, and
 * INVALIDATE_IOTLB_PAGES the DeviceIDs of the caller's own vdev, which the driver sends only
 * where ATS is enabled (nowhere yet: dropped, the device caches nothing).
 */
#define LOG_COMPONENT "viommu"
#include <arch/mm.h>

#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/viommu_vendor.h"

#define AMD_GCR3_LEVEL_BITS 9 /* 512 eight-byte entries per 4 KiB table level */

static int amd_s1_parse(const struct vm *vm, const struct moat_s1_desc *g,
			const struct iommu_info *info, struct iommu_s1 *out)
{
	const struct moat_s1_amd *s = &g->amd;
	u32 fmt = s->gpm ? IOMMU_S1FMT_X86_5L : IOMMU_S1FMT_X86_4L;

	if (s->reserved0 || s->reserved[0] || s->reserved[1] || (s->flags & ~MOAT_S1_AMD_GIOV))
		return trace_err(-E_INVAL);
	if (s->glx > 1 || s->gpm > 1 || s->pasid_bits > AMD_GCR3_LEVEL_BITS * (s->glx + 1u))
		return trace_err(-E_INVAL);
	if (s->pasid_bits > info->pasid_bits)
		return trace_err(-E_INVAL); /* more PASIDs than the vIOMMU offers */
	if (!IS_ALIGNED(s->gcr3_root, PAGE_SIZE))
		return trace_err(-E_INVAL);
	if (!viommu_in_ram(vm, s->gcr3_root, PAGE_SIZE))
		return trace_err(-E_RANGE);
	if (!(info->s1_formats & fmt))
		return trace_err(-E_NOTSUP);
	out->vendor = IOMMU_VENDOR_AMDVI;
	out->amd.gcr3_root = gpa(s->gcr3_root);
	out->amd.glx = s->glx;
	out->amd.guest_levels = s->gpm ? 5 : 4;
	out->amd.vdid = s->vdid;
	out->amd.giov = s->flags & MOAT_S1_AMD_GIOV;
	return 0;
}

static gpa_t amd_s1_root(const struct iommu_s1 *s1, u64 *len)
{
	*len = PAGE_SIZE;
	return s1->amd.gcr3_root;
}

static bool amd_vdid_is(const struct iommu_s1 *s1, u32 vdid)
{
	return s1->vendor == IOMMU_VENDOR_AMDVI && s1->amd.vdid == vdid;
}

/* GN: a PASID-tagged entry, PASID in range; else the PASID field is zero. */
static int amd_pasid_check(const struct moat_inv_amd *g)
{
	if (g->flags & MOAT_INV_AMD_GN)
		return g->pasid > IOMMU_PASID_MAX ? trace_err(-E_RANGE) : 0;
	return g->pasid ? trace_err(-E_INVAL) : 0;
}

static int amd_inv_pages(struct viommu *v, const struct moat_inv *e)
{
	const struct moat_inv_amd *g = &e->amd;
	struct iommu_inv inv = { .kind = IOMMU_INV_AMD };
	int err;

	if (g->vdev || (g->flags & ~(MOAT_INV_AMD_S | MOAT_INV_AMD_PDE | MOAT_INV_AMD_GN)))
		return trace_err(-E_INVAL);
	if ((err = amd_pasid_check(g)))
		return err;
	if (!IS_ALIGNED(g->addr, PAGE_SIZE))
		return trace_err(-E_INVAL);
	inv.amd.vdid = g->vdid;
	inv.amd.pasid = g->pasid;
	inv.amd.gn = g->flags & MOAT_INV_AMD_GN;
	inv.amd.s = g->flags & MOAT_INV_AMD_S;
	inv.amd.pde = g->flags & MOAT_INV_AMD_PDE;
	inv.amd.addr = g->addr;
	return viommu_inv_nested(v, amd_vdid_is, g->vdid, &inv);
}

/*
 * 2.4.3 size encoding: with S, the lowest clear address bit at or above bit 12, at b, makes
 * the range 2^(b + 1) bytes, aligned; all of bits 63:12 set is everything. Without S: a page.
 */
static void amd_range(u64 addr, bool s, u64 *base, u8 *order)
{
	unsigned b;

	if (!s) {
		*base = addr;
		*order = PAGE_SHIFT;
		return;
	}
	b = (unsigned)__builtin_ctzll(~addr >> PAGE_SHIFT | (1ULL << 52)) + PAGE_SHIFT;
	*order = b >= 63 ? 64 : (u8)(b + 1);
	*base = *order == 64 ? 0 : addr & ~((1ULL << *order) - 1);
}

static int amd_inv_iotlb(struct viommu *v, const struct moat_inv *e)
{
	const struct moat_inv_amd *g = &e->amd;
	struct iommu_inv inv = { .kind = IOMMU_INV_ATC };
	struct vdev *d;
	int err;

	if (g->vdid || (g->flags & ~(MOAT_INV_AMD_S | MOAT_INV_AMD_GN)))
		return trace_err(-E_INVAL);
	if ((err = amd_pasid_check(g)))
		return err;
	if (!IS_ALIGNED(g->addr, PAGE_SIZE))
		return trace_err(-E_INVAL);
	if ((err = viommu_vdev_attached(v, g->vdev, &d)))
		return err;
	inv.atc.rid = d->rid;
	inv.atc.pasid = g->flags & MOAT_INV_AMD_GN ? g->pasid : IOMMU_NO_PASID;
	amd_range(g->addr, g->flags & MOAT_INV_AMD_S, &inv.atc.addr, &inv.atc.size_order);
	return viommu_inv_domain(d->dom, &inv);
}

static int amd_invalidate(struct viommu *v, const struct moat_inv *e)
{
	if (e->amd.reserved0 || e->amd.reserved1)
		return trace_err(-E_INVAL);
	switch (e->op) {
	case MOAT_INV_AMD_IOMMU_PAGES: return amd_inv_pages(v, e);
	case MOAT_INV_AMD_IOTLB_PAGES: return amd_inv_iotlb(v, e);
	}
	return trace_err(-E_INVAL); /* another vendor's operation, or none */
}

const struct viommu_vendor viommu_amd = {
	.name = "AMD-Vi",
	.vendor = IOMMU_VENDOR_AMDVI,
	.type = MOAT_IOMMU_AMDVI,
	.s1_formats = IOMMU_S1FMT_X86_4L | IOMMU_S1FMT_X86_5L, /* as far as the unit's info says */
	.s1_parse = amd_s1_parse,
	.s1_root = amd_s1_root,
	.invalidate = amd_invalidate,
};
