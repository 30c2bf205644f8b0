// SPDX-License-Identifier: MIT
/* core/frame: the physical frame allocator over host memory standing in for RAM. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "core/frame.h"
#include "lib/err.h"

#define RAM_SIZE (8ULL << 20)

static struct frame_alloc fa;
static unsigned char *ram;

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(1 << 21, RAM_SIZE);
	assert_non_null(ram);
	test_log_capture();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static u64 base(void)
{
	return (u64)(uintptr_t)ram;
}

static void covers_ram_minus_bitmap(void **state)
{
	struct pa_range r = { pa(base()), RAM_SIZE };

	assert_int_equal(frame_init(&fa, &r, 1, NULL, 0), 0);
	assert_int_equal(fa.nregions, 1);
	assert_int_equal(frame_total_count(&fa), RAM_SIZE / PAGE_SIZE);
	/* 2048 frames need a 256-byte bitmap: one frame. */
	assert_int_equal(frame_free_count(&fa), RAM_SIZE / PAGE_SIZE - 1);
	(void)state;
}

static void never_hands_out_holes(void **state)
{
	struct pa_range r = { pa(base()), RAM_SIZE };
	/* An unaligned hole is widened to whole frames; holes may overlap. */
	struct pa_range holes[] = {
		{ pa(base() + 0x10800), 0x1000 },	     /* frames 0x10 and 0x11 */
		{ pa(base() + 0x11000), 0x3000 },	     /* overlaps, frames 0x11-0x13 */
		{ pa(base() + RAM_SIZE - 0x1000), 0x10000 }, /* runs past the end */
	};
	paddr_t p;
	u64 n = 0;

	assert_int_equal(frame_init(&fa, &r, 1, holes, 3), 0);
	while (!frame_alloc_one(&fa, &p)) {
		u64 off = p.v - base();
		assert_true(off < RAM_SIZE);
		assert_false(off >= 0x10000 && off < 0x14000);
		assert_false(off >= RAM_SIZE - 0x1000);
		n++;
	}
	assert_int_equal(n, frame_free_count(&fa) + n);
	assert_int_equal(frame_free_count(&fa), 0);
	(void)state;
}

static void aligned_runs(void **state)
{
	struct pa_range r = { pa(base() + PAGE_SIZE), RAM_SIZE - PAGE_SIZE };
	paddr_t a, b, c;

	assert_int_equal(frame_init(&fa, &r, 1, NULL, 0), 0);
	assert_int_equal(frame_alloc_run(&fa, 16, 64 * 1024, &a), 0);
	assert_true(IS_ALIGNED(a.v, 64 * 1024));
	assert_int_equal(frame_alloc_run(&fa, 512, 2 << 20, &b), 0);
	assert_true(IS_ALIGNED(b.v, 2 << 20));
	assert_int_equal(frame_alloc_one(&fa, &c), 0);
	assert_false(c.v >= a.v && c.v < a.v + 16 * PAGE_SIZE);
	assert_false(c.v >= b.v && c.v < b.v + 512 * PAGE_SIZE);
	assert_int_equal(frame_alloc_run(&fa, 0, PAGE_SIZE, &c), -E_INVAL);
	assert_int_equal(frame_alloc_run(&fa, 1, 3 * PAGE_SIZE, &c), -E_INVAL);
	assert_int_equal(frame_alloc_run(&fa, 1, 2048, &c), -E_INVAL);
	assert_int_equal(frame_alloc_run(&fa, RAM_SIZE / PAGE_SIZE, PAGE_SIZE, &c), -E_NOMEM);
	(void)state;
}

static void free_checks_ownership(void **state)
{
	struct pa_range r = { pa(base()), RAM_SIZE };
	paddr_t a;
	u64 before;

	assert_int_equal(frame_init(&fa, &r, 1, NULL, 0), 0);
	before = frame_free_count(&fa);
	assert_int_equal(frame_alloc_run(&fa, 4, PAGE_SIZE, &a), 0);
	assert_int_equal(frame_free_run(&fa, a, 4), 0);
	assert_int_equal(frame_free_count(&fa), before);
	/* Double free: refused, nothing changes, and it is logged. */
	assert_int_equal(frame_free_run(&fa, a, 1), -E_STATE);
	assert_true(test_log_has("double free"));
	assert_int_equal(frame_free_count(&fa), before);
	/* The bitmap's own frame, unaligned addresses, ranges past the region, foreign memory. */
	assert_int_equal(frame_free_run(&fa, pa(base()), 1), -E_PERM);
	assert_int_equal(frame_free_run(&fa, pa(a.v + 1), 1), -E_INVAL);
	assert_int_equal(frame_free_run(&fa, pa(base() + RAM_SIZE - PAGE_SIZE), 2), -E_RANGE);
	assert_int_equal(frame_free_run(&fa, pa(base() + RAM_SIZE), 1), -E_RANGE);
	assert_int_equal(frame_free_count(&fa), before);
	(void)state;
}

static void rejects_bad_ram_descriptions(void **state)
{
	struct pa_range overlap[] = { { pa(base()), RAM_SIZE / 2 },
				      { pa(base() + RAM_SIZE / 4), RAM_SIZE / 2 } };
	struct pa_range wrap = { pa(~0ULL - PAGE_SIZE), 2 * PAGE_SIZE };
	struct pa_range tiny = { pa(base() + 100), 200 };

	assert_int_equal(frame_init(&fa, overlap, 2, NULL, 0), -E_INVAL);
	assert_int_equal(frame_init(&fa, &wrap, 1, NULL, 0), -E_OVERFLOW);
	assert_int_equal(frame_init(&fa, &tiny, 1, NULL, 0), -E_NOMEM);
	(void)state;
}

static void splits_regions_around_holes(void **state)
{
	struct pa_range r[] = { { pa(base()), RAM_SIZE / 2 },
				{ pa(base() + RAM_SIZE / 2), RAM_SIZE / 2 } };
	struct pa_range hole = { pa(base() + RAM_SIZE / 4), RAM_SIZE / 2 };

	assert_int_equal(frame_init(&fa, r, 2, &hole, 1), 0);
	assert_int_equal(fa.nregions, 2);
	assert_int_equal(frame_total_count(&fa), RAM_SIZE / 2 / PAGE_SIZE);
	(void)state;
}

/* Random alloc/free against a reference ownership map. */
static void random_alloc_free_matches_reference(void **state)
{
	struct pa_range r = { pa(base()), RAM_SIZE };
	const u64 nf = RAM_SIZE / PAGE_SIZE;
	unsigned char *owned = calloc(nf, 1);
	struct {
		paddr_t p;
		u64 n;
	} live[256];
	unsigned nlive = 0, nalloc = 0;
	uint64_t seed = 42;
	int iters = getenv("MOAT_SOAK") ? 2000000 : 50000;

	assert_int_equal(frame_init(&fa, &r, 1, NULL, 0), 0);
	for (int i = 0; i < iters; i++) {
		if (nlive < 256 && (test_rand(&seed) & 1)) {
			u64 n = 1 + test_rand(&seed) % 24,
			    align = PAGE_SIZE << (test_rand(&seed) % 5);
			paddr_t p;
			if (frame_alloc_run(&fa, n, align, &p))
				continue;
			assert_true(IS_ALIGNED(p.v, align));
			for (u64 k = 0; k < n; k++) {
				u64 idx = (p.v - base()) / PAGE_SIZE + k;
				assert_true(idx > 0 && idx < nf);
				assert_false(owned[idx]);
				owned[idx] = 1;
			}
			nalloc++;
			live[nlive].p = p;
			live[nlive++].n = n;
		} else if (nlive) {
			unsigned j = (unsigned)(test_rand(&seed) % nlive);
			assert_int_equal(frame_free_run(&fa, live[j].p, live[j].n), 0);
			for (u64 k = 0; k < live[j].n; k++)
				owned[(live[j].p.v - base()) / PAGE_SIZE + k] = 0;
			live[j] = live[--nlive];
		}
	}
	assert_true(nalloc > (unsigned)iters / 4);
	u64 used = 0;
	for (u64 k = 0; k < nf; k++)
		used += owned[k];
	assert_int_equal(frame_free_count(&fa), nf - 1 - used);
	free(owned);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(covers_ram_minus_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(never_hands_out_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(aligned_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(free_checks_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(rejects_bad_ram_descriptions, setup, teardown),
		cmocka_unit_test_setup_teardown(splits_regions_around_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(random_alloc_free_matches_reference, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
