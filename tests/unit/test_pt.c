// SPDX-License-Identifier: MIT
/* IO page-table library: configuration, map/unmap/lookup, splitting, merging, argument checks. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "iommu/pt.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"

struct fixture {
	struct pt_host_alloc h;
	struct pt pt;
	struct pt_gather g;
};

static struct fixture fx;

static void fx_init(enum pt_format fmt, unsigned ias)
{
	struct pt_config cfg = {.fmt = fmt, .ias = ias, .oas = 48, .alloc = &fx.h.a};

	pt_host_alloc_init(&fx.h);
	assert_int_equal(pt_init(&fx.pt, &cfg), 0);
	pt_gather_init(&fx.g, NULL);
}

static void fx_fini(void)
{
	pt_gather_sync(&fx.g, &fx.pt);
	pt_destroy(&fx.pt);
	assert_int_equal(fx.h.live, 0);
}

static void expect_map(u64 in, u64 out, u64 leaf, u32 prot)
{
	struct pt_mapping m;

	assert_int_equal(pt_lookup(&fx.pt, in, &m), 0);
	assert_int_equal(m.out.v, out);
	assert_int_equal(m.leaf_size, leaf);
	assert_int_equal(m.prot, prot);
}

static void expect_unmapped(u64 in)
{
	struct pt_mapping m;

	assert_int_equal(pt_lookup(&fx.pt, in, &m), -E_NOENT);
}

static void arm_s2_maps_and_unmaps_pages(void **state)
{
	u32 rw = PT_PROT_R | PT_PROT_W;

	fx_init(PT_ARM_S2, 40);
	assert_int_equal(fx.pt.levels, 3);
	assert_int_equal(fx.pt.root_frames, 2); /* 40 bits from level 1: two concatenated tables */
	assert_int_equal(
	    pt_map(&fx.pt, 0x8000000000ULL - 0x1000, pa(0x40000000), 0x3000, rw, &fx.g), 0);
	expect_map(0x8000000000ULL - 0x1000, 0x40000000, PT_SIZE_4K, rw);
	expect_map(0x8000001000ULL, 0x40002000, PT_SIZE_4K, rw);
	expect_unmapped(0x8000002000ULL);
	assert_int_equal(pt_unmap(&fx.pt, 0x8000000000ULL, 0x1000, &fx.g), 0);
	expect_unmapped(0x8000000000ULL);
	expect_map(0x8000001000ULL, 0x40002000, PT_SIZE_4K, rw);
	expect_map(0x7ffffff000ULL, 0x40000000, PT_SIZE_4K, rw);
	assert_false(pt_gather_empty(&fx.g));
	fx_fini();
	(void)state;
}

static void arm_s2_uses_blocks_and_splits_them(void **state)
{
	u32 r = PT_PROT_R, rwx = PT_PROT_R | PT_PROT_W | PT_PROT_X;

	fx_init(PT_ARM_S2, 48);
	assert_int_equal(fx.pt.levels, 4);
	assert_int_equal(pt_map(&fx.pt, 1ULL << 30, pa(2ULL << 30), 1ULL << 30, rwx, &fx.g), 0);
	expect_map((1ULL << 30) + 0x12345000, (2ULL << 30) + 0x12345000, PT_SIZE_1G, rwx);
	assert_int_equal(fx.pt.tables, 2);
	/* Unmapping one page splits 1G -> 2M -> 4K; the rest stays mapped. */
	assert_int_equal(pt_unmap(&fx.pt, (1ULL << 30) + 0x200000, 0x1000, &fx.g), 0);
	expect_unmapped((1ULL << 30) + 0x200000);
	expect_map((1ULL << 30) + 0x201000, (2ULL << 30) + 0x201000, PT_SIZE_4K, rwx);
	expect_map((1ULL << 30) + 0x400000, (2ULL << 30) + 0x400000, PT_SIZE_2M, rwx);
	/* Re-mapping the page read-only, then read-write again merges back to 1G. */
	assert_int_equal(
	    pt_map(&fx.pt, (1ULL << 30) + 0x200000, pa((2ULL << 30) + 0x200000), 0x1000, r, &fx.g),
	    0);
	expect_map((1ULL << 30) + 0x200000, (2ULL << 30) + 0x200000, PT_SIZE_4K, r);
	assert_int_equal(pt_map(&fx.pt, (1ULL << 30) + 0x200000, pa((2ULL << 30) + 0x200000),
				0x1000, rwx, &fx.g),
			 0);
	pt_gather_sync(&fx.g, &fx.pt);
	expect_map((1ULL << 30) + 0x200000, (2ULL << 30) + 0x200000, PT_SIZE_1G, rwx);
	assert_int_equal(fx.pt.tables, 2);
	fx_fini();
	(void)state;
}

static void arm_s1_maps_with_permissions(void **state)
{
	u32 ru = PT_PROT_R | PT_PROT_U, rx = PT_PROT_R | PT_PROT_X,
	    dev = PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE;

	fx_init(PT_ARM_S1, 39);
	assert_int_equal(fx.pt.levels, 3);
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x5000), 0x1000, ru, &fx.g), 0);
	assert_int_equal(pt_map(&fx.pt, 0x200000, pa(0x400000), 0x200000, rx, &fx.g), 0);
	assert_int_equal(pt_map(&fx.pt, 0x7fc0000000ULL, pa(0x9000000), 0x1000, dev, &fx.g), 0);
	expect_map(0x1000, 0x5000, PT_SIZE_4K, ru);
	expect_map(0x3ff000, 0x5ff000, PT_SIZE_2M, rx);
	expect_map(0x7fc0000000ULL, 0x9000000, PT_SIZE_4K, dev);
	assert_int_equal(pt_unmap(&fx.pt, 0, 1ULL << 39, &fx.g), 0);
	pt_gather_sync(&fx.g, &fx.pt);
	expect_unmapped(0x1000);
	assert_int_equal(fx.pt.tables, 1);
	fx_fini();
	(void)state;
}

static void rejects_bad_arguments_without_change(void **state)
{
	u32 r = PT_PROT_R;

	fx_init(PT_ARM_S2, 40);
	assert_int_equal(pt_map(&fx.pt, 0x1001, pa(0), 0x1000, r, &fx.g), -E_INVAL);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0x10), 0x1000, r, &fx.g), -E_INVAL);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), 0, r, &fx.g), -E_INVAL);
	assert_int_equal(pt_map(&fx.pt, ~0xfffULL, pa(0), 0x2000, r, &fx.g), -E_OVERFLOW);
	assert_int_equal(pt_map(&fx.pt, 1ULL << 40, pa(0), 0x1000, r, &fx.g), -E_RANGE);
	assert_int_equal(pt_map(&fx.pt, (1ULL << 40) - 0x1000, pa(0), 0x2000, r, &fx.g), -E_RANGE);
	assert_int_equal(pt_map(&fx.pt, 0, pa(~0xfffULL), 0x2000, r, &fx.g), -E_OVERFLOW);
	assert_int_equal(pt_map(&fx.pt, 0, pa(1ULL << 48), 0x1000, r, &fx.g), -E_RANGE);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), 0x1000, PT_PROT_W, &fx.g), -E_NOTSUP);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), 0x1000, r | PT_PROT_U, &fx.g), -E_NOTSUP);
	assert_int_equal(pt_unmap(&fx.pt, 0, 0x1001, &fx.g), -E_INVAL);
	assert_int_equal(pt_unmap(&fx.pt, ~0xfffULL, 0x2000, &fx.g), -E_OVERFLOW);
	assert_true(pt_gather_empty(&fx.g));
	assert_int_equal(fx.pt.tables, fx.pt.root_frames);
	assert_int_equal(pt_lookup(&fx.pt, 1ULL << 40, &(struct pt_mapping){0}), -E_RANGE);
	fx_fini();
	(void)state;
}

static void rejects_bad_configurations(void **state)
{
	static const struct {
		enum pt_format f;
		unsigned ias;
	} bad[] = {
	    {PT_ARM_S1, 24}, {PT_ARM_S1, 49}, {PT_ARM_S2, 31}, {PT_ARM_S2, 49},	  {PT_X86_64, 39},
	    {PT_VTD_SS, 40}, {PT_AMD_V1, 29}, {PT_AMD_V1, 65}, {PT__FORMATS, 48},
	};
	struct pt_host_alloc h;
	struct pt pt;

	pt_host_alloc_init(&h);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pt_config cfg = {
		    .fmt = bad[i].f, .ias = bad[i].ias, .oas = 48, .alloc = &h.a};

		assert_int_equal(pt_init(&pt, &cfg), -E_INVAL);
	}
	assert_int_equal(
	    pt_init(&pt,
		    &(struct pt_config){.fmt = PT_ARM_S2, .ias = 40, .oas = 52, .alloc = &h.a}),
	    -E_INVAL);
	assert_int_equal(h.live, 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arm_s2_maps_and_unmaps_pages),
	    cmocka_unit_test(arm_s2_uses_blocks_and_splits_them),
	    cmocka_unit_test(arm_s1_maps_with_permissions),
	    cmocka_unit_test(rejects_bad_arguments_without_change),
	    cmocka_unit_test(rejects_bad_configurations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
