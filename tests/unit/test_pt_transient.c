// SPDX-License-Identifier: MIT
/*
 * No transient non-present entry for a range that stays mapped: a walker thread translates a
 * set of "stable" pages with the reference model, over and over, while the main thread
 * splits, merges, unmaps and re-maps everything around them. Every walk of a stable page
 * must succeed with its fixed translation. The gather's flush waits until the walker has
 * finished every walk that may have started before it (what a TLB + walk-cache invalidation
 * with a sync guarantees on hardware), so unlinked tables are freed only when no walk can
 * be inside them; ASan catches a walk into a freed table.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_util.h"

#include "lib/pt.h"
#include "lib/err.h"
#include "pt/pt_alloc_host.h"
#include "pt/ref_walk.h"

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define BASE 0x40000000ULL
#define OUT 0x80000000ULL
#define NBLK 32

struct tr {
	struct pt pt;
	struct pt_gather g;
	struct pt_host_alloc h;
	struct ref_regs regs;
	u64 stable[NBLK];
	u64 rng;
	/* shared with the walker */
	u64 passes, bad, bad_addr;
	int stop;
};

static u64 stable_of(unsigned k)
{
	return BASE + k * SZ_2M + (7 + (k % 5) * 97) * SZ_4K;
}

static void *walker(void *arg)
{
	struct tr *t = arg;
	struct ref_result r;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned k = 0; k < NBLK; k++) {
			ref_walk(&t->regs, t->stable[k], REF_ACC_R | REF_ACC_W, &r);
			if (r.fault || r.out != OUT + (t->stable[k] - BASE)) {
				__atomic_add_fetch(&t->bad, 1, __ATOMIC_RELAXED);
				t->bad_addr = t->stable[k];
			}
		}
		__atomic_add_fetch(&t->passes, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Returns once the walker has completed two passes: none started before now is running. */
static void wait_walker(struct tr *t)
{
	u64 p0 = __atomic_load_n(&t->passes, __ATOMIC_ACQUIRE);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	while (__atomic_load_n(&t->passes, __ATOMIC_ACQUIRE) < p0 + 2) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (b.tv_sec - a.tv_sec > 20)
			fail_msg("walker made no progress for 20 s");
	}
}

static void tr_flush(struct pt_gather *g, struct pt *pt)
{
	wait_walker(container_of(g, struct tr, g));
}

static u64 trnd(struct tr *t, u64 n)
{
	return test_rand(&t->rng) % n;
}

/* A random range inside block k that leaves its stable page out. */
static void range_beside_stable(struct tr *t, unsigned k, u64 *in, u64 *size)
{
	u64 blk = BASE + k * SZ_2M, s = t->stable[k];
	u64 lo = trnd(t, 2) ? blk : s + SZ_4K, hi = lo == blk ? s : blk + SZ_2M;
	u64 pages = (hi - lo) / SZ_4K, first = trnd(t, pages);

	*in = lo + first * SZ_4K;
	*size = (1 + trnd(t, MIN(pages - first, 64))) * SZ_4K;
}

static void tr_step(struct tr *t)
{
	unsigned k = (unsigned)trnd(t, NBLK), what = (unsigned)trnd(t, 4);
	u64 in, size, blk = BASE + k * SZ_2M;
	int err;

	if (what == 0) { /* the whole block again, identity: merges a split block back */
		err = pt_map(&t->pt, blk, pa(OUT + k * SZ_2M), SZ_2M, PT_PROT_R | PT_PROT_W, &t->g);
	} else if (what == 1) {
		range_beside_stable(t, k, &in, &size);
		err = pt_unmap(&t->pt, in, size, &t->g);
	} else if (what == 2) { /* elsewhere, or read-only: the block cannot stay a block */
		range_beside_stable(t, k, &in, &size);
		err = pt_map(&t->pt, in, pa(OUT + (1ULL << 32) + trnd(t, 1024) * SZ_4K), size,
			     PT_PROT_R, &t->g);
	} else { /* identity over a range holding the stable page */
		in = t->stable[k] - trnd(t, 4) * SZ_4K;
		size = (1 + trnd(t, 8)) * SZ_4K;
		err = pt_map(&t->pt, in, pa(OUT + (in - BASE)), MIN(size, blk + SZ_2M - in),
			     PT_PROT_R | PT_PROT_W, &t->g);
	}
	assert_int_equal(err, 0);
	pt_gather_sync(&t->g, &t->pt);
}

static void tr_setup(struct tr *t, enum pt_format fmt, unsigned ias)
{
	struct pt_config cfg = { .fmt = fmt, .ias = ias, .oas = 48 };
	struct pt_hw_desc d;

	memset(t, 0, sizeof(*t));
	pt_host_alloc_init(&t->h);
	cfg.alloc = &t->h.a;
	assert_int_equal(pt_init(&t->pt, &cfg), 0);
	pt_gather_init(&t->g, NULL); /* the walker starts later */
	assert_int_equal(pt_map(&t->pt, BASE, pa(OUT), NBLK * SZ_2M, PT_PROT_R | PT_PROT_W, &t->g),
			 0);
	pt_gather_sync(&t->g, &t->pt);
	for (unsigned k = 0; k < NBLK; k++)
		t->stable[k] = stable_of(k);
	pt_hw_describe(&t->pt, &d);
	t->regs.root = d.root.v;
	t->regs.oa_bits = 48;
	t->regs.t0sz = d.arm_t0sz;
	t->regs.sl0 = d.arm_sl0;
	t->regs.levels = fmt == PT_VTD_SS ? d.vtd_aw + 2 : d.levels;
	t->regs.arch = fmt == PT_ARM_S1	  ? REF_ARM_S1
		       : fmt == PT_ARM_S2 ? REF_ARM_S2
		       : fmt == PT_X86_64 ? REF_IA32E
		       : fmt == PT_VTD_SS ? REF_VTD_SL
					  : REF_AMD_V1;
	t->rng = 0xabcdef12345ULL + fmt;
}

static void run_transient(enum pt_format fmt, unsigned ias, unsigned nops)
{
	static struct tr t;
	pthread_t th;

	tr_setup(&t, fmt, ias);
	assert_int_equal(pthread_create(&th, NULL, walker, &t), 0);
	t.g.flush = tr_flush;
	for (unsigned i = 0; i < nops; i++)
		tr_step(&t);
	wait_walker(&t);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (t.bad)
		fail_msg("%s: %llu walks of stable pages failed (last %#llx)", pt_format_name(fmt),
			 (unsigned long long)t.bad, (unsigned long long)t.bad_addr);
	print_message("%s: %u changes, %llu walker passes, no stable walk failed\n",
		      pt_format_name(fmt), nops, (unsigned long long)t.passes);
	pt_destroy(&t.pt);
	assert_int_equal(t.h.live, 0);
}

static void stable_pages_never_fault_while_neighbours_change(void **state)
{
	run_transient(PT_ARM_S1, 48, 3000);
	run_transient(PT_ARM_S2, 40, 3000);
	run_transient(PT_X86_64, 48, 3000);
	run_transient(PT_VTD_SS, 48, 3000);
	run_transient(PT_AMD_V1, 48, 3000);
	(void)state;
}

/* The detector itself: a descriptor cleared for a moment is seen by the walker. */
static void walker_sees_a_transient_hole(void **state)
{
	static struct tr t;
	struct ref_result r;
	pthread_t th;
	u64 *desc, old;

	tr_setup(&t, PT_ARM_S2, 40);
	ref_walk(&t.regs, t.stable[3], 0, &r);
	assert_int_equal(r.fault, REF_OK);
	desc = (u64 *)(uintptr_t)r.last_desc;
	assert_int_equal(pthread_create(&th, NULL, walker, &t), 0);
	old = __atomic_exchange_n(desc, 0, __ATOMIC_SEQ_CST);
	wait_walker(&t);
	__atomic_store_n(desc, old, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(t.bad > 0);
	assert_int_equal(t.bad_addr, t.stable[3]);
	pt_destroy(&t.pt);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walker_sees_a_transient_hole),
		cmocka_unit_test(stable_pages_never_fault_while_neighbours_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
