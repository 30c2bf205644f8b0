// SPDX-License-Identifier: MIT
/*
 * Host ABI tests of the vIOMMU calls in their SMMUv3 forms (hcdev_fixture.h): A's vdev behind
 * the fake SMMUv3 unit (stage-1 CD tables, VMID-forced invalidations, CFGI_CD), and B's
 * device behind a fake unit reporting its own SMMUv3 `info`.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "hcdev_fixture.h"

static void viommu_info_describes_the_smmu(void **state)
{
	struct moat_viommu_info *i = ga(vma, SHB);

	(void)state;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(i->size, MOAT_VIOMMU_INFO_SIZE);
	assert_int_equal(i->type, MOAT_IOMMU_SMMUV3);
	assert_int_equal(i->formats, MOAT_S1FMT_ARM_4K);
	assert_int_equal(i->nr_vdevs, 1);
	assert_int_equal(i->inv_max, MOAT_INV_MAX);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, SHB, 39, 0, 0, 0, 0), MOAT_BAD_SIZE);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INFO, 0x1000, 40, 0, 0, 0, 0), MOAT_BAD_ADDRESS);
}

/* Type, formats, sizes and tag widths are the unit driver's (here: a fake unit of each
 * vendor, each with values of its own). */
static void viommu_info_of_an_smmuv3_vm(void **state)
{
	struct moat_viommu_info *i = ga(vmb, SHB);

	(void)state;
	b_on_unit(IOMMU_VENDOR_SMMUV3);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	info_matches(i, MOAT_IOMMU_SMMUV3, MOAT_S1FMT_ARM_4K);
	assert_int_equal(i->ipa_bits, 40);
}

static void set_s1_nests_on_the_view_the_tdi_allows(void **state)
{
	struct vdev *d = vdev_at(vma, 0);
	struct viommu *v = viommu_of(vma);

	(void)state;
	assert_ptr_equal(d->dom, &v->u[0].view[VIOMMU_SHARED]);
	/* the CD in private RAM: trusted DMA through it needs that (issue 13 item 13) */
	s1_at(SHB, VM_RAM_BASE + 0x1000);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->dom, &d->nested);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(d->nested.s1.smmu.s1ctxptr.v, VM_RAM_BASE + 0x1000);
	to_run();
	assert_ptr_equal(d->dom, &d->nested);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_FULL]); /* T=1: private RAM too */
	assert_int_equal(call(vma, MOAT_HC_TDI_UNBIND, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->nested.parent, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_CLEAR_S1, h, 0, 0, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->dom, &v->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_CLEAR_S1, h, 0, 0, 0, 0, 0), MOAT_BAD_STATE);
}

static void set_s1_refuses_bad_descriptions_and_changes_nothing(void **state)
{
	struct vdev *d = vdev_at(vma, 0);
	struct moat_s1_desc *s;

	(void)state;
	s1_at(SHB, SHB + 0x1000);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 39, 0, 0, 0), MOAT_BAD_SIZE);
	s = s1_at(SHB, SHB + 0x1000);
	s->size = 8;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BAD_SIZE);
	s = s1_at(SHB, SHB + 0x1000);
	s->type = 2;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s = s1_at(SHB, SHB + 0x1000);
	s->raw[3] = 1;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s = s1_at(SHB, SHB + 0x1000);
	s->smmu.s1cdmax = 3;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s1_at(SHB, SHB + 0x1008);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_INVALID_PARAM);
	s1_at(SHB, 0x20000000); /* not guest RAM */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB, 40, 0, 0, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, 0x1000, 40, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
	assert_false(d->s1_set);
	assert_ptr_equal(d->dom, &viommu_of(vma)->u[0].view[VIOMMU_SHARED]);
}

static void invalidate_forces_the_vmids_and_reports_the_failing_index(void **state)
{
	struct viommu *v = viommu_of(vma);
	struct moat_inv *e;

	(void)state;
	inv_at(SHB, 3);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 3, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(r[1], 3);
	assert_int_equal(fk.invs, 6);	     /* each on both views */
	assert_int_equal(fk.invs_not_s2, 0); /* always through a nesting parent */
	for (unsigned i = 0; i < fk.ninv_vmid; i++)
		assert_true(fk.inv_vmid[i] == v->u[0].view[0].tags.vmid ||
			    fk.inv_vmid[i] == v->u[0].view[1].tags.vmid);
	e = inv_at(SHB, 4);
	e[1].op = MOAT_INV_SMMU_TLBI_VA;
	e[1].addr = 0x7000;
	e[1].leaf = 1;
	e[2].op = MOAT_INV_SMMU_TLBI_VA;
	e[2].addr = 0x7001; /* misaligned */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 4, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(r[1], 2);
	assert_int_equal(r[2], 2);
	e = inv_at(SHB, 2);
	e[1].size = 16;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 2, 0, 0, 0, 0), MOAT_BAD_SIZE);
	assert_int_equal(r[2], 1);
	e = inv_at(SHB, 1);
	e[0].op = MOAT_INV_SMMU_TLBI_ALL; /* carries an ASID it may not have */
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	e = inv_at(SHB, 1);
	e[0].reserved1 = 1;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	e = inv_at(SHB, 1);
	e[0].op = 77;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 0, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, MOAT_INV_MAX + 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB + SHARED - 32, 2, 0, 0, 0, 0),
			 MOAT_BAD_ADDRESS);
}

static void cfgi_cd_needs_the_callers_vdev_with_a_stage1(void **state)
{
	struct moat_inv *e;

	(void)state;
	e = inv_at(SHB, 1);
	e[0].op = MOAT_INV_SMMU_CFGI_CD;
	e[0].asid = 0;
	e[0].vdev = h;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_BAD_STATE);
	s1_at(SHB + 4096, SHB + 8192);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_SET_S1, h, SHB + 4096, 40, 0, 0, 0), MOAT_OK);
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(fk.cfgi_cd, 1);
	/* B cannot invalidate A's device, nor name a vdev it does not have */
	memcpy(ga(vmb, SHB), e, sizeof(*e));
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0), MOAT_DENIED);
	assert_int_equal(fk.cfgi_cd, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(viommu_info_describes_the_smmu),
		T(viommu_info_of_an_smmuv3_vm),
		T(set_s1_nests_on_the_view_the_tdi_allows),
		T(set_s1_refuses_bad_descriptions_and_changes_nothing),
		T(invalidate_forces_the_vmids_and_reports_the_failing_index),
		T(cfgi_cd_needs_the_callers_vdev_with_a_stage1),
	};

	return cmocka_run_group_tests(tests, hcdev_group_setup, hcdev_group_teardown);
}
