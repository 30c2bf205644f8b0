// SPDX-License-Identifier: MIT
/*
 * Host ABI tests of the vIOMMU calls in their VT-d forms (hcdev_fixture.h): B's device behind
 * a fake unit with the VT-d driver identity and `info` (ABI 1.3: first-stage tables by vDID,
 * invalidations on the nested domain's own DID).
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "hcdev_fixture.h"

static void viommu_info_of_a_vtd_vm(void **state)
{
	struct moat_viommu_info *i = ga(vmb, SHB);

	(void)state;
	b_on_unit(IOMMU_VENDOR_VTD);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	info_matches(i, MOAT_IOMMU_VTD, MOAT_S1FMT_X86_4L | MOAT_S1FMT_X86_5L);
	assert_int_equal(i->ias_bits, 57);
	assert_int_equal(i->ipa_bits, 48);
	/* a unit without 5-level support says so, and the vIOMMU follows */
	fkv.info.s1_formats = IOMMU_S1FMT_X86_4L;
	fkv.info.s1_ias = 48;
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(i->formats, MOAT_S1FMT_X86_4L);
	assert_int_equal(i->ias_bits, 48);
}

static struct moat_s1_desc *vtd_s1(u64 g, u64 root, u16 vdid)
{
	struct moat_s1_desc *s = ga(vmb, g);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_VTD;
	s->vtd.flptptr = root;
	s->vtd.vdid = vdid;
	s->vtd.flags = MOAT_S1_VTD_WPE;
	return s;
}

/* The VT-d form: checked field by field; a refused one leaves the accepted one in place. */
static void vtd_stage1_is_checked_then_nested(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_VTD);
	struct moat_s1_desc *s;

	(void)state;
	vtd_s1(SHB, VM_RAM_BASE + 0x3000, 9);
	assert_int_equal(set_s1_b(), MOAT_OK);
	assert_ptr_equal(d->dom, &d->nested);
	assert_int_equal(d->nested.s1.vendor, IOMMU_VENDOR_VTD);
	assert_int_equal(d->nested.s1.vtd.fsptptr.v, VM_RAM_BASE + 0x3000);
	assert_int_equal(d->nested.s1.vtd.levels, 4);
	assert_true(d->nested.s1.vtd.wpe);
	assert_false(d->nested.s1.vtd.eafe);
	assert_int_equal(d->nested.s1.vtd.vdid, 9);
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->vtd.reserved[1] = 1;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->vtd.flags = 1u << 3; /* not a bit the ABI names */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->vtd.pasid = 1; /* ssid_bits is 0 */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->vtd.flpm = 2;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	vtd_s1(SHB, VM_RAM_BASE + 0x5800, 9); /* not 4 KiB aligned */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	vtd_s1(SHB, 0x20000000, 9); /* not the VM's RAM */
	assert_int_equal(set_s1_b(), MOAT_BAD_ADDRESS);
	vtd_s1(SHB, VM_RAM_BASE + PRIV + SHARED, 9); /* just past it */
	assert_int_equal(set_s1_b(), MOAT_BAD_ADDRESS);
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->type = MOAT_IOMMU_SMMUV3; /* another vendor's form */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	fkv.info.s1_formats = IOMMU_S1FMT_X86_4L;
	s = vtd_s1(SHB, VM_RAM_BASE + 0x5000, 9);
	s->vtd.flpm = 1; /* 5-level on a unit without it */
	assert_int_equal(set_s1_b(), MOAT_NOT_SUPPORTED);
	/* nothing changed */
	assert_int_equal(d->s1.vtd.fsptptr.v, VM_RAM_BASE + 0x3000);
	assert_int_equal(d->nested.s1.vtd.fsptptr.v, VM_RAM_BASE + 0x3000);
	assert_ptr_equal(d->dom, &d->nested);
}

/* VT-d entries reach the nested domain of their vDID with its own DID; a forged vDID, a
 * misaligned range, another VM's device or another vendor's operation are refused. */
static void vtd_invalidations_reach_hardware_with_moats_did_only(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_VTD);
	struct moat_inv *e;

	(void)state;
	vtd_s1(SHB, VM_RAM_BASE + 0x3000, 9);
	assert_int_equal(set_s1_b(), MOAT_OK);
	inv_b(MOAT_INV_VTD_PIOTLB_PASID, 9, 0);
	assert_int_equal(inv_b_call(), MOAT_OK);
	e = inv_b(MOAT_INV_VTD_PIOTLB_ADDR, 9, 0);
	e->vtd.addr = 0x8000;
	e->vtd.am = 1;
	e->vtd.flags = MOAT_INV_VTD_IH;
	assert_int_equal(inv_b_call(), MOAT_OK);
	inv_b(MOAT_INV_VTD_PASID_CACHE, 9, 0);
	assert_int_equal(inv_b_call(), MOAT_OK);
	assert_int_equal(fkv.invs_other, 3);
	for (unsigned i = 0; i < fkv.ninv_did; i++)
		assert_int_equal(fkv.inv_did[i], d->nested.tags.did); /* never 9 */
	assert_int_not_equal(d->nested.tags.did, 9);
	/* refused, nothing sent */
	inv_b(MOAT_INV_VTD_PIOTLB_PASID, 8, 0); /* a vDID B never gave */
	assert_int_equal(inv_b_call(), MOAT_DENIED);
	e = inv_b(MOAT_INV_VTD_PIOTLB_ADDR, 9, 0);
	e->vtd.addr = 0x9000;
	e->vtd.am = 1; /* not aligned to 2 pages */
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_VTD_PASID_CACHE, 9, 0);
	e->vtd.addr = 0x1000; /* no address in this form */
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_VTD_PIOTLB_PASID, 9, 0);
	e->vtd.reserved = 1;
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	inv_b(MOAT_INV_VTD_PIOTLB_PASID, 9, IOMMU_PASID_MAX + 1);
	assert_int_equal(inv_b_call(), MOAT_BAD_ADDRESS);
	e = inv_b(MOAT_INV_VTD_DEVTLB, 0, 0);
	e->vtd.vdev = h; /* A's device */
	assert_int_equal(inv_b_call(), MOAT_DENIED);
	inv_b(MOAT_INV_SMMU_TLBI_ALL, 0, 0);
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	assert_int_equal(fkv.invs_other, 3);
	/* the device TLB of B's own device: once per tag, on the domain it is attached to */
	e = inv_b(MOAT_INV_VTD_DEVTLB, 0, 0);
	e->vtd.vdev = hb;
	assert_int_equal(inv_b_call(), MOAT_OK);
	assert_int_equal(fkv.invs_other, 4);
	assert_int_equal(fkv.last.kind, IOMMU_INV_ATC);
	assert_int_equal(fkv.last.atc.rid, d->rid);
	assert_int_equal(fkv.last.atc.size_order, 12);
	/* A's SMMUv3 vIOMMU takes no VT-d form */
	e = inv_at(SHB, 1);
	e->op = MOAT_INV_VTD_PIOTLB_PASID;
	e->asid = 0;
	assert_int_equal(call(vma, MOAT_HC_VIOMMU_INVALIDATE, SHB, 1, 0, 0, 0, 0),
			 MOAT_INVALID_PARAM);
}

/* Issue 13 item 13 for VT-d: a trusted vdev's first-stage root page (4 KiB) stays private. */
static void a_trusted_vtd_vdevs_root_table_stays_private(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_VTD);
	u64 root = VM_RAM_BASE + 0x6000;

	(void)state;
	vtd_s1(SHB, root, 9);
	assert_int_equal(set_s1_b(), MOAT_OK);
	assert_int_equal(viommu_set_trusted(d, true), 0);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_DENIED);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root - 0x2000, 0x3000, MOAT_SHARE, 0, 0, 0),
			 MOAT_DENIED); /* a range ending on it */
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root + 0x1000, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_OK);    /* the next page is not the root */
	vtd_s1(SHB, SHB + 0x3000, 9); /* moving it where untrusted DMA reaches */
	assert_int_equal(set_s1_b(), MOAT_DENIED);
	assert_int_equal(d->s1.vtd.fsptptr.v, root);
	assert_int_equal(viommu_set_trusted(d, false), 0);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root, 0x1000, MOAT_SHARE, 0, 0, 0), MOAT_OK);
	assert_int_equal(viommu_set_trusted(d, true), -E_PERM); /* shared root: refused */
	assert_false(d->trusted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(viommu_info_of_a_vtd_vm),
		T(vtd_stage1_is_checked_then_nested),
		T(vtd_invalidations_reach_hardware_with_moats_did_only),
		T(a_trusted_vtd_vdevs_root_table_stays_private),
	};

	return cmocka_run_group_tests(tests, hcdev_group_setup, hcdev_group_teardown);
}
