// SPDX-License-Identifier: MIT
/* IO page-table library: configuration, map/unmap/lookup, splitting, merging, argument checks. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "core/frame.h"
#include "lib/pt.h"
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
	struct pt_config cfg = { .fmt = fmt, .ias = ias, .oas = 48, .alloc = &fx.h.a };

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
	assert_int_equal(pt_map(&fx.pt, (1ULL << 30) + 0x200000, pa((2ULL << 30) + 0x200000),
				0x1000, r, &fx.g),
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
	assert_int_equal(pt_lookup(&fx.pt, 1ULL << 40, &(struct pt_mapping){ 0 }), -E_RANGE);
	fx_fini();
	(void)state;
}

static void rejects_bad_configurations(void **state)
{
	static const struct {
		enum pt_format f;
		unsigned ias;
	} bad[] = {
		{ PT_ARM_S1, 24 }, { PT_ARM_S1, 49 }, { PT_ARM_S2, 31 },
		{ PT_ARM_S2, 49 }, { PT_X86_64, 39 }, { PT_VTD_SS, 40 },
		{ PT_AMD_V1, 29 }, { PT_AMD_V1, 65 }, { PT__FORMATS, 48 },
	};
	struct pt_host_alloc h;
	struct pt pt;

	pt_host_alloc_init(&h);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pt_config cfg = {
			.fmt = bad[i].f, .ias = bad[i].ias, .oas = 48, .alloc = &h.a
		};

		assert_int_equal(pt_init(&pt, &cfg), -E_INVAL);
	}
	assert_int_equal(pt_init(&pt,
				 &(struct pt_config){
					 .fmt = PT_ARM_S2, .ias = 40, .oas = 52, .alloc = &h.a }),
			 -E_INVAL);
	assert_int_equal(h.live, 0);
	(void)state;
}

static void fx_init_oas(enum pt_format fmt, unsigned ias, bool no_merge)
{
	struct pt_config cfg = {
		.fmt = fmt, .ias = ias, .oas = 48, .no_merge = no_merge, .alloc = &fx.h.a
	};

	pt_host_alloc_init(&fx.h);
	assert_int_equal(pt_init(&fx.pt, &cfg), 0);
	pt_gather_init(&fx.g, NULL);
}

static void describes_register_values(void **state)
{
	static const struct {
		enum pt_format f;
		unsigned ias, levels, frames, t0sz, sl0, aw;
	} c[] = {
		{ PT_ARM_S2, 40, 3, 2, 24, 1, 1 }, { PT_ARM_S2, 48, 4, 1, 16, 2, 2 },
		{ PT_ARM_S2, 33, 2, 8, 31, 0, 0 }, { PT_ARM_S2, 43, 3, 16, 21, 1, 1 },
		{ PT_ARM_S2, 44, 4, 1, 20, 2, 2 }, { PT_ARM_S1, 39, 3, 1, 25, 1, 1 },
		{ PT_ARM_S1, 40, 4, 1, 24, 2, 2 }, { PT_X86_64, 57, 5, 1, 7, 3, 3 },
		{ PT_VTD_SS, 39, 3, 1, 25, 1, 1 }, { PT_VTD_SS, 57, 5, 1, 7, 3, 3 },
		{ PT_AMD_V1, 64, 6, 1, 0, 4, 4 },
	};
	struct pt_hw_desc d;

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		fx_init(c[i].f, c[i].ias);
		pt_hw_describe(&fx.pt, &d);
		assert_int_equal(d.levels, c[i].levels);
		assert_int_equal(fx.pt.root_frames, c[i].frames);
		assert_int_equal(d.arm_t0sz, c[i].t0sz);
		assert_int_equal(d.arm_sl0, c[i].sl0);
		assert_int_equal(d.vtd_aw, c[i].aw);
		assert_int_equal(d.amd_mode, c[i].levels);
		assert_int_equal(d.root.v % (c[i].frames * PAGE_SIZE), 0);
		fx_fini();
	}
	(void)state;
}

static void other_formats_map_with_their_permissions(void **state)
{
	u32 all = PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_U | PT_PROT_DEVICE;

	fx_init(PT_X86_64, 57);
	assert_int_equal(pt_map(&fx.pt, 1ULL << 55, pa(1ULL << 30), PT_SIZE_1G, all, &fx.g), 0);
	expect_map((1ULL << 55) + 0x1234000, (1ULL << 30) + 0x1234000, PT_SIZE_1G, all);
	/* The upper canonical half is not an input of this library. */
	assert_int_equal(pt_map(&fx.pt, 1ULL << 56, pa(0), 0x1000, PT_PROT_R, &fx.g), -E_RANGE);
	fx_fini();
	fx_init(PT_VTD_SS, 39);
	assert_int_equal(
		pt_map(&fx.pt, 0x200000, pa(0x600000), 0x201000, PT_PROT_R | PT_PROT_X, &fx.g), 0);
	expect_map(0x3ff000, 0x7ff000, PT_SIZE_2M, PT_PROT_R | PT_PROT_X);
	expect_map(0x400000, 0x800000, PT_SIZE_4K, PT_PROT_R | PT_PROT_X);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), 0x1000, PT_PROT_R | PT_PROT_U, &fx.g), -E_NOTSUP);
	fx_fini();
	fx_init(PT_AMD_V1, 48);
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x2000), 0x1000, PT_PROT_R, &fx.g), 0);
	expect_map(0x1000, 0x2000, PT_SIZE_4K, PT_PROT_R);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), 0x1000, PT_PROT_R | PT_PROT_X, &fx.g), -E_NOTSUP);
	fx_fini();
	(void)state;
}

/* Out of memory part-way: every translation is as it was. */
static void failed_allocation_changes_no_translation(void **state)
{
	u32 rw = PT_PROT_R | PT_PROT_W;

	fx_init(PT_ARM_S2, 48);
	assert_int_equal(pt_map(&fx.pt, PT_SIZE_1G, pa(4 * PT_SIZE_1G), PT_SIZE_1G, rw, &fx.g), 0);
	pt_gather_sync(&fx.g, &fx.pt);
	fx.h.fail_after = 1; /* the 1G -> 2M split succeeds, the 2M -> 4K one fails */
	assert_int_equal(pt_unmap(&fx.pt, PT_SIZE_1G + 0x5000, 0x1000, &fx.g), -E_NOMEM);
	fx.h.fail_after = -1;
	expect_map(PT_SIZE_1G + 0x5000, 4 * PT_SIZE_1G + 0x5000, PT_SIZE_2M, rw);
	expect_map(PT_SIZE_1G + 0x3ff000, 4 * PT_SIZE_1G + 0x3ff000, PT_SIZE_2M, rw);
	fx.h.fail_after = 0;
	assert_int_equal(pt_map(&fx.pt, 0x3000, pa(0x1000), 0x1000, rw, &fx.g), -E_NOMEM);
	assert_int_equal(pt_map(&fx.pt, PT_SIZE_1G + 0x5000, pa(0x1000), 0x1000, rw, &fx.g),
			 -E_NOMEM);
	fx.h.fail_after = -1;
	expect_unmapped(0x3000);
	expect_map(PT_SIZE_1G + 0x5000, 4 * PT_SIZE_1G + 0x5000, PT_SIZE_2M, rw);
	assert_true(pt_gather_empty(&fx.g));
	fx_fini();
	(void)state;
}

static unsigned flushes;
static u64 flushed_start, flushed_end;

static void count_flush(struct pt_gather *g, struct pt *pt)
{
	flushes++;
	flushed_start = g->start;
	flushed_end = g->end;
}

/* Unlinked tables go back to the allocator only after the flush. */
static void tables_are_freed_after_the_flush(void **state)
{
	u64 live;

	fx_init(PT_ARM_S1, 48);
	pt_gather_init(&fx.g, count_flush);
	flushes = 0;
	assert_int_equal(pt_map(&fx.pt, 0x40000000, pa(0x1000), 0x3000, PT_PROT_R, &fx.g), 0);
	pt_gather_sync(&fx.g, &fx.pt);
	assert_int_equal(flushes, 1);
	live = fx.h.live;
	assert_int_equal(pt_unmap(&fx.pt, 0x40000000, 0x3000, &fx.g), 0);
	assert_true(fx.g.tables_changed);
	assert_false(fx.g.leaf_only);
	assert_int_equal(fx.g.nfree, 3); /* the L3, L2 and L1 tables became empty */
	assert_int_equal(fx.h.live, live);
	assert_int_equal(flushes, 1);
	pt_gather_sync(&fx.g, &fx.pt);
	assert_int_equal(flushes, 2);
	assert_int_equal(flushed_start, 0);
	assert_int_equal(flushed_end, 512 * PT_SIZE_1G);
	assert_int_equal(fx.h.live, live - 3);
	assert_true(pt_gather_empty(&fx.g));
	/* A change of leaves only: leaf_only, granule 4K. */
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x1000), 0x2000, PT_PROT_R, &fx.g), 0);
	pt_gather_sync(&fx.g, &fx.pt);
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x5000), 0x1000, PT_PROT_R, &fx.g), 0);
	assert_true(fx.g.leaf_only);
	assert_int_equal(fx.g.min_granule, PT_SIZE_4K);
	assert_int_equal(fx.g.start, 0x1000);
	assert_int_equal(fx.g.end, 0x2000);
	fx_fini();
	(void)state;
}

static void no_merge_keeps_tables(void **state)
{
	fx_init_oas(PT_ARM_S2, 40, true);
	assert_int_equal(pt_map(&fx.pt, 0, pa(0), PT_SIZE_2M, PT_PROT_R, &fx.g), 0);
	assert_int_equal(pt_unmap(&fx.pt, 0x1000, 0x1000, &fx.g), 0);
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x1000), 0x1000, PT_PROT_R, &fx.g), 0);
	expect_map(0x1000, 0x1000, PT_SIZE_4K, PT_PROT_R);
	fx_fini();
	(void)state;
}

/* cfg.max_leaf: no 1 GiB leaf where the walker has no 1 GiB pages, neither by map nor merge. */
static void max_leaf_caps_leaves_and_merges(void **state)
{
	u32 rw = PT_PROT_R | PT_PROT_W;
	struct pt_config cfg = {
		.fmt = PT_X86_64, .ias = 48, .oas = 48, .max_leaf = PT_SIZE_2M, .alloc = &fx.h.a
	};

	pt_host_alloc_init(&fx.h);
	assert_int_equal(pt_init(&fx.pt, &cfg), 0);
	pt_gather_init(&fx.g, NULL);
	assert_int_equal(pt_map(&fx.pt, PT_SIZE_1G, pa(PT_SIZE_1G), PT_SIZE_1G, rw, &fx.g), 0);
	expect_map(PT_SIZE_1G + 0x345000, PT_SIZE_1G + 0x345000, PT_SIZE_2M, rw);
	/* 512 2 MiB leaves that would merge into one 1 GiB leaf stay 2 MiB leaves. */
	assert_int_equal(pt_map(&fx.pt, PT_SIZE_1G, pa(PT_SIZE_1G), PT_SIZE_2M, rw, &fx.g), 0);
	expect_map(PT_SIZE_1G, PT_SIZE_1G, PT_SIZE_2M, rw);
	fx_fini();
	cfg.max_leaf = 3 * PT_SIZE_4K;
	assert_int_equal(pt_init(&fx.pt, &cfg), -E_INVAL);
	(void)state;
}

/* pt_map_unmapped fills holes only: what is mapped keeps its output and rights. */
static void map_unmapped_keeps_existing_mappings(void **state)
{
	u32 rx = PT_PROT_R | PT_PROT_X, rw = PT_PROT_R | PT_PROT_W;

	fx_init(PT_ARM_EL2, 48);
	assert_int_equal(pt_map(&fx.pt, 0x201000, pa(0x201000), 0x2000, rx, &fx.g), 0);
	assert_int_equal(pt_map(&fx.pt, 0x205000, pa(0x905000), 0x1000, PT_PROT_R, &fx.g), 0);
	assert_int_equal(pt_map_unmapped(&fx.pt, 0x200000, pa(0x200000), 0x8000, rw, &fx.g), 0);
	expect_map(0x200000, 0x200000, PT_SIZE_4K, rw);
	expect_map(0x201000, 0x201000, PT_SIZE_4K, rx);
	expect_map(0x202000, 0x202000, PT_SIZE_4K, rx);
	expect_map(0x203000, 0x203000, PT_SIZE_4K, rw);
	expect_map(0x205000, 0x905000, PT_SIZE_4K, PT_PROT_R);
	expect_map(0x207000, 0x207000, PT_SIZE_4K, rw);
	expect_unmapped(0x208000);
	/* The same rules as pt_map; a refused call maps nothing. */
	assert_int_equal(
		pt_map_unmapped(&fx.pt, 0x208000, pa(0), 0x1000, PT_PROT_U | PT_PROT_R, &fx.g),
		-E_NOTSUP);
	assert_int_equal(pt_map_unmapped(&fx.pt, ~0xfffULL, pa(0), 0x2000, rw, &fx.g), -E_OVERFLOW);
	expect_unmapped(0x208000);
	fx_fini();
	(void)state;
}

/*
 * EL2 stage-1 leaves, byte-exact (D8.3, D8.4.1 for one privilege level): AttrIndx, AP[2] for
 * read-only, AP[1] RES1, SH inner, AF, XN at bit 54, never PXN (bit 53, RES0 at EL2).
 */
static void arm_el2_leaf_encoding(void **state)
{
	static const struct {
		u32 prot;
		u64 desc;
	} c[] = {
		{ PT_PROT_R | PT_PROT_X, 0x00000000400017c3ULL },
		{ PT_PROT_R, 0x00400000400017c3ULL },
		{ PT_PROT_R | PT_PROT_W, 0x0040000040001743ULL },
		{ PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE, 0x0040000040001747ULL },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		const u64 *t;

		fx_init(PT_ARM_EL2, 48);
		assert_int_equal(
			pt_map(&fx.pt, 0x40001000, pa(0x40001000), 0x1000, c[i].prot, &fx.g), 0);
		t = (const u64 *)(uintptr_t)fx.pt.root.v; /* L0 -> L1 -> L2 -> L3 */
		t = (const u64 *)(uintptr_t)(t[0] & 0xfffffffff000ULL);
		t = (const u64 *)(uintptr_t)(t[1] & 0xfffffffff000ULL);
		t = (const u64 *)(uintptr_t)(t[0] & 0xfffffffff000ULL);
		assert_int_equal(t[1], c[i].desc);
		fx_fini();
	}
	assert_int_equal(pt_prot_mask(PT_ARM_EL2) & PT_PROT_U, 0);
	(void)state;
}

/* Tables over core/frame.h, as in the image: host memory stands for RAM. */
static void frame_allocator_backs_tables(void **state)
{
	size_t ram_size = 8u << 20;
	void *ram = NULL;
	struct frame_alloc fa;
	struct pt_allocator a;
	struct pt pt;
	struct pt_gather g;
	u64 before;

	assert_int_equal(posix_memalign(&ram, 1 << 21, ram_size), 0);
	assert_int_equal(frame_init(&fa, &(struct pa_range){ pa((u64)(uintptr_t)ram), ram_size }, 1,
				    NULL, 0),
			 0);
	before = frame_free_count(&fa);
	pt_allocator_frames(&a, &fa);
	pt_gather_init(&g, NULL);
	assert_int_equal(
		pt_init(&pt,
			&(struct pt_config){ .fmt = PT_ARM_S2, .ias = 43, .oas = 48, .alloc = &a }),
		0);
	assert_int_equal(pt.root_frames, 16);
	assert_int_equal(pt.root.v % (16 * PAGE_SIZE), 0);
	assert_int_equal(pt_map(&pt, 0x7ffffff000ULL, pa(0x1000), 0x2000, PT_PROT_R, &g), 0);
	assert_int_equal(a.in_use, 16 + 4);
	assert_int_equal(pt_unmap(&pt, 0x7ffffff000ULL, 0x2000, &g), 0);
	pt_gather_sync(&g, &pt);
	pt_destroy(&pt);
	assert_int_equal(a.in_use, 0);
	assert_int_equal(frame_free_count(&fa), before);
	free(ram);
	(void)state;
}

/* AMD-Vi tables written by someone else may skip levels; lookup follows them, map refuses. */
static void amd_lookup_follows_skipped_levels(void **state)
{
	static u64 l2[512] __attribute__((aligned(4096)));
	static u64 l1[512] __attribute__((aligned(4096)));
	u64 *root, pr = 1, rw = (1ULL << 61) | (1ULL << 62);
	struct pt_mapping m;

	memset(l2, 0, sizeof(l2));
	memset(l1, 0, sizeof(l1));
	fx_init(PT_AMD_V1, 48);
	root = (u64 *)(uintptr_t)fx.pt.root.v;
	root[0] = (u64)(uintptr_t)l2 | pr | rw | (2ULL << 9); /* level 4 -> level 2 */
	l2[0] = (u64)(uintptr_t)l1 | pr | rw | (1ULL << 9);
	l1[3] = 0x9000000ULL | pr | (1ULL << 61);
	l2[1] = 0x40000000ULL | pr | rw | (7ULL << 9) | (0xffULL << 12); /* NL 7: 2 MiB */
	assert_int_equal(pt_lookup(&fx.pt, 0x3010, &m), 0);
	assert_int_equal(m.out.v, 0x9000010);
	assert_int_equal(m.prot, PT_PROT_R);
	assert_int_equal(pt_lookup(&fx.pt, (1ULL << 30) | 0x3000, &m), -E_NOENT);
	assert_int_equal(pt_lookup(&fx.pt, 0x2ff000, &m), 0);
	assert_int_equal(m.leaf_size, PT_SIZE_2M);
	assert_int_equal(m.out.v, 0x400ff000);
	assert_int_equal(pt_map(&fx.pt, 0x5000, pa(0), 0x1000, PT_PROT_R, &fx.g), -E_CORRUPT);
	assert_int_equal(pt_unmap(&fx.pt, 0x3000, 0x1000, &fx.g), -E_CORRUPT);
	assert_int_equal(l1[3] & 1, 1);
	root[0] = 0;
	fx_fini();
	(void)state;
}

static void lookup_next_walks_extents_in_order(void **state)
{
	struct pt_extent x;

	fx_init(PT_ARM_S2, 48);
	assert_int_equal(pt_map(&fx.pt, 0x1000, pa(0x9000), 0x2000, PT_PROT_R, &fx.g), 0);
	assert_int_equal(pt_map(&fx.pt, 3 * PT_SIZE_1G, pa(PT_SIZE_1G), PT_SIZE_1G,
				PT_PROT_R | PT_PROT_W, &fx.g),
			 0);
	assert_int_equal(pt_map(&fx.pt, 1ULL << 47, pa(0), 0x1000, PT_PROT_R, &fx.g), 0);
	assert_int_equal(pt_lookup_next(&fx.pt, 0, ~0ULL, &x), 0);
	assert_int_equal(x.in, 0x1000);
	assert_int_equal(x.out.v, 0x9000);
	assert_int_equal(x.size, 0x1000);
	assert_int_equal(pt_lookup_next(&fx.pt, 0x2000, ~0ULL, &x), 0);
	assert_int_equal(x.in, 0x2000);
	assert_int_equal(pt_lookup_next(&fx.pt, 0x3000, ~0ULL, &x), 0);
	assert_int_equal(x.in, 3 * PT_SIZE_1G);
	assert_int_equal(x.size, PT_SIZE_1G);
	assert_int_equal(x.prot, PT_PROT_R | PT_PROT_W);
	/* Clipped to the range asked for. */
	assert_int_equal(
		pt_lookup_next(&fx.pt, 3 * PT_SIZE_1G + 0x5000, 3 * PT_SIZE_1G + 0x7000, &x), 0);
	assert_int_equal(x.out.v, PT_SIZE_1G + 0x5000);
	assert_int_equal(x.size, 0x2000);
	assert_int_equal(pt_lookup_next(&fx.pt, 4 * PT_SIZE_1G, ~0ULL, &x), 0);
	assert_int_equal(x.in, 1ULL << 47);
	assert_int_equal(pt_lookup_next(&fx.pt, (1ULL << 47) + 0x1000, ~0ULL, &x), -E_NOENT);
	assert_int_equal(pt_lookup_next(&fx.pt, 0x3000, 3 * PT_SIZE_1G, &x), -E_NOENT);
	fx_fini();
	/* The top of a 64-bit AMD-Vi space: no wrap-around. */
	fx_init(PT_AMD_V1, 64);
	assert_int_equal(pt_map(&fx.pt, ~0ULL - 0x1fff, pa(0x1000), 0x1000, PT_PROT_R, &fx.g), 0);
	assert_int_equal(pt_lookup_next(&fx.pt, 1ULL << 63, ~0ULL, &x), 0);
	assert_int_equal(x.in, ~0ULL - 0x1fff);
	assert_int_equal(pt_lookup_next(&fx.pt, ~0ULL - 0xfff, ~0ULL, &x), -E_NOENT);
	fx_fini();
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
		cmocka_unit_test(describes_register_values),
		cmocka_unit_test(other_formats_map_with_their_permissions),
		cmocka_unit_test(failed_allocation_changes_no_translation),
		cmocka_unit_test(tables_are_freed_after_the_flush),
		cmocka_unit_test(no_merge_keeps_tables),
		cmocka_unit_test(max_leaf_caps_leaves_and_merges),
		cmocka_unit_test(map_unmapped_keeps_existing_mappings),
		cmocka_unit_test(arm_el2_leaf_encoding),
		cmocka_unit_test(frame_allocator_backs_tables),
		cmocka_unit_test(amd_lookup_follows_skipped_levels),
		cmocka_unit_test(lookup_next_walks_extents_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
