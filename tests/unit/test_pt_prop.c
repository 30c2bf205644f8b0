// SPDX-License-Identifier: MIT
/*
 * Property tests of the page-table library: random map / unmap / re-map sequences over random
 * ranges and sizes, checked after every step against an independent interval map and the
 * reference walkers of tests/models/pt (which read the tables the library wrote, through the
 * register values pt_hw_describe() gives). Also: allocation failures change no translation,
 * the gather covers every translation that changed, tables are all freed at the end.
 * MOAT_SOAK=1 multiplies the operation counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "lib/pt.h"
#include "lib/err.h"
#include "pt/ivmap.h"
#include "pt/pt_alloc_host.h"
#include "pt/ref_walk.h"

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define WINDOW (4 * SZ_1G)

struct prop {
	enum pt_format fmt;
	struct pt_host_alloc h;
	struct pt pt;
	struct pt_gather g;
	struct ref_regs regs;
	struct ivmap iv;
	u64 rng, win, out_base;
	u64 ops, nomem;
	u64 fl_start, fl_end; /* union of what the library flushed in the middle of an op */
	bool debug;	      /* MOAT_PT_DEBUG: check the whole window after every step */
};

static u64 ops_scale(u64 n)
{
	const char *s = getenv("MOAT_SOAK");

	return s && *s && strcmp(s, "0") ? n * 20 : n;
}

/* What the model must report for a mapping the library made with `prot`. */
static unsigned expected_perms(enum pt_format fmt, u32 prot)
{
	unsigned p = 0, x = (prot & PT_PROT_X) ? REF_XP | REF_XU : 0;

	p |= (prot & PT_PROT_R) ? REF_R : 0;
	p |= (prot & PT_PROT_W) ? REF_W : 0;
	p |= (prot & PT_PROT_DEVICE) ? REF_DEV : 0;
	switch (fmt) {
	case PT_ARM_S1: /* executable at the privilege the mapping is for */
		if (prot & PT_PROT_U)
			return p | REF_U | (x & REF_XU);
		return p | (x & REF_XP);
	case PT_X86_64: return p | x | ((prot & PT_PROT_U) ? REF_U : 0);
	case PT_ARM_EL2: return p | (x & REF_XP); /* one privilege level */
	case PT_ARM_S2:
	case PT_VTD_SS: return p | x | REF_U;
	default: return p | REF_U;
	}
}

static void regs_of(const struct pt *pt, struct ref_regs *r)
{
	struct pt_hw_desc d;

	pt_hw_describe(pt, &d);
	memset(r, 0, sizeof(*r));
	r->root = d.root.v;
	r->oa_bits = pt->cfg.oas;
	switch (pt->cfg.fmt) {
	case PT_ARM_S1:
		r->arch = REF_ARM_S1;
		r->t0sz = d.arm_t0sz;
		r->mair = PT_ARM_S1_MAIR;
		break;
	case PT_ARM_EL2:
		r->arch = REF_ARM_EL2;
		r->t0sz = d.arm_t0sz;
		r->mair = PT_ARM_S1_MAIR;
		break;
	case PT_ARM_S2:
		r->arch = REF_ARM_S2;
		r->t0sz = d.arm_t0sz;
		r->sl0 = d.arm_sl0;
		break;
	case PT_X86_64:
		r->arch = REF_IA32E;
		r->levels = d.levels;
		break;
	case PT_VTD_SS: /* VT-d context/PASID entry AW: 1 = 3 levels, 2 = 4, 3 = 5 */
		r->arch = REF_VTD_SL;
		r->levels = d.vtd_aw + 2;
		break;
	default: /* AMD-Vi DTE Mode = number of levels */
		r->arch = REF_AMD_V1;
		r->levels = d.amd_mode;
		break;
	}
}

/* Mid-operation flushes (the free list filled up): remember what they covered. */
static void prop_flush(struct pt_gather *g, struct pt *pt)
{
	struct prop *p = container_of(g, struct prop, g);

	assert_true(g->start != g->end);
	if (p->fl_start == p->fl_end) {
		p->fl_start = g->start;
		p->fl_end = g->end;
	} else {
		p->fl_start = MIN(p->fl_start, g->start);
		p->fl_end = (p->fl_end == 0 || g->end == 0) ? 0 : MAX(p->fl_end, g->end);
	}
}

static void prop_init(struct prop *p, enum pt_format fmt, unsigned ias, struct pt_allocator *a,
		      u64 seed)
{
	struct pt_config cfg = { .fmt = fmt, .ias = ias, .oas = 48, .alloc = a };

	memset(p, 0, sizeof(*p));
	p->fmt = fmt;
	p->rng = seed;
	pt_host_alloc_init(&p->h);
	if (!a)
		cfg.alloc = &p->h.a;
	assert_int_equal(pt_init(&p->pt, &cfg), 0);
	pt_gather_init(&p->g, prop_flush);
	regs_of(&p->pt, &p->regs);
	ivmap_init(&p->iv);
	/*
	 * The window straddles the boundary of the top-level (or concatenated) tables; IA-32e
	 * maps only the lower canonical half.
	 */
	if (fmt == PT_X86_64)
		ias--;
	p->win = (ias == 64 ? 1ULL << 63 : 1ULL << (ias - 1)) - 2 * SZ_1G;
	p->out_base = 1ULL << 40;
	p->debug = getenv("MOAT_PT_DEBUG") != NULL;
}

static u64 rnd(struct prop *p, u64 n)
{
	return test_rand(&p->rng) % n;
}

static u32 rnd_prot(struct prop *p)
{
	u32 mask = pt_prot_mask(p->fmt), prot = PT_PROT_R;

	for (u32 b = PT_PROT_W; b <= PT_PROT_DEVICE; b <<= 1)
		if ((mask & b) && rnd(p, 2))
			prot |= b;
	return prot;
}

static void check_addr(struct prop *p, u64 a, const char *what)
{
	const struct iv *e = ivmap_find(&p->iv, a);
	struct pt_mapping m;
	struct ref_result r;
	int rc = pt_lookup(&p->pt, a, &m);
	u64 out;

	ref_walk(&p->regs, a, 0, &r);
	if (!e) {
		if (rc == -E_NOENT && r.fault == REF_F_TRANSLATION)
			return;
		fail_msg("%s op %llu %s @%#llx: expected unmapped, lib rc %d out %#llx, model %s",
			 pt_format_name(p->fmt), (unsigned long long)p->ops, what,
			 (unsigned long long)a, rc, (unsigned long long)m.out.v,
			 ref_fault_name(r.fault));
	}
	out = e->out + (a - e->start);
	if (rc || m.out.v != out || m.prot != e->prot || r.fault || r.out != out ||
	    r.perms != expected_perms(p->fmt, e->prot) || r.size != m.leaf_size)
		fail_msg("%s op %llu %s @%#llx: expected %#llx prot %#x; lib rc %d %#llx prot %#x "
			 "size %#llx; model %s %#llx perms %#x size %#llx",
			 pt_format_name(p->fmt), (unsigned long long)p->ops, what,
			 (unsigned long long)a, (unsigned long long)out, e->prot, rc,
			 (unsigned long long)m.out.v, m.prot, (unsigned long long)m.leaf_size,
			 ref_fault_name(r.fault), (unsigned long long)r.out, r.perms,
			 (unsigned long long)r.size);
}

/* The whole window: the library's extents are exactly the interval map's mapped set. */
static void check_extents(struct prop *p)
{
	u64 a = p->win, end = p->win + WINDOW, total = 0, expect = 0;
	struct pt_extent x;

	while (a < end && !pt_lookup_next(&p->pt, a, end, &x)) {
		/* One leaf may cover several intervals that happen to be contiguous. */
		for (u64 c = x.in; c < x.in + x.size;) {
			const struct iv *e = ivmap_find(&p->iv, c);

			if (!e || x.in < a || x.prot != e->prot ||
			    x.out.v + (c - x.in) != e->out + (c - e->start))
				fail_msg("%s op %llu: extent %#llx+%#llx -> %#llx prot %#x: %#llx "
					 "not in the map",
					 pt_format_name(p->fmt), (unsigned long long)p->ops,
					 (unsigned long long)x.in, (unsigned long long)x.size,
					 (unsigned long long)x.out.v, x.prot,
					 (unsigned long long)c);
			c = MIN(e->end, x.in + x.size);
		}
		total += x.size;
		a = x.in + x.size;
	}
	for (size_t i = 0; i < p->iv.n; i++)
		expect += p->iv.v[i].end - p->iv.v[i].start;
	assert_int_equal(total, expect);
}

struct op {
	bool map;
	u64 in, size, out;
	u32 prot;
};

/* Sizes: mostly small, some 2M-aligned, some odd hundreds of pages, a few 1G. */
static void gen_op(struct prop *p, struct op *op)
{
	u64 c = rnd(p, 100), gran = SZ_4K, oal;

	op->map = rnd(p, 100) < 60;
	op->prot = rnd_prot(p);
	if (c < 55) {
		op->size = (1 + rnd(p, 16)) * SZ_4K;
	} else if (c < 80) {
		op->size = (1 + rnd(p, 3)) * SZ_2M;
		gran = SZ_2M;
	} else if (c < 97) {
		op->size = (1 + rnd(p, 300)) * SZ_4K;
	} else {
		op->size = SZ_1G;
		gran = SZ_1G;
	}
	op->in = p->win + rnd(p, (WINDOW - op->size) / gran + 1) * gran;
	/* Outputs: aligned like the input most of the time, so blocks are possible. */
	oal = rnd(p, 10) < 8 ? gran : (gran == SZ_1G ? SZ_2M : SZ_4K);
	op->out = p->out_base + rnd(p, (8 * SZ_1G) / oal) * oal;
	/* Re-map: write over an existing mapping with its own translation (merges back). */
	if (op->map && p->iv.n && rnd(p, 100) < 20) {
		const struct iv *e = &p->iv.v[rnd(p, p->iv.n)];
		u64 pages = (e->end - e->start) / SZ_4K, first = rnd(p, pages);

		op->in = e->start + first * SZ_4K;
		op->size = (1 + rnd(p, pages - first)) * SZ_4K;
		op->out = e->out + first * SZ_4K;
	}
}

static bool in_range(u64 start, u64 end, u64 a)
{
	return start != end && a >= start && (end == 0 || a < end);
}

static bool in_gather(const struct prop *p, u64 a)
{
	return in_range(p->g.start, p->g.end, a) || in_range(p->fl_start, p->fl_end, a);
}

/* The probes of one step: the edges of the range, inside it, and anywhere. */
static unsigned probes_of(struct prop *p, const struct op *op, u64 *pr)
{
	unsigned n = 0;

	pr[n++] = op->in;
	pr[n++] = op->in + op->size - SZ_4K;
	pr[n++] = op->in + rnd(p, op->size / SZ_4K) * SZ_4K;
	if (op->in + op->size < p->win + WINDOW)
		pr[n++] = op->in + op->size;
	if (op->in > p->win)
		pr[n++] = op->in - SZ_4K;
	pr[n++] = p->win + rnd(p, WINDOW / SZ_4K) * SZ_4K;
	pr[n++] = p->win + rnd(p, WINDOW / SZ_4K) * SZ_4K + rnd(p, SZ_4K);
	return n;
}

static void prop_step(struct prop *p)
{
	struct op op;
	u64 pr[8];
	const struct iv *before[8];
	struct iv saved[8];
	unsigned n;
	int rc;

	gen_op(p, &op);
	n = probes_of(p, &op, pr);
	for (unsigned i = 0; i < n; i++) {
		before[i] = ivmap_find(&p->iv, pr[i]);
		if (before[i])
			saved[i] = *before[i];
	}
	if (rnd(p, 512) == 0)
		p->h.fail_after = (long)rnd(p, 3);
	rc = op.map ? pt_map(&p->pt, op.in, pa(op.out), op.size, op.prot, &p->g)
		    : pt_unmap(&p->pt, op.in, op.size, &p->g);
	p->h.fail_after = -1;
	if (rc == -E_NOMEM) {
		p->nomem++; /* nothing changed: the interval map stays as it was */
	} else if (rc) {
		fail_msg("%s op %llu: %s returned %d", pt_format_name(p->fmt),
			 (unsigned long long)p->ops, op.map ? "map" : "unmap", rc);
	} else if (op.map) {
		ivmap_set(&p->iv, op.in, op.in + op.size, op.out, op.prot);
	} else {
		ivmap_clear(&p->iv, op.in, op.in + op.size);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct iv *now = ivmap_find(&p->iv, pr[i]);
		bool changed = !now != !before[i] ||
			       (now && (now->prot != saved[i].prot ||
					now->out - now->start != saved[i].out - saved[i].start));

		check_addr(p, pr[i], "probe");
		if (changed && !in_gather(p, pr[i]))
			fail_msg("%s op %llu: %#llx changed outside the gather [%#llx, %#llx) "
				 "(%s %#llx+%#llx rc %d)",
				 pt_format_name(p->fmt), (unsigned long long)p->ops,
				 (unsigned long long)pr[i], (unsigned long long)p->g.start,
				 (unsigned long long)p->g.end, op.map ? "map" : "unmap",
				 (unsigned long long)op.in, (unsigned long long)op.size, rc);
	}
	pt_gather_sync(&p->g, &p->pt);
	p->fl_start = p->fl_end = 0;
	if (p->ops % 100000 == 99999)
		check_extents(p);
	if (p->debug)
		for (u64 a = p->win; a < p->win + WINDOW; a += SZ_2M)
			check_addr(p, a, "debug");
	p->ops++;
}

static void prop_finish(struct prop *p)
{
	/* Every interval still translates, then unmapping everything frees every table. */
	check_extents(p);
	for (size_t i = 0; i < p->iv.n; i++) {
		check_addr(p, p->iv.v[i].start, "final-first");
		check_addr(p, p->iv.v[i].end - SZ_4K, "final-last");
	}
	assert_int_equal(pt_unmap(&p->pt, p->win, WINDOW, &p->g), 0);
	pt_gather_sync(&p->g, &p->pt);
	assert_int_equal(p->pt.tables, p->pt.root_frames);
	pt_destroy(&p->pt);
	assert_int_equal(p->h.live, 0);
	ivmap_free(&p->iv);
}

static void run_format(enum pt_format fmt, unsigned ias, u64 nops)
{
	static struct prop p;

	prop_init(&p, fmt, ias, NULL, 0x9e3779b97f4a7c15ULL ^ (fmt * 131 + ias));
	nops = ops_scale(nops);
	while (p.ops < nops)
		prop_step(&p);
	print_message("%s/%u: %llu ops, %llu refused for memory, %zu intervals at the end\n",
		      pt_format_name(fmt), ias, (unsigned long long)p.ops,
		      (unsigned long long)p.nomem, p.iv.n);
	prop_finish(&p);
}

#define MILLION 1000000ULL

static void arm_s1_random_sequences(void **state)
{
	run_format(PT_ARM_S1, 48, MILLION);
	run_format(PT_ARM_S1, 39, MILLION / 50);
	(void)state;
}

static void arm_el2_random_sequences(void **state)
{
	run_format(PT_ARM_EL2, 48, MILLION / 10);
	(void)state;
}

static void arm_s2_random_sequences(void **state)
{
	run_format(PT_ARM_S2, 40, MILLION); /* concatenated level-1 root */
	run_format(PT_ARM_S2, 48, MILLION / 50);
	run_format(PT_ARM_S2, 33, MILLION / 50); /* 8 concatenated level-2 tables */
	run_format(PT_ARM_S2, 43, MILLION / 50); /* 16 concatenated level-1 tables */
	(void)state;
}

static void x86_64_random_sequences(void **state)
{
	run_format(PT_X86_64, 57, MILLION);
	run_format(PT_X86_64, 48, MILLION / 50);
	(void)state;
}

static void vtd_ss_random_sequences(void **state)
{
	run_format(PT_VTD_SS, 48, MILLION);
	run_format(PT_VTD_SS, 39, MILLION / 50);
	run_format(PT_VTD_SS, 57, MILLION / 50);
	(void)state;
}

static void amd_v1_random_sequences(void **state)
{
	run_format(PT_AMD_V1, 48, MILLION);
	run_format(PT_AMD_V1, 39, MILLION / 50);
	run_format(PT_AMD_V1, 64, MILLION / 50);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arm_s1_random_sequences),
		cmocka_unit_test(arm_el2_random_sequences),
		cmocka_unit_test(arm_s2_random_sequences),
		cmocka_unit_test(x86_64_random_sequences),
		cmocka_unit_test(vtd_ss_random_sequences),
		cmocka_unit_test(amd_v1_random_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
