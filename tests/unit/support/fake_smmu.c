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
	if (inv->smmu.op == IOMMU_SMMU_CFGI_CD) {
		f->cfgi_cd++;
		return 0;
	}
	f->invs++;
	if (f->ninv_vmid < 8)
		f->inv_vmid[f->ninv_vmid++] = d->tags.vmid; /* what the hardware would get */
	return 0;
}

static const struct iommu_ops fake_ops = { .s2_config = fake_s2_config,
					   .domain_init = fake_init,
					   .domain_fini = fake_fini,
					   .attach = fake_attach,
					   .detach = fake_detach,
					   .flush_s2 = fake_flush,
					   .invalidate = fake_inv };
static const struct iommu_driver fake_drv = { "fake-smmu", IOMMU_KIND_SMMUV3, IOMMU_VENDOR_SMMUV3,
					      &fake_ops };
static const struct plat_iommu fake_desc = { .kind = IOMMU_KIND_SMMUV3 };

int fake_smmu_add(struct fake_smmu *f, struct pt_allocator *a)
{
	memset(f, 0, sizeof(*f));
	return iommu_unit_add(&f->u, &fake_drv, &fake_desc, a);
}
