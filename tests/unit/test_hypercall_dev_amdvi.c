// SPDX-License-Identifier: MIT
/*
 * Host ABI tests of the vIOMMU calls in their AMD-Vi forms (hcdev_fixture.h): B's device behind
 * a fake unit with the AMD-Vi driver identity and `info` (ABI 1.3: the guest half of a DTE by
 * vDID, INVALIDATE_IOMMU_PAGES by vDID and INVALIDATE_IOTLB_PAGES by vdev handle).
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "hcdev_fixture.h"

static void viommu_info_of_an_amdvi_vm(void **state)
{
	struct moat_viommu_info *i = ga(vmb, SHB);

	(void)state;
	b_on_unit(IOMMU_VENDOR_AMDVI);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	info_matches(i, MOAT_IOMMU_AMDVI, MOAT_S1FMT_X86_4L); /* the fake unit's formats */
	assert_int_equal(i->ipa_bits, 46);
	/* a unit without GTSup says so, and the vIOMMU follows */
	fkv.info.s1_formats = 0;
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_INFO, SHB, 40, 0, 0, 0, 0), MOAT_OK);
	assert_int_equal(i->formats, 0);
}

static struct moat_s1_desc *amd_s1(u64 g, u64 root)
{
	struct moat_s1_desc *s = ga(vmb, g);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_AMDVI;
	s->amd.gcr3_root = root;
	s->amd.vdid = 3;
	s->amd.flags = MOAT_S1_AMD_GIOV;
	return s;
}

/* The GCR3 form is checked field by field, then nested; a refused one changes nothing. */
static void amd_stage1_is_checked_then_nested(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_AMDVI);
	struct moat_s1_desc *s;

	(void)state;
	amd_s1(SHB, VM_RAM_BASE + 0x4000);
	assert_int_equal(set_s1_b(), MOAT_OK);
	assert_true(d->s1_set);
	assert_ptr_equal(d->dom, &d->nested);
	assert_int_equal(d->nested.s1.vendor, IOMMU_VENDOR_AMDVI);
	assert_int_equal(d->nested.s1.amd.gcr3_root.v, VM_RAM_BASE + 0x4000);
	assert_int_equal(d->nested.s1.amd.glx, 0);
	assert_int_equal(d->nested.s1.amd.guest_levels, 4);
	assert_int_equal(d->nested.s1.amd.vdid, 3);
	assert_true(d->nested.s1.amd.giov);
	assert_int_not_equal(d->nested.tags.did, 3); /* the fake unit's own DomainID */
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.reserved0 = 1;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.reserved[0] = 1;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.glx = 2;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.gpm = 2;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.pasid_bits = 1; /* ssid_bits is 0 */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.flags = 0x80;
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	amd_s1(SHB, VM_RAM_BASE + 0x5010);
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	amd_s1(SHB, VM_RAM_BASE + PRIV + SHARED - 0x800); /* would straddle the end of RAM */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	amd_s1(SHB, 0x20000000);
	assert_int_equal(set_s1_b(), MOAT_BAD_ADDRESS);
	amd_s1(SHB, VM_RAM_BASE + PRIV + SHARED); /* just past the VM's RAM */
	assert_int_equal(set_s1_b(), MOAT_BAD_ADDRESS);
	amd_s1(SHB, ~0xfffULL);
	assert_int_equal(set_s1_b(), MOAT_BAD_ADDRESS);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->amd.gpm = 1; /* 5-level on a unit without it */
	assert_int_equal(set_s1_b(), MOAT_NOT_SUPPORTED);
	s = amd_s1(SHB, VM_RAM_BASE + 0x5000);
	s->type = MOAT_IOMMU_VTD; /* another vendor's form */
	assert_int_equal(set_s1_b(), MOAT_INVALID_PARAM);
	/* nothing changed */
	assert_int_equal(d->s1.amd.gcr3_root.v, VM_RAM_BASE + 0x4000);
	assert_int_equal(d->nested.s1.amd.gcr3_root.v, VM_RAM_BASE + 0x4000);
	assert_ptr_equal(d->dom, &d->nested);
	assert_int_equal(call(vmb, MOAT_HC_VIOMMU_CLEAR_S1, hb, 0, 0, 0, 0, 0), MOAT_OK);
	assert_ptr_equal(d->dom, &viommu_of(vmb)->u[0].view[VIOMMU_SHARED]);
}

/* INVALIDATE_IOMMU_PAGES needs a vDID the guest gave with a stage-1 and reaches that nested
 * domain with its own DomainID; IOTLB_PAGES goes to the vdev's tags with the S-bit range
 * decoded (2.4.3). */
static void amd_invalidations_are_checked_and_routed(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_AMDVI);
	struct moat_inv *e;

	(void)state;
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 0);
	assert_int_equal(inv_b_call(), MOAT_DENIED); /* no nested domain has vDID 3 yet */
	assert_int_equal(fkv.invs_other, 0);
	amd_s1(SHB, VM_RAM_BASE + 0x4000);
	assert_int_equal(set_s1_b(), MOAT_OK);
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 0);
	e->amd.addr = 0x7000;
	e->amd.flags = MOAT_INV_AMD_S | MOAT_INV_AMD_PDE;
	assert_int_equal(inv_b_call(), MOAT_OK);
	assert_int_equal(fkv.invs_other, 1);
	assert_int_equal(fkv.last.kind, IOMMU_INV_AMD);
	assert_int_equal(fkv.last.amd.vdid, 3); /* the key the core matched, */
	assert_int_equal(fkv.ninv_did, 1);
	assert_int_equal(fkv.inv_did[0], d->nested.tags.did); /* on the domain of its own DID */
	assert_true(fkv.last.amd.s && fkv.last.amd.pde && !fkv.last.amd.gn);
	assert_int_equal(fkv.last.amd.addr, 0x7000);
	inv_b(MOAT_INV_AMD_IOMMU_PAGES, 4, 0); /* a vDID B never gave */
	assert_int_equal(inv_b_call(), MOAT_DENIED);
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 0);
	e->amd.flags = 0x8;
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 5); /* a PASID without GN */
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 0);
	e->amd.vdev = hb; /* not a field of this form */
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_AMD_IOMMU_PAGES, 3, 0);
	e->amd.addr = 0x7800;
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	assert_int_equal(fkv.invs_other, 1);
	e = inv_b(MOAT_INV_AMD_IOTLB_PAGES, 0, 0);
	e->amd.vdev = hb;
	e->amd.addr = 0x1000; /* S: bit 12 set, bit 13 clear: 16 KiB at 0 */
	e->amd.flags = MOAT_INV_AMD_S;
	assert_int_equal(inv_b_call(), MOAT_OK);
	assert_int_equal(fkv.last.kind, IOMMU_INV_ATC);
	assert_int_equal(fkv.last.atc.rid, d->rid);
	assert_int_equal(fkv.last.atc.size_order, 14);
	assert_int_equal(fkv.last.atc.addr, 0);
	assert_int_equal(fkv.last.atc.pasid, IOMMU_NO_PASID);
	e->amd.addr = ~0xfffULL; /* S with every bit set: everything */
	e->amd.flags = MOAT_INV_AMD_S | MOAT_INV_AMD_GN;
	e->amd.pasid = 7;
	assert_int_equal(inv_b_call(), MOAT_OK);
	assert_int_equal(fkv.last.atc.size_order, 64);
	assert_int_equal(fkv.last.atc.pasid, 7);
	e->amd.flags = MOAT_INV_AMD_PDE; /* not a flag of this form */
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
	e = inv_b(MOAT_INV_AMD_IOTLB_PAGES, 0, 0);
	e->amd.vdev = h; /* A's device */
	assert_int_equal(inv_b_call(), MOAT_DENIED);
	inv_b(MOAT_INV_VTD_PIOTLB_PASID, 3, 0);
	assert_int_equal(inv_b_call(), MOAT_INVALID_PARAM);
}

/* Issue 13 item 13 for AMD-Vi: a trusted vdev's GCR3 root page (4 KiB) stays private. */
static void a_trusted_amd_vdevs_gcr3_root_stays_private(void **state)
{
	struct vdev *d = b_on_unit(IOMMU_VENDOR_AMDVI);
	u64 root = VM_RAM_BASE + 0x6000;

	(void)state;
	amd_s1(SHB, root);
	assert_int_equal(set_s1_b(), MOAT_OK);
	assert_int_equal(viommu_set_trusted(d, true), 0);
	assert_ptr_equal(d->nested.parent, &viommu_of(vmb)->u[0].view[VIOMMU_FULL]);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_DENIED);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root + 0x1000, 0x1000, MOAT_SHARE, 0, 0, 0),
			 MOAT_OK); /* the next page is not the root */
	amd_s1(SHB, SHB + 0x3000); /* moving it where untrusted DMA reaches */
	assert_int_equal(set_s1_b(), MOAT_DENIED);
	assert_int_equal(d->s1.amd.gcr3_root.v, root);
	assert_int_equal(viommu_set_trusted(d, false), 0);
	assert_ptr_equal(d->nested.parent, &viommu_of(vmb)->u[0].view[VIOMMU_SHARED]);
	assert_int_equal(call(vmb, MOAT_HC_MEM_SHARE, root, 0x1000, MOAT_SHARE, 0, 0, 0), MOAT_OK);
	assert_int_equal(viommu_set_trusted(d, true), -E_PERM); /* shared root: refused */
	assert_false(d->trusted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(viommu_info_of_an_amdvi_vm),
		T(amd_stage1_is_checked_then_nested),
		T(amd_invalidations_are_checked_and_routed),
		T(a_trusted_amd_vdevs_gcr3_root_stays_private),
	};

	return cmocka_run_group_tests(tests, hcdev_group_setup, hcdev_group_teardown);
}
