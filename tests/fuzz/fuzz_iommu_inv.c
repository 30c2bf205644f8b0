// SPDX-License-Identifier: MIT
/*
 * Guest invalidation batches (untrusted: decoded from a guest's command queue) through the
 * IOMMU core's checks and routing, against a fake driver that verifies every entry it is
 * given obeys the rules the core promises: the guest tag is the domain's own, PASIDs and
 * alignments are in range, stage-1 TLBIs reach only the nesting parent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "lib/err.h"

struct fz_alloc {
	struct pt_allocator a;
};

static int fz_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	void *p = NULL;

	if (posix_memalign(&p, (size_t)nframes * 4096, (size_t)nframes * 4096))
		return -E_NOMEM;
	*out = pa((u64)(uintptr_t)p);
	return 0;
}

static void fz_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	free((void *)(uintptr_t)base.v);
}

static int fz_s2_config(struct iommu *u, unsigned gpa_bits, struct pt_config *cfg)
{
	cfg->fmt = u->drv->vendor == IOMMU_VENDOR_SMMUV3 ? PT_ARM_S2
		   : u->drv->vendor == IOMMU_VENDOR_VTD	 ? PT_VTD_SS
							 : PT_AMD_V1;
	cfg->ias = gpa_bits;
	cfg->oas = 48;
	return 0;
}

static int fz_ok(struct iommu *u, struct iommu_domain *d)
{
	return 0;
}

static void fz_fini(struct iommu *u, struct iommu_domain *d)
{
}

static int fz_attach(struct iommu *u, struct iommu_domain *d, u32 rid, u32 pasid)
{
	return 0;
}

static int fz_flush(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	return 0;
}

static int fz_invalidate(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	switch (inv->kind) {
	case IOMMU_INV_VTD:
		if (d->kind != IOMMU_DOMAIN_NESTED || inv->vtd.vdid != d->s1.vtd.vdid ||
		    inv->vtd.pasid > IOMMU_PASID_MAX)
			abort();
		break;
	case IOMMU_INV_AMD:
		if (d->kind != IOMMU_DOMAIN_NESTED || inv->amd.vdid != d->s1.amd.vdid)
			abort();
		break;
	case IOMMU_INV_SMMU:
		if (d->kind != IOMMU_DOMAIN_S2 || (inv->smmu.addr & 0xfff))
			abort();
		break;
	case IOMMU_INV_ATC:
		if (inv->atc.size_order < 12 || inv->atc.size_order > 64)
			abort();
		break;
	default: abort();
	}
	return 0;
}

static const struct iommu_ops fz_ops = {
	.s2_config = fz_s2_config,
	.domain_init = fz_ok,
	.domain_fini = fz_fini,
	.attach = fz_attach,
	.detach = fz_attach,
	.flush_s2 = fz_flush,
	.invalidate = fz_invalidate,
};

static const struct iommu_driver fz_drv[3] = {
	{ "fz-vtd", IOMMU_KIND_VTD, IOMMU_VENDOR_VTD, &fz_ops },
	{ "fz-amd", IOMMU_KIND_AMDVI, IOMMU_VENDOR_AMDVI, &fz_ops },
	{ "fz-smmu", IOMMU_KIND_SMMUV3, IOMMU_VENDOR_SMMUV3, &fz_ops },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The entries are typed C structs, not a wire format: bytes that are not 0 or 1 in a bool are
 * not a value the guest-ABI decoder could ever produce, and loading them is undefined. Fold
 * each bool's byte to 0/1 (enums stay arbitrary: they are range-checked by the core).
 */
static void fz_fold_bool(void *field)
{
	unsigned char *b = field;

	*b &= 1;
}

static void fz_normalise(struct iommu_inv *e)
{
	fz_fold_bool(&e->vtd.ih);
	fz_fold_bool(&e->amd.gn);
	fz_fold_bool(&e->amd.s);
	fz_fold_bool(&e->amd.pde);
	fz_fold_bool(&e->smmu.leaf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iommu u;
	static struct iommu_domain s2, nested;
	struct fz_alloc fa = { .a = { .alloc = fz_alloc, .free = fz_free } };
	struct iommu_inv inv[16];
	struct iommu_s1 s1 = { 0 };
	unsigned v, n, done = ~0u;
	int err;

	if (size < 2)
		return 0;
	v = data[0] % 3;
	iommu_units_reset();
	memset(&u, 0, sizeof(u));
	if (iommu_unit_add(&u, &fz_drv[v], NULL, &fa.a) || iommu_domain_s2_init(&s2, &u, 48))
		abort();
	s1.vendor = fz_drv[v].vendor;
	s1.vtd = (struct iommu_s1_vtd){ .fsptptr = { 0x1000 }, .levels = 4, .vdid = 5 };
	if (v == 1)
		s1.amd = (struct iommu_s1_amd){ .gcr3_root = { 0x2000 },
						.guest_levels = 4,
						.vdid = 5 };
	if (v == 2)
		s1.smmu = (struct iommu_s1_smmu){ .s1ctxptr = { 0x3000 } };
	if (iommu_domain_nested_init(&nested, &s2, &s1) ||
	    iommu_attach(&nested, 0x10, IOMMU_NO_PASID))
		abort();
	n = (unsigned)((size - 2) / sizeof(inv[0]));
	n = n > 16 ? 16 : n;
	memcpy(inv, data + 2, n * sizeof(inv[0]));
	for (unsigned i = 0; i < n; i++)
		fz_normalise(&inv[i]);
	err = iommu_invalidate((data[1] & 1) ? &s2 : &nested, inv, n, &done);
	if (done > n || (!err && done != n) || (err && done == n))
		abort();
	if (iommu_detach(&nested, 0x10, IOMMU_NO_PASID) || iommu_domain_fini(&nested) ||
	    iommu_domain_fini(&s2))
		abort();
	return 0;
}
