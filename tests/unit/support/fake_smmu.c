// SPDX-License-Identifier: MIT
/* The recording fake SMMUv3 unit (fake_smmu.h). */
#include "fake_smmu.h"

#include <string.h>

static struct fake_smmu *to_fake(struct iommu *u)
{
	return container_of(u, struct fake_smmu, u);
}

static int fake_s2_config(struct iommu *u, unsigned bits, struct pt_config *cfg)
{
	(void)u;
	cfg->fmt = PT_ARM_S2;
	cfg->ias = bits;
	cfg->oas = 48;
	return 0;
}

static int fake_init(struct iommu *u, struct iommu_domain *d)
{
	d->tags.vmid = ++to_fake(u)->next_vmid;
	d->tags.did = (u16)(0x100 + d->tags.vmid); /* never a value a guest test uses as vDID */
	return 0;
}

static void fake_fini(struct iommu *u, struct iommu_domain *d)
{
	(void)u, (void)d;
}

static int fake_attach(struct iommu *u, struct iommu_domain *d, u32 rid, u32 pasid)
{
	(void)d, (void)rid, (void)pasid;
	to_fake(u)->attaches++;
	return 0;
}

static int fake_detach(struct iommu *u, struct iommu_domain *d, u32 rid, u32 pasid)
{
	(void)d, (void)rid, (void)pasid;
	to_fake(u)->detaches++;
	return 0;
}

static int fake_flush(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	(void)d, (void)g;
	to_fake(u)->flushes++;
	return 0;
}

static int fake_inv(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	struct fake_smmu *f = to_fake(u);

	if (d->kind != IOMMU_DOMAIN_S2)
		f->invs_not_s2++; /* guest invalidations reach hardware only via a nesting parent */
	if (inv->kind != IOMMU_INV_SMMU) {
		f->invs_other++;
		f->last = *inv;
		if (f->ninv_did < 8)
			f->inv_did[f->ninv_did++] = d->tags.did; /* the tag hardware would get */
		return 0;
	}
	if (inv->smmu.op == IOMMU_SMMU_CFGI_CD) {
		f->cfgi_cd++;
		return 0;
	}
	f->invs++;
	if (f->ninv_vmid < 8)
		f->inv_vmid[f->ninv_vmid++] = d->tags.vmid; /* what the hardware would get */
	return 0;
}

/* What each fake says of itself: values no other fake has, to show they reach the guest. */
static int fake_info(struct iommu *u, struct iommu_info *out)
{
	*out = to_fake(u)->info;
	return 0;
}

static const struct iommu_ops fake_ops = { .s2_config = fake_s2_config,
					   .domain_init = fake_init,
					   .domain_fini = fake_fini,
					   .attach = fake_attach,
					   .detach = fake_detach,
					   .flush_s2 = fake_flush,
					   .invalidate = fake_inv,
					   .info = fake_info };
static const struct iommu_driver fake_drv[] = {
	{ "fake-smmu", IOMMU_KIND_SMMUV3, IOMMU_VENDOR_SMMUV3, &fake_ops },
	{ "fake-vtd", IOMMU_KIND_VTD, IOMMU_VENDOR_VTD, &fake_ops },
	{ "fake-amdvi", IOMMU_KIND_AMDVI, IOMMU_VENDOR_AMDVI, &fake_ops },
};
static const struct plat_iommu fake_desc[] = { { .kind = IOMMU_KIND_SMMUV3 },
					       { .kind = IOMMU_KIND_VTD },
					       { .kind = IOMMU_KIND_AMDVI } };
static const struct iommu_info fake_infos[] = {
	{ .s1_formats = IOMMU_S1FMT_ARM_4K,
	  .s1_ias = 48,
	  .s2_ias_max = 40,
	  .pasid_bits = 8,
	  .tag_bits = 16 },
	{ .s1_formats = IOMMU_S1FMT_X86_4L | IOMMU_S1FMT_X86_5L,
	  .s1_ias = 57,
	  .s2_ias_max = 48,
	  .pasid_bits = 20,
	  .tag_bits = 16 },
	{ .s1_formats = IOMMU_S1FMT_X86_4L,
	  .s1_ias = 48,
	  .s2_ias_max = 46,
	  .pasid_bits = 16,
	  .tag_bits = 16 },
};

int fake_unit_add(struct fake_smmu *f, struct pt_allocator *a, enum iommu_vendor v)
{
	unsigned i = v == IOMMU_VENDOR_VTD ? 1 : v == IOMMU_VENDOR_AMDVI ? 2 : 0;

	memset(f, 0, sizeof(*f));
	f->info = fake_infos[i];
	return iommu_unit_add(&f->u, &fake_drv[i], &fake_desc[i], a);
}

int fake_smmu_add(struct fake_smmu *f, struct pt_allocator *a)
{
	return fake_unit_add(f, a, IOMMU_VENDOR_SMMUV3);
}
