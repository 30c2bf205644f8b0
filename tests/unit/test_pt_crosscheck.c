// SPDX-License-Identifier: MIT
/*
 * The library and the reference walkers against each other:
 * - one descriptor bit flipped in a library-built table makes the model disagree with the
 *   expectation (the model checks the bits, it does not just echo the library);
 * - nested translation: stage-1 tables built by the library at guest-physical addresses, a
 *   stage-2 built by the library, random changes to both, and the 2D reference walk checked
 *   against the composition of two interval maps. Stage-1 table memory is reachable only
 *   through its stage-2 alias, so a walk that forgot to translate a table address fails.
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

static unsigned expected_perms(enum pt_format fmt, u32 prot)
{
	unsigned p = REF_R, x = (prot & PT_PROT_X) ? REF_XP | REF_XU : 0;

	p |= (prot & PT_PROT_W) ? REF_W : 0;
	p |= (prot & PT_PROT_DEVICE) ? REF_DEV : 0;
	switch (fmt) {
	case PT_ARM_S1: return p | ((prot & PT_PROT_U) ? REF_U | (x & REF_XU) : (x & REF_XP));
	case PT_X86_64: return p | x | ((prot & PT_PROT_U) ? REF_U : 0);
	case PT_ARM_EL2: return p | (x & REF_XP); /* one privilege level */
	case PT_AMD_V1: return p | REF_U;
	default: return p | x | REF_U;
	}
}

static void regs_of(const struct pt *pt, struct ref_regs *r)
{
	static const enum ref_arch arch[PT__FORMATS] = {
		[PT_ARM_S1] = REF_ARM_S1, [PT_ARM_S2] = REF_ARM_S2, [PT_X86_64] = REF_IA32E,
		[PT_VTD_SS] = REF_VTD_SL, [PT_AMD_V1] = REF_AMD_V1, [PT_ARM_EL2] = REF_ARM_EL2,
	};
	struct pt_hw_desc d;

	pt_hw_describe(pt, &d);
	memset(r, 0, sizeof(*r));
	r->arch = arch[pt->cfg.fmt];
	r->root = d.root.v;
	r->oa_bits = pt->cfg.oas;
	r->t0sz = d.arm_t0sz;
	r->sl0 = d.arm_sl0;
	r->mair = PT_ARM_S1_MAIR;
	r->levels = pt->cfg.fmt == PT_VTD_SS ? d.vtd_aw + 2 : d.levels; /* AW 1 = 3 levels */
}

/* ---- one flipped bit ----------------------------------------------------------------------- */

struct corrupt_case {
	enum pt_format fmt;
	unsigned ias;
	u32 prot;
	u8 bits4k[10], bits2m[10]; /* 0-terminated after the first entry (bit 0 comes first) */
};

static const struct corrupt_case corrupt_cases[] = {
	{ PT_ARM_S1,
	  48,
	  PT_PROT_R | PT_PROT_W | PT_PROT_U,
	  { 0, 1, 6, 7, 10, 12, 30, 48, 54 },
	  { 0, 6, 7, 10, 13, 21, 48, 54 } },
	{ PT_ARM_EL2,
	  48,
	  PT_PROT_R | PT_PROT_W,
	  { 0, 1, 4, 6, 7, 10, 12, 48, 53, 54 },
	  { 0, 6, 7, 10, 13, 21, 48, 53, 54 } },
	{ PT_ARM_S2,
	  40,
	  PT_PROT_R | PT_PROT_W,
	  { 0, 1, 6, 7, 10, 12, 40, 48, 54 },
	  { 0, 6, 7, 10, 13, 22, 54 } },
	{ PT_X86_64,
	  48,
	  PT_PROT_R | PT_PROT_W | PT_PROT_U,
	  { 0, 1, 2, 4, 12, 40, 50, 63 },
	  { 0, 1, 2, 13, 21, 50, 63 } },
	{ PT_VTD_SS, 48, PT_PROT_R | PT_PROT_W, { 0, 1, 2, 12, 33, 50 }, { 0, 1, 2, 14, 21, 50 } },
	{ PT_AMD_V1,
	  48,
	  PT_PROT_R | PT_PROT_W,
	  { 0, 9, 12, 50, 61, 62 },
	  { 0, 10, 21, 50, 61, 62 } },
};

static bool model_agrees(const struct ref_regs *r, u64 in, u64 out, u64 size, unsigned perms,
			 struct ref_result *res)
{
	ref_walk(r, in, 0, res);
	return res->fault == REF_OK && res->out == out && res->size == size && res->perms == perms;
}

static void flip_each(const struct corrupt_case *c, const struct ref_regs *r, const u8 *bitlist,
		      u64 in, u64 out, u64 size)
{
	unsigned perms = expected_perms(c->fmt, c->prot);
	struct ref_result res;
	u64 *desc;

	assert_true(model_agrees(r, in, out, size, perms, &res));
	desc = (u64 *)(uintptr_t)res.last_desc;
	for (unsigned i = 0; i < 10 && (i == 0 || bitlist[i]); i++) {
		*desc ^= 1ULL << bitlist[i];
		if (model_agrees(r, in, out, size, perms, &res))
			fail_msg("%s: bit %u of the %#llx-byte leaf flipped, model still agrees",
				 pt_format_name(c->fmt), bitlist[i], (unsigned long long)size);
		*desc ^= 1ULL << bitlist[i];
		assert_true(model_agrees(r, in, out, size, perms, &res));
	}
}

static void one_flipped_bit_makes_the_model_disagree(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(corrupt_cases); i++) {
		const struct corrupt_case *c = &corrupt_cases[i];
		struct pt_config cfg = { .fmt = c->fmt, .ias = c->ias, .oas = 48 };
		struct pt_host_alloc h;
		struct ref_regs r;
		struct pt_gather g;
		struct pt pt;

		pt_host_alloc_init(&h);
		cfg.alloc = &h.a;
		pt_gather_init(&g, NULL);
		assert_int_equal(pt_init(&pt, &cfg), 0);
		assert_int_equal(pt_map(&pt, 0x40001000, pa(0x80005000), SZ_4K, c->prot, &g), 0);
		assert_int_equal(pt_map(&pt, 0x40400000, pa(0x80800000), SZ_2M, c->prot, &g), 0);
		regs_of(&pt, &r);
		flip_each(c, &r, c->bits4k, 0x40001000, 0x80005000, SZ_4K);
		flip_each(c, &r, c->bits2m, 0x40400000, 0x80800000, SZ_2M);
		pt_gather_sync(&g, &pt);
		pt_destroy(&pt);
		assert_int_equal(h.live, 0);
	}
	(void)state;
}

/* ---- nested --------------------------------------------------------------------------------- */

#define POOL_FRAMES 1024
#define ALIAS (1ULL << 44)    /* "physical" address of the stage-1 table pool */
#define S1_WIN (1ULL << 45)   /* stage-1 input window base */
#define IPA_DATA (1ULL << 36) /* stage-1 outputs (guest-physical) */
#define PA_DATA (1ULL << 40)  /* stage-2 outputs */
#define DATA_SPAN (8 * SZ_1G)

/* Stage-1 table frames come from one pool whose guest-physical address is its host address. */
struct pool {
	struct pt_allocator a;
	u8 *mem;
	u8 used[POOL_FRAMES];
	u64 live;
};

static int pool_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	struct pool *p = container_of(a, struct pool, a);

	for (unsigned i = 0; nframes == 1 && i < POOL_FRAMES; i++) {
		if (!p->used[i]) {
			p->used[i] = 1;
			p->live++;
			*out = pa((u64)(uintptr_t)(p->mem + i * SZ_4K));
			return 0;
		}
	}
	return -E_NOMEM;
}

static void pool_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	struct pool *p = container_of(a, struct pool, a);
	u64 i = (base.v - (u64)(uintptr_t)p->mem) / SZ_4K;

	assert_true(i < POOL_FRAMES && p->used[i] && nframes == 1);
	memset(p->mem + i * SZ_4K, 0x6b, SZ_4K);
	p->used[i] = 0;
	p->live--;
}

static struct pool pool;
static u64 alias_violations;
static uint64_t (*saved_read64)(uint64_t);

/* Model memory: the pool is readable only at its stage-2 alias. */
static uint64_t nested_read64(uint64_t addr)
{
	u64 base = (u64)(uintptr_t)pool.mem, span = POOL_FRAMES * SZ_4K;

	if (addr >= ALIAS && addr < ALIAS + span)
		return *(const u64 *)(uintptr_t)(base + (addr - ALIAS));
	if (addr >= base && addr < base + span) {
		alias_violations++;
		return 0;
	}
	return *(const u64 *)(uintptr_t)addr;
}

struct nested {
	enum pt_format f1, f2;
	struct pt s1, s2;
	struct pt_host_alloc h2;
	struct pt_gather g;
	struct ivmap iv1, iv2;
	struct ref_regs r1, r2;
	u64 rng, ops;
};

static u64 nrnd(struct nested *n, u64 k)
{
	return test_rand(&n->rng) % k;
}

static u32 nprot(struct nested *n, enum pt_format f)
{
	u32 mask = pt_prot_mask(f) & ~PT_PROT_DEVICE, prot = PT_PROT_R;

	for (u32 b = PT_PROT_W; b <= PT_PROT_U; b <<= 1)
		if ((mask & b) && nrnd(n, 3))
			prot |= b;
	return prot;
}

static void nested_expect(struct nested *n, u64 va, unsigned acc, struct ref_result *exp)
{
	const struct iv *e1 = ivmap_find(&n->iv1, va), *e2;
	u64 ipa;
	unsigned p1, p2;

	memset(exp, 0, sizeof(*exp));
	if (!e1) {
		exp->fault = REF_F_TRANSLATION;
		exp->stage = 1;
		return;
	}
	ipa = e1->out + (va - e1->start);
	p1 = expected_perms(n->f1, e1->prot);
	if ((acc & REF_ACC_W) && !(p1 & REF_W)) {
		exp->fault = REF_F_PERMISSION;
		exp->stage = 1;
		return;
	}
	e2 = ivmap_find(&n->iv2, ipa);
	if (!e2) {
		exp->fault = REF_F_TRANSLATION;
		exp->stage = 2;
		return;
	}
	p2 = expected_perms(n->f2, e2->prot);
	if ((acc & REF_ACC_W) && !(p2 & REF_W)) {
		exp->fault = REF_F_PERMISSION;
		exp->stage = 2;
		return;
	}
	exp->out = e2->out + (ipa - e2->start);
	exp->perms = p1 & p2;
}

static void nested_probe(struct nested *n, u64 va)
{
	unsigned acc = nrnd(n, 2) ? REF_ACC_R : REF_ACC_W;
	struct ref_result exp, got;

	nested_expect(n, va, acc, &exp);
	ref_walk_nested(&n->r1, &n->r2, va, acc, &got);
	if (got.fault != exp.fault || got.stage != exp.stage || got.on_s1_walk ||
	    (!exp.fault && (got.out != exp.out || got.perms != exp.perms)))
		fail_msg("%s over %s op %llu va %#llx acc %u: expected %s/%u %#llx perms %#x, "
			 "model %s/%u%s %#llx perms %#x",
			 pt_format_name(n->f1), pt_format_name(n->f2), (unsigned long long)n->ops,
			 (unsigned long long)va, acc, ref_fault_name(exp.fault), exp.stage,
			 (unsigned long long)exp.out, exp.perms, ref_fault_name(got.fault),
			 got.stage, got.on_s1_walk ? " (s1 walk)" : "", (unsigned long long)got.out,
			 got.perms);
}

/* One random change to stage 1 (VA -> IPA) or stage 2 (IPA -> PA). */
static void nested_step(struct nested *n)
{
	bool s1 = nrnd(n, 2), map = nrnd(n, 100) < 60;
	u64 c = nrnd(n, 100), gran = c < 70 ? SZ_4K : SZ_2M;
	u64 size = c < 70 ? (1 + nrnd(n, 16)) * SZ_4K : (1 + nrnd(n, 2)) * SZ_2M;
	u64 base = s1 ? S1_WIN : IPA_DATA, span = s1 ? SZ_1G : DATA_SPAN;
	u64 in = base + nrnd(n, (span - size) / gran + 1) * gran;
	u64 out = (s1 ? IPA_DATA : PA_DATA) + nrnd(n, (DATA_SPAN - size) / gran + 1) * gran;
	struct pt *pt = s1 ? &n->s1 : &n->s2;
	struct ivmap *iv = s1 ? &n->iv1 : &n->iv2;
	u32 prot = nprot(n, s1 ? n->f1 : n->f2);

	if (map) {
		assert_int_equal(pt_map(pt, in, pa(out), size, prot, &n->g), 0);
		ivmap_set(iv, in, in + size, out, prot);
	} else {
		assert_int_equal(pt_unmap(pt, in, size, &n->g), 0);
		ivmap_clear(iv, in, in + size);
	}
	pt_gather_sync(&n->g, pt);
	if (s1) {
		nested_probe(n, in);
		nested_probe(n, in + size - SZ_4K);
	}
	for (int k = 0; k < 4 && n->iv1.n; k++) { /* through existing stage-1 mappings */
		const struct iv *e = &n->iv1.v[nrnd(n, n->iv1.n)];

		nested_probe(n, e->start + nrnd(n, (e->end - e->start) / SZ_4K) * SZ_4K);
	}
	nested_probe(n, S1_WIN + nrnd(n, SZ_1G / SZ_4K) * SZ_4K);
	n->ops++;
}

/* The stage-1 root's own guest-physical page unmapped at stage 2: a fault on the S1 walk. */
static void nested_root_fetch_fault(struct nested *n)
{
	u64 root = n->s1.root.v;
	struct ref_result got;

	assert_int_equal(pt_unmap(&n->s2, root, SZ_4K, &n->g), 0);
	pt_gather_sync(&n->g, &n->s2);
	ref_walk_nested(&n->r1, &n->r2, S1_WIN, REF_ACC_R, &got);
	assert_int_equal(got.fault, REF_F_TRANSLATION);
	assert_int_equal(got.stage, 2);
	assert_true(got.on_s1_walk);
	assert_int_equal(got.fetch_ipa & ~(SZ_4K - 1), root);
	assert_int_equal(got.s1_level, n->f1 == PT_ARM_S1 ? 0 : n->s1.levels);
	assert_int_equal(pt_map(&n->s2, root, pa(ALIAS + (root - (u64)(uintptr_t)pool.mem)), SZ_4K,
				PT_PROT_R | PT_PROT_W, &n->g),
			 0);
}

static void run_nested(enum pt_format f1, enum pt_format f2, u64 nops)
{
	static struct nested n;
	struct pt_config c1 = { .fmt = f1, .ias = 48, .oas = 48, .alloc = &pool.a };
	struct pt_config c2 = { .fmt = f2, .ias = 48, .oas = 48 };
	u64 span = POOL_FRAMES * SZ_4K;
	const char *soak = getenv("MOAT_SOAK");

	memset(&n, 0, sizeof(n));
	n.f1 = f1;
	n.f2 = f2;
	n.rng = 0x2545f4914f6cdd1dULL ^ (f1 * 7 + f2);
	pt_host_alloc_init(&n.h2);
	c2.alloc = &n.h2.a;
	pt_gather_init(&n.g, NULL);
	ivmap_init(&n.iv1);
	ivmap_init(&n.iv2);
	assert_int_equal(pt_init(&n.s1, &c1), 0);
	assert_int_equal(pt_init(&n.s2, &c2), 0);
	/* Stage 2 maps the pool's guest-physical range (its host address) to the alias. */
	assert_int_equal(pt_map(&n.s2, (u64)(uintptr_t)pool.mem, pa(ALIAS), span,
				PT_PROT_R | PT_PROT_W, &n.g),
			 0);
	regs_of(&n.s1, &n.r1);
	regs_of(&n.s2, &n.r2);
	ref_read64 = nested_read64;
	alias_violations = 0;
	if (soak && *soak && strcmp(soak, "0"))
		nops *= 20;
	while (n.ops < nops)
		nested_step(&n);
	nested_root_fetch_fault(&n);
	assert_int_equal(alias_violations, 0);
	print_message("%s over %s: %llu ops\n", pt_format_name(f1), pt_format_name(f2),
		      (unsigned long long)n.ops);
	pt_gather_sync(&n.g, &n.s2);
	pt_destroy(&n.s1);
	pt_destroy(&n.s2);
	assert_int_equal(pool.live, 0);
	assert_int_equal(n.h2.live, 0);
	ivmap_free(&n.iv1);
	ivmap_free(&n.iv2);
}

static int nested_setup(void **state)
{
	void *mem = NULL;

	memset(&pool, 0, sizeof(pool));
	assert_int_equal(posix_memalign(&mem, SZ_2M, POOL_FRAMES * SZ_4K), 0);
	pool.mem = mem;
	pool.a.alloc = pool_alloc;
	pool.a.free = pool_free;
	saved_read64 = ref_read64;
	(void)state;
	return 0;
}

static int nested_teardown(void **state)
{
	ref_read64 = saved_read64;
	free(pool.mem);
	(void)state;
	return 0;
}

static void nested_arm_s1_over_s2(void **state)
{
	run_nested(PT_ARM_S1, PT_ARM_S2, 100000);
	(void)state;
}

static void nested_x86_over_vtd_second_stage(void **state)
{
	run_nested(PT_X86_64, PT_VTD_SS, 100000);
	(void)state;
}

static void nested_x86_over_amd_v1(void **state)
{
	run_nested(PT_X86_64, PT_AMD_V1, 100000);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_flipped_bit_makes_the_model_disagree),
		cmocka_unit_test_setup_teardown(nested_arm_s1_over_s2, nested_setup,
						nested_teardown),
		cmocka_unit_test_setup_teardown(nested_x86_over_vtd_second_stage, nested_setup,
						nested_teardown),
		cmocka_unit_test_setup_teardown(nested_x86_over_amd_v1, nested_setup,
						nested_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
