// SPDX-License-Identifier: MIT
/*
 * Reference walkers (see ref_walk.h). Every field position below is taken from the manual
 * section named next to it; nothing is shared with lib/pt.
 */
#include "ref_walk.h"

#include <string.h>

static uint64_t ref_read_host(uint64_t pa)
{
	return *(const volatile uint64_t *)(uintptr_t)pa;
}

uint64_t (*ref_read64)(uint64_t pa) = ref_read_host;

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & ((hi - lo == 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

static uint64_t mask_range(unsigned hi, unsigned lo) /* bits hi..lo set */
{
	if (hi < lo)
		return 0;
	return ((hi == 63) ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
}

/* A walk in progress: where faults go, and the stage 2 that table addresses go through. */
struct walk {
	const struct ref_regs *s2; /* non-NULL: descriptors are addressed by IPA */
	struct ref_result *res;
	unsigned stage;
};

static void fail(struct walk *w, enum ref_fault f, int level)
{
	w->res->fault = f;
	w->res->stage = w->stage;
	w->res->level = level;
}

/* Reads descriptor `idx` of the table at `table`; false (fault recorded) if it cannot. */
static bool fetch(struct walk *w, uint64_t table, uint64_t idx, int level, uint64_t *desc)
{
	uint64_t a = table + idx * 8;

	if (w->s2) {
		struct ref_result r2;

		ref_walk(w->s2, a, REF_ACC_R, &r2);
		if (r2.fault) {
			*w->res = r2;
			w->res->stage = 2;
			w->res->on_s1_walk = true;
			w->res->s1_level = (unsigned)level;
			w->res->fetch_ipa = a;
			return false;
		}
		a = r2.out;
	}
	*desc = ref_read64(a);
	w->res->last_desc = a;
	return true;
}

static void leaf(struct walk *w, uint64_t in, uint64_t oa, uint64_t size, unsigned perms, int lvl)
{
	w->res->out = oa | (in & (size - 1));
	w->res->size = size;
	w->res->perms = perms;
	w->res->level = lvl;
}

/* ---- Arm VMSAv8-64, 4 KiB granule (DDI 0487 D8.2, D8.3, D8.4) -------------------------- */

struct arm_geo {
	unsigned ias, start, start_bits;
};

static bool arm_geometry(const struct ref_regs *r, struct walk *w, struct arm_geo *g)
{
	bool s2 = r->arch == REF_ARM_S2;

	if (r->t0sz < 16 || r->t0sz > 39 || r->oa_bits < 32 || r->oa_bits > 48) {
		fail(w, REF_F_CONFIG, -1);
		return false;
	}
	g->ias = 64 - r->t0sz;
	if (!s2) { /* D8.2: T0SZ 16..24 start at level 0, 25..33 level 1, 34..39 level 2 */
		g->start = r->t0sz <= 24 ? 0 : r->t0sz <= 33 ? 1 : 2;
	} else { /* VTCR_EL2.SL0 with TG0 = 4 KiB: 0 -> level 2, 1 -> level 1, 2 -> level 0 */
		if (r->sl0 > 2) {
			fail(w, REF_F_CONFIG, -1);
			return false;
		}
		g->start = 2 - r->sl0;
	}
	g->start_bits = g->ias - (12 + 9 * (3 - g->start));
	/* At most 16 concatenated tables at stage 2 (none at level 0); one table at stage 1. */
	if ((int)g->start_bits < 1 || g->start_bits > (s2 && g->start ? 13u : 9u)) {
		fail(w, REF_F_CONFIG, -1);
		return false;
	}
	/* The base is aligned to the size of the (concatenated) initial table. */
	if (r->root & ((8ULL << g->start_bits) - 1)) {
		fail(w, REF_F_CONFIG, -1);
		return false;
	}
	return true;
}

static unsigned arm_s1_perms(uint64_t d, uint64_t mair, bool ap_t0, bool ap_t1, bool uxn_t,
			     bool pxn_t)
{
	unsigned p = REF_R, attr = (unsigned)bits(d, 4, 2);
	bool el0 = bits(d, 6, 6) && !ap_t0, ro = bits(d, 7, 7) || ap_t1;

	if (!ro)
		p |= REF_W;
	if (el0)
		p |= REF_U;
	if (!bits(d, 54, 54) && !uxn_t)
		p |= REF_XU;
	/* D8.4: memory writable at EL0 is never executable at EL1. */
	if (!bits(d, 53, 53) && !pxn_t && !(el0 && !ro))
		p |= REF_XP;
	if (bits(mair, attr * 8 + 7, attr * 8 + 4) == 0)
		p |= REF_DEV;
	return p;
}

static unsigned arm_s2_perms(uint64_t d)
{
	unsigned p = REF_U, xn = (unsigned)bits(d, 54, 53); /* FEAT_XNX */

	p |= bits(d, 6, 6) ? REF_R : 0;
	p |= bits(d, 7, 7) ? REF_W : 0;
	p |= (xn == 0 || xn == 1) ? REF_XU : 0;
	p |= (xn == 0 || xn == 3) ? REF_XP : 0;
	p |= bits(d, 5, 4) == 0 ? REF_DEV : 0; /* MemAttr[3:2] == 0: Device */
	return p;
}

/* EL2 regime (D8.4, one privilege level): RES1/RES0 bits checked, see ref_walk.h. */
static bool arm_el2_leaf_ok(uint64_t d)
{
	return bits(d, 6, 6) && !bits(d, 53, 53);
}

static unsigned arm_el2_perms(uint64_t d, uint64_t mair, bool ap_t1, bool xn_t)
{
	unsigned p = REF_R, attr = (unsigned)bits(d, 4, 2);

	if (!bits(d, 7, 7) && !ap_t1)
		p |= REF_W;
	if (!bits(d, 54, 54) && !xn_t)
		p |= REF_XP;
	if (bits(mair, attr * 8 + 7, attr * 8 + 4) == 0)
		p |= REF_DEV;
	return p;
}

static void arm_walk(const struct ref_regs *r, uint64_t in, struct walk *w)
{
	bool el2 = r->arch == REF_ARM_EL2;
	bool s2 = r->arch == REF_ARM_S2, ap_t0 = false, ap_t1 = false, uxn_t = false, pxn_t = false;
	struct arm_geo g;
	uint64_t table = r->root, d;

	if (!arm_geometry(r, w, &g))
		return;
	if (in >> g.ias) { /* outside the input range: translation fault */
		fail(w, REF_F_TRANSLATION, s2 ? (int)g.start : 0);
		return;
	}
	for (unsigned lvl = g.start;; lvl++) {
		unsigned shift = 12 + 9 * (3 - lvl);
		uint64_t n = lvl == g.start ? (1ULL << g.start_bits) : 512, oa;

		if (!fetch(w, table, (in >> shift) & (n - 1), (int)lvl, &d))
			return;
		/* D8.3: bit 0 clear, a level-3 "block" and a level-0 block are invalid. */
		if (!(d & 1) || (lvl == 3 && !(d & 2)) || (lvl == 0 && !(d & 2))) {
			fail(w, REF_F_TRANSLATION, (int)lvl);
			return;
		}
		oa = d & mask_range(47, 12);
		if ((d & mask_range(51, 48)) || (oa >> r->oa_bits)) {
			fail(w, REF_F_ADDRSIZE, (int)lvl);
			return;
		}
		if (lvl < 3 && (d & 2)) {
			if (el2 && (bits(d, 59, 59) || bits(d, 61, 61))) {
				fail(w, REF_F_RESERVED, (int)lvl); /* PXNTable, APTable[0]: RES0 */
				return;
			}
			if (!s2) { /* D8.4.2 hierarchical controls */
				pxn_t |= bits(d, 59, 59);
				uxn_t |= bits(d, 60, 60);
				ap_t0 |= bits(d, 61, 61);
				ap_t1 |= bits(d, 62, 62);
			}
			table = oa;
			continue;
		}
		if (oa & ((1ULL << shift) - 1)) { /* RES0 low output bits of a block */
			fail(w, REF_F_RESERVED, (int)lvl);
			return;
		}
		if (el2 && !arm_el2_leaf_ok(d)) {
			fail(w, REF_F_RESERVED, (int)lvl);
			return;
		}
		if (!bits(d, 10, 10)) {
			fail(w, REF_F_ACCESS, (int)lvl);
			return;
		}
		leaf(w, in, oa, 1ULL << shift,
		     s2	   ? arm_s2_perms(d)
		     : el2 ? arm_el2_perms(d, r->mair, ap_t1, uxn_t)
			   : arm_s1_perms(d, r->mair, ap_t0, ap_t1, uxn_t, pxn_t),
		     (int)lvl);
		return;
	}
}

/* ---- x86 IA-32e paging (SDM vol. 3A 4.5, tables 4-15..4-20) ------------------------------ */

static void ia32e_walk(const struct ref_regs *r, uint64_t in, struct walk *w)
{
	unsigned ias, rw = 1, us = 1, xd = 0;
	uint64_t table = r->root, d, top;

	if ((r->levels != 4 && r->levels != 5) || r->oa_bits > 52 || r->root & 0xfff) {
		fail(w, REF_F_CONFIG, -1);
		return;
	}
	ias = 12 + 9 * r->levels;
	top = in >> (ias - 1); /* canonical: bits 63..ias-1 all equal */
	if (top != 0 && top != (~0ULL >> (ias - 1))) {
		fail(w, REF_F_TRANSLATION, (int)r->levels);
		return;
	}
	for (unsigned lvl = r->levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		bool ps;

		if (!fetch(w, table, (in >> shift) & 511, (int)lvl, &d))
			return;
		if (!(d & 1)) {
			fail(w, REF_F_TRANSLATION, (int)lvl);
			return;
		}
		ps = lvl > 1 && bits(d, 7, 7);
		/* Reserved: address bits at or above MAXPHYADDR; PS in a PML4E/PML5E. */
		if ((d & mask_range(51, r->oa_bits)) || (ps && lvl >= 4)) {
			fail(w, REF_F_RESERVED, (int)lvl);
			return;
		}
		rw &= (unsigned)bits(d, 1, 1);
		us &= (unsigned)bits(d, 2, 2);
		xd |= (unsigned)bits(d, 63, 63);
		if (lvl == 1 || ps) {
			uint64_t size = 1ULL << shift, oa = d & mask_range(51, 12);
			unsigned p = REF_R;

			if (ps && (oa & mask_range(shift - 1, 13))) { /* bit 12 is PAT */
				fail(w, REF_F_RESERVED, (int)lvl);
				return;
			}
			p |= rw ? REF_W : 0;
			p |= us ? REF_U : 0;
			p |= xd ? 0 : REF_XP | REF_XU;
			p |= bits(d, 4, 4) ? REF_DEV : 0; /* PCD */
			leaf(w, in, oa & ~(size - 1), size, p, (int)lvl);
			return;
		}
		table = d & mask_range(51, 12);
	}
}

/* ---- VT-d second stage (VT-d 9.8, table of second-stage entries) ------------------------- */

static void vtd_sl_walk(const struct ref_regs *r, uint64_t in, struct walk *w)
{
	unsigned rd = 1, wr = 1, ex = 1;
	uint64_t table = r->root, d;

	if (r->levels < 3 || r->levels > 5 || r->oa_bits > 52 || r->root & 0xfff) {
		fail(w, REF_F_CONFIG, -1);
		return;
	}
	if (in >> (12 + 9 * r->levels)) { /* above the adjusted guest address width */
		fail(w, REF_F_ADDRSIZE, (int)r->levels);
		return;
	}
	for (unsigned lvl = r->levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		bool ps;

		if (!fetch(w, table, (in >> shift) & 511, (int)lvl, &d))
			return;
		if (!(d & 3)) { /* R = W = 0: not present */
			fail(w, REF_F_TRANSLATION, (int)lvl);
			return;
		}
		ps = lvl > 1 && bits(d, 7, 7);
		if ((d & mask_range(51, r->oa_bits)) || (ps && lvl >= 4)) {
			fail(w, REF_F_RESERVED, (int)lvl);
			return;
		}
		rd &= (unsigned)bits(d, 0, 0);
		wr &= (unsigned)bits(d, 1, 1);
		ex &= (unsigned)bits(d, 2, 2);
		if (lvl == 1 || ps) {
			uint64_t size = 1ULL << shift, oa = d & mask_range(51, 12);
			unsigned p = REF_U;

			if (oa & (size - 1)) {
				fail(w, REF_F_RESERVED, (int)lvl);
				return;
			}
			p |= rd ? REF_R : 0;
			p |= wr ? REF_W : 0;
			p |= ex ? REF_XP | REF_XU : 0;
			p |= bits(d, 5, 3) == 0 ? REF_DEV : 0; /* EMT = UC */
			leaf(w, in, oa, size, p, (int)lvl);
			return;
		}
		table = d & mask_range(51, 12);
	}
}

/* ---- AMD-Vi v1 host tables (AMD IOMMU 2.2.3, figures "I/O page table entries") ----------- */

static bool amd_leaf_size(uint64_t d, unsigned lvl, unsigned nl, uint64_t *size)
{
	uint64_t entry = 1ULL << (12 + 9 * (lvl - 1));
	unsigned n = 0;

	if (nl == 0) {
		*size = entry;
		return true;
	}
	while (n < 51 - 12 && bits(d, 12 + n, 12 + n)) /* Next Level 7: size in the address */
		n++;
	*size = 1ULL << (13 + n);
	return *size > entry && *size < entry * 512;
}

static void amd_v1_walk(const struct ref_regs *r, uint64_t in, struct walk *w)
{
	unsigned lvl = r->levels, ir = 1, iw = 1;
	uint64_t table = r->root, d;

	if (lvl < 1 || lvl > 6 || r->oa_bits > 52 || r->root & 0xfff) {
		fail(w, REF_F_CONFIG, -1);
		return;
	}
	if (lvl < 6 && (in >> (12 + 9 * lvl))) {
		fail(w, REF_F_TRANSLATION, (int)lvl);
		return;
	}
	for (;;) {
		unsigned shift = 12 + 9 * (lvl - 1), nl;
		uint64_t oa, size;

		if (!fetch(w, table, (in >> shift) & 511, (int)lvl, &d))
			return;
		if (!(d & 1)) {
			fail(w, REF_F_TRANSLATION, (int)lvl);
			return;
		}
		nl = (unsigned)bits(d, 11, 9);
		oa = d & mask_range(51, 12);
		ir &= (unsigned)bits(d, 61, 61);
		iw &= (unsigned)bits(d, 62, 62);
		if ((d & mask_range(51, r->oa_bits)) || (nl != 7 && nl >= lvl)) {
			fail(w, REF_F_RESERVED, (int)lvl);
			return;
		}
		if (nl == 0 || nl == 7) {
			if (!amd_leaf_size(d, lvl, nl, &size)) {
				fail(w, REF_F_RESERVED, (int)lvl);
				return;
			}
			leaf(w, in, oa & ~(size - 1), size,
			     REF_U | (ir ? REF_R : 0) | (iw ? REF_W : 0), (int)lvl);
			return;
		}
		/* Skipped levels: the address bits they would have indexed must be zero. */
		if (in & mask_range(shift - 1, 12 + 9 * nl)) {
			fail(w, REF_F_TRANSLATION, (int)lvl);
			return;
		}
		table = oa;
		lvl = nl;
	}
}

/* ---- entry points ---------------------------------------------------------------------------- */

static bool ref_stage2_like(enum ref_arch a)
{
	return a == REF_ARM_S2 || a == REF_VTD_SL || a == REF_AMD_V1;
}

static void ref_walk_one(const struct ref_regs *r, uint64_t in, struct walk *w)
{
	memset(w->res, 0, sizeof(*w->res));
	switch (r->arch) {
	case REF_ARM_S1:
	case REF_ARM_EL2:
	case REF_ARM_S2: arm_walk(r, in, w); break;
	case REF_IA32E: ia32e_walk(r, in, w); break;
	case REF_VTD_SL: vtd_sl_walk(r, in, w); break;
	case REF_AMD_V1: amd_v1_walk(r, in, w); break;
	default: fail(w, REF_F_CONFIG, -1);
	}
}

static bool ref_access_ok(unsigned perms, unsigned access)
{
	if ((access & REF_ACC_R) && !(perms & REF_R))
		return false;
	if ((access & REF_ACC_W) && !(perms & REF_W))
		return false;
	if ((access & REF_ACC_X) && !(perms & ((access & REF_ACC_USER) ? REF_XU : REF_XP)))
		return false;
	return !(access & REF_ACC_USER) || (perms & REF_U);
}

void ref_walk(const struct ref_regs *r, uint64_t in, unsigned access, struct ref_result *res)
{
	struct walk w = { .res = res, .stage = ref_stage2_like(r->arch) ? 2 : 1 };

	ref_walk_one(r, in, &w);
	if (!res->fault && !ref_access_ok(res->perms, access))
		fail(&w, REF_F_PERMISSION, res->level);
}

void ref_walk_nested(const struct ref_regs *s1, const struct ref_regs *s2, uint64_t in,
		     unsigned access, struct ref_result *res)
{
	struct walk w = { .s2 = s2, .res = res, .stage = 1 };
	struct ref_result r2;
	unsigned p1;

	ref_walk_one(s1, in, &w);
	if (res->fault)
		return;
	if (!ref_access_ok(res->perms, access)) {
		fail(&w, REF_F_PERMISSION, res->level);
		return;
	}
	p1 = res->perms;
	ref_walk(s2, res->out, access, &r2);
	if (r2.fault) {
		*res = r2;
		return;
	}
	res->out = r2.out;
	res->size = 0; /* the combined leaf size is not one architectural quantity */
	res->perms = (p1 & r2.perms & ~REF_DEV) | ((p1 | r2.perms) & REF_DEV);
}

const char *ref_fault_name(enum ref_fault f)
{
	static const char *const names[] = { "ok",     "translation", "permission", "address-size",
					     "access", "reserved",    "config" };

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}
