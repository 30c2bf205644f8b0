// SPDX-License-Identifier: MIT
/*
 * VT-d model: DMA translation in scalable mode (VT-d 3.4, 9.1-9.6: root, scalable context,
 * PASID directory and PASID-table entries; first-stage, second-stage, nested and
 * pass-through translation through the reference walkers) and interrupt remapping (5.1,
 * 9.10: remappable MSI format, IRTE, source-id verification).
 */
#include <string.h>

#include "pt/ref_walk.h"
#include "vtd/vtd_model_int.h"

/* PGTT (9.6). */
enum {
	PGTT_FL = 1,
	PGTT_SL = 2,
	PGTT_NEST = 3,
	PGTT_PT = 4
};

static const struct vtd_model *vtdm_walking; /* the model whose RAM the walkers read */

static uint64_t vtdm_walk_read(uint64_t pa)
{
	uint64_t v;

	vtdm_read64(vtdm_walking, pa, &v); /* outside RAM: 0, i.e. not present */
	return v;
}

/* ---- caches ------------------------------------------------------------------------------- */

void vtdm_drop_pcache(struct vtd_model *m, int sid, int did, int64_t pasid)
{
	for (unsigned i = 0; i < VTDM_PCACHE_SIZE; i++) {
		struct vtdm_pce *c = &m->pcache[i];

		if ((sid < 0 || c->sid == sid) && (did < 0 || (uint16_t)c->pe[1] == did) &&
		    (pasid < 0 || c->pasid == pasid))
			c->valid = false;
	}
}

void vtdm_drop_tlb(struct vtd_model *m, bool fs, int did, int64_t pasid, uint64_t addr,
		   uint64_t size)
{
	for (unsigned i = 0; i < VTDM_TLB_SIZE; i++) {
		struct vtdm_tlb *t = &m->tlb[i];

		if (t->fs != fs || (did >= 0 && t->did != did) || (pasid >= 0 && t->pasid != pasid))
			continue;
		if (size && (t->page < addr || t->page - addr >= size))
			continue;
		t->valid = false;
	}
}

void vtdm_drop_iec(struct vtd_model *m, int64_t index, uint64_t count)
{
	for (unsigned i = 0; i < VTDM_IEC_SIZE; i++)
		if (index < 0 || ((int64_t)m->iec[i].index >= index &&
				  (uint64_t)(m->iec[i].index - index) < count))
			m->iec[i].valid = false;
}

/* ---- the table walk down to the PASID entry -------------------------------------------------- */

struct vtdm_req {
	uint16_t sid;
	uint32_t pasid; /* as walked (RID_PASID for requests without PASID) */
	bool has_pasid, write, fpd;
	uint64_t pe[4];
};

static int vtdm_root(struct vtd_model *m, struct vtdm_req *q, uint64_t *ctp)
{
	uint64_t re[2], a = (m->rtaddr_live & ~0xfffULL) + (q->sid >> 8) * 16;
	bool hi = (q->sid & 0xff) >= 128;

	if (vtdm_bits(m->rtaddr_live, 11, 10) != 1)
		return VTDM_FR_ROOT_ACCESS; /* legacy and abort-DMA modes are not modelled */
	if (!vtdm_read64(m, a, &re[0]) || !vtdm_read64(m, a + 8, &re[1]))
		return VTDM_FR_ROOT_ACCESS;
	if (!(re[hi] & 1))
		return VTDM_FR_ROOT_NP;
	if (re[hi] & 0xffeULL)
		return VTDM_FR_ROOT_RSVD;
	*ctp = re[hi] & ~0xfffULL;
	return 0;
}

/* Scalable-mode context entry (9.4): 256 bits. */
static int vtdm_context(struct vtd_model *m, struct vtdm_req *q, uint64_t *pdir)
{
	uint64_t ctp, ce[4], a;
	int fr = vtdm_root(m, q, &ctp);

	if (fr)
		return fr;
	a = ctp + (q->sid & 0x7f) * 32;
	for (unsigned i = 0; i < 4; i++)
		if (!vtdm_read64(m, a + i * 8, &ce[i]))
			return VTDM_FR_CTX_ACCESS;
	if (!(ce[0] & 1))
		return VTDM_FR_CTX_NP;
	q->fpd = ce[0] & 2;
	if ((ce[0] & 0x1e0) || (ce[1] >> 21) || ce[2] || ce[3])
		return VTDM_FR_CTX_RSVD;
	if (!q->has_pasid)
		q->pasid = (uint32_t)vtdm_bits(ce[1], 19, 0);
	if ((q->pasid >> 6) >= (1ULL << (vtdm_bits(ce[0], 11, 9) + 7)))
		return VTDM_FR_PASID_BIG;
	*pdir = ce[0] & ~0xfffULL;
	return 0;
}

static bool vtdm_pgtt_ok(const struct vtd_model *m, unsigned pgtt, unsigned aw)
{
	uint64_t e = m->cfg.ecap;
	bool sl_aw = (m->cfg.cap >> 8 >> aw) & 1; /* SAGAW */

	switch (pgtt) {
	case PGTT_FL: return vtdm_bits(e, 47, 47);
	case PGTT_SL: return vtdm_bits(e, 46, 46) && sl_aw;
	case PGTT_NEST: return vtdm_bits(e, 26, 26) && sl_aw;
	case PGTT_PT: return vtdm_bits(e, 6, 6);
	}
	return false;
}

/* PASID directory entry (9.5) and scalable-mode PASID-table entry (9.6): 512 bits. */
static int vtdm_pasid_entry(struct vtd_model *m, struct vtdm_req *q)
{
	uint64_t pdir, de, a, hi[4];
	int fr = vtdm_context(m, q, &pdir);

	if (fr)
		return fr;
	if (!vtdm_read64(m, pdir + (q->pasid >> 6) * 8, &de))
		return VTDM_FR_PDIR_ACCESS;
	if (!(de & 1))
		return VTDM_FR_PDIR_NP;
	q->fpd |= de & 2;
	if (de & 0xffcULL)
		return VTDM_FR_PDIR_RSVD;
	a = (de & ~0xfffULL) + (q->pasid & 63) * 64;
	for (unsigned i = 0; i < 8; i++)
		if (!vtdm_read64(m, a + i * 8, i < 4 ? &q->pe[i] : &hi[i - 4]))
			return VTDM_FR_PTE_ACCESS;
	if (!(q->pe[0] & 1))
		return VTDM_FR_PTE_NP;
	q->fpd |= q->pe[0] & 2;
	if (q->pe[3] || hi[0] || hi[1] || hi[2] || hi[3] || vtdm_bits(q->pe[2], 11, 8))
		return VTDM_FR_PTE_RSVD;
	if (!vtdm_pgtt_ok(m, (unsigned)vtdm_bits(q->pe[0], 8, 6),
			  (unsigned)vtdm_bits(q->pe[0], 4, 2)))
		return VTDM_FR_PTE_INVALID;
	return 0;
}

static struct vtdm_pce *vtdm_pcache_find(struct vtd_model *m, uint16_t sid, uint32_t pasid)
{
	for (unsigned i = 0; i < VTDM_PCACHE_SIZE; i++)
		if (m->pcache[i].valid && m->pcache[i].sid == sid && m->pcache[i].pasid == pasid)
			return &m->pcache[i];
	return NULL;
}

/* The PASID entry for the request: cached, or walked and cached (then stale until invalidated). */
static int vtdm_lookup(struct vtd_model *m, struct vtdm_req *q)
{
	struct vtdm_pce *c = q->has_pasid ? vtdm_pcache_find(m, q->sid, q->pasid) : NULL;
	int fr;

	for (unsigned i = 0; !c && !q->has_pasid && i < VTDM_PCACHE_SIZE; i++)
		if (m->pcache[i].valid && m->pcache[i].sid == q->sid && m->pcache[i].rid_pasid)
			c = &m->pcache[i];
	if (c) {
		q->pasid = c->pasid;
		q->fpd = c->fpd;
		memcpy(q->pe, c->pe, sizeof(q->pe));
		return 0;
	}
	if ((fr = vtdm_pasid_entry(m, q)))
		return fr;
	c = &m->pcache[m->pcache_next++ % VTDM_PCACHE_SIZE];
	*c = (struct vtdm_pce){ .valid = true,
				.sid = q->sid,
				.pasid = q->pasid,
				.fpd = q->fpd,
				.rid_pasid = !q->has_pasid };
	memcpy(c->pe, q->pe, sizeof(c->pe));
	return 0;
}

/* ---- page walks ---------------------------------------------------------------------------- */

static unsigned vtdm_haw(const struct vtd_model *m)
{
	return (unsigned)vtdm_bits(m->cfg.cap, 21, 16) + 1;
}

static void vtdm_regs(const struct vtd_model *m, const struct vtdm_req *q, bool fs,
		      struct ref_regs *r)
{
	if (fs)
		*r = (struct ref_regs){ .arch = REF_IA32E,
					.root = q->pe[2] & ~0xfffULL,
					.oa_bits = vtdm_haw(m),
					.levels = vtdm_bits(q->pe[2], 3, 2) ? 5 : 4 };
	else
		*r = (struct ref_regs){ .arch = REF_VTD_SL,
					.root = q->pe[0] & ~0xfffULL,
					.oa_bits = vtdm_haw(m),
					.levels = (unsigned)vtdm_bits(q->pe[0], 4, 2) + 2 };
}

static int vtdm_fr_sl(const struct ref_result *r, bool write)
{
	if (r->fault == REF_F_RESERVED)
		return VTDM_FR_SL_RSVD;
	if (r->fault == REF_F_ADDRSIZE)
		return VTDM_FR_ADDR_BEYOND;
	return write ? VTDM_FR_SL_WRITE : VTDM_FR_SL_READ;
}

static int vtdm_fr_fs(const struct ref_result *r, bool write)
{
	if (r->stage == 2 || r->on_s1_walk) /* nested: the second stage refused */
		return r->on_s1_walk ? VTDM_FR_SL_READ : vtdm_fr_sl(r, write);
	if (r->fault == REF_F_RESERVED)
		return VTDM_FR_FS_RSVD;
	if (r->fault == REF_F_PERMISSION)
		return (r->perms & REF_U) ? VTDM_FR_FS_WRITE : VTDM_FR_FS_US;
	return VTDM_FR_FS_NP;
}

static bool vtdm_canonical(uint64_t a, unsigned levels)
{
	uint64_t top = a >> (12 + 9 * levels - 1);

	return top == 0 || top == ~0ULL >> (12 + 9 * levels - 1);
}

/* Requests without PASID privilege are user requests (3.6): first stage checks U/S. */
static int vtdm_walk(struct vtd_model *m, const struct vtdm_req *q, uint64_t in, uint64_t *out,
		     bool *writable)
{
	unsigned pgtt = (unsigned)vtdm_bits(q->pe[0], 8, 6);
	unsigned acc = (q->write ? REF_ACC_W : REF_ACC_R) | REF_ACC_USER;
	struct ref_regs s1, s2;
	struct ref_result r;

	if (pgtt == PGTT_PT) {
		*out = in, *writable = true;
		return 0;
	}
	vtdm_regs(m, q, true, &s1);
	vtdm_regs(m, q, false, &s2);
	if (pgtt != PGTT_SL && !vtdm_canonical(in, s1.levels))
		return VTDM_FR_FS_CANON;
	vtdm_walking = m;
	ref_read64 = vtdm_walk_read;
	if (pgtt == PGTT_SL)
		ref_walk(&s2, in, acc, &r);
	else if (pgtt == PGTT_FL)
		ref_walk(&s1, in, acc, &r);
	else
		ref_walk_nested(&s1, &s2, in, acc, &r);
	if (r.fault)
		return pgtt == PGTT_SL ? vtdm_fr_sl(&r, q->write) : vtdm_fr_fs(&r, q->write);
	*out = r.out;
	*writable = r.perms & REF_W;
	return 0;
}

static struct vtdm_tlb *vtdm_tlb_find(struct vtd_model *m, const struct vtdm_req *q, uint64_t pg)
{
	uint16_t did = (uint16_t)q->pe[1];

	for (unsigned i = 0; i < VTDM_TLB_SIZE; i++) {
		struct vtdm_tlb *t = &m->tlb[i];

		if (t->valid && t->sid == q->sid && t->did == did && t->pasid == q->pasid &&
		    t->page == pg)
			return t;
	}
	return NULL;
}

static int vtdm_xlate(struct vtd_model *m, struct vtdm_req *q, uint64_t iova, uint64_t *out)
{
	uint64_t pg = iova & ~0xfffULL, o;
	struct vtdm_tlb *t;
	unsigned pgtt;
	bool wr;
	int fr;

	if ((fr = vtdm_lookup(m, q)))
		return fr;
	pgtt = (unsigned)vtdm_bits(q->pe[0], 8, 6);
	t = vtdm_tlb_find(m, q, pg);
	if (t && (!q->write || t->writable)) {
		*out = t->out_page | (iova & 0xfff);
		return 0;
	}
	if ((fr = vtdm_walk(m, q, pg, &o, &wr)))
		return fr;
	t = &m->tlb[m->tlb_next++ % VTDM_TLB_SIZE];
	*t = (struct vtdm_tlb){ .valid = true,
				.sid = q->sid,
				.did = (uint16_t)q->pe[1],
				.pasid = q->pasid,
				.page = pg,
				.out_page = o,
				.writable = wr,
				/* PASID-based invalidation covers first-stage and nested entries */
				.fs = pgtt != PGTT_SL && pgtt != PGTT_PT };
	*out = o | (iova & 0xfff);
	return 0;
}

int vtd_model_translate(struct vtd_model *m, uint16_t sid, uint32_t pasid, uint64_t iova,
			bool write, uint64_t *out)
{
	struct vtdm_req q = {
		.sid = sid, .pasid = pasid, .has_pasid = pasid != VTDM_NO_PASID, .write = write
	};
	int fr;

	if (!(m->gsts & VTDM_GS_TES)) {
		*out = iova;
		return 0;
	}
	if ((iova >> 32) == 0 && (iova >> 20) == 0xfee)
		return VTDM_FR_SL_WRITE; /* the interrupt window is never translated (3.15) */
	fr = vtdm_xlate(m, &q, iova, out);
	if (fr && !q.fpd) {
		struct vtdm_fault f = { .sid = sid,
					.fr = (uint8_t)fr,
					.read = !write,
					.pp = true,
					.pasid = q.pasid,
					.fi = iova };
		vtdm_fault(m, &f);
	}
	return fr;
}

int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, size_t len,
		  bool write)
{
	uint8_t *b = buf;

	while (len) {
		size_t n = 4096 - (iova & 0xfff);
		uint64_t pa;
		int fr = vtd_model_translate(m, sid, VTDM_NO_PASID, iova, write, &pa);

		if (fr)
			return fr;
		n = n < len ? n : len;
		if (!vtdm_ram(m, pa, n))
			return VTDM_FR_SL_RSVD;
		if (write)
			memcpy((void *)(uintptr_t)pa, b, n);
		else
			memcpy(b, (void *)(uintptr_t)pa, n);
		b += n, iova += n, len -= n;
	}
	return 0;
}

/* ---- interrupt remapping (5.1.4, 9.10) --------------------------------------------------------- */

/* Source-id verification (9.10, SVT/SQ). */
static bool vtdm_sid_ok(uint64_t hi, uint16_t sid)
{
	static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
	uint16_t want = (uint16_t)hi;

	switch (vtdm_bits(hi, 19, 18)) {
	case 0: return true;
	case 1: return ((want ^ sid) & sq_mask[vtdm_bits(hi, 17, 16)]) == 0;
	case 2: return (sid >> 8) >= (want >> 8) && (sid >> 8) <= (want & 0xff);
	}
	return false;
}

static int vtdm_irte(struct vtd_model *m, uint32_t index, uint64_t *lo, uint64_t *hi)
{
	uint64_t base = m->irta_live & ~0xfffULL;

	for (unsigned i = 0; i < VTDM_IEC_SIZE; i++)
		if (m->iec[i].valid && m->iec[i].index == index) {
			*lo = m->iec[i].lo, *hi = m->iec[i].hi;
			return 0;
		}
	if (index >= 2ULL << vtdm_bits(m->irta_live, 3, 0))
		return VTDM_FR_IR_INDEX;
	if (!vtdm_read64(m, base + index * 16ULL, lo) ||
	    !vtdm_read64(m, base + index * 16ULL + 8, hi))
		return VTDM_FR_IR_TABLE;
	if (!(*lo & 1))
		return VTDM_FR_IR_NOT_PRESENT;
	/* reserved: bits 14:12, 31:24 (xAPIC: also DST bits outside 15:8), hi 63:20 */
	if ((*lo & 0xff007000ULL) || (*lo >> 32 & 0xffff00ffULL) || (*hi >> 20) || (*lo >> 15 & 1))
		return VTDM_FR_IR_RSVD;
	m->iec[m->iec_next++ % VTDM_IEC_SIZE] = (struct vtdm_iec){ true, index, *lo, *hi };
	return 0;
}

static int vtdm_remap(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
		      struct vtdm_irq *out, uint32_t *index)
{
	uint64_t lo, hi;
	int fr;

	*index = (uint32_t)(vtdm_bits(addr, 19, 5) | vtdm_bits(addr, 2, 2) << 15);
	if (!vtdm_bits(addr, 4, 4)) /* compatibility format */
		return (m->gsts & VTDM_GS_CFIS) ? -1 : VTDM_FR_IR_COMPAT;
	if (vtdm_bits(addr, 3, 3)) /* SHV: the subhandle comes from the data */
		*index += data & 0xffff;
	else if (data)
		return VTDM_FR_IR_RSVD_REQ;
	if ((fr = vtdm_irte(m, *index, &lo, &hi)))
		return fr;
	if (!vtdm_sid_ok(hi, sid))
		return VTDM_FR_IR_SID;
	out->vector = (uint8_t)vtdm_bits(lo, 23, 16);
	out->dest = (uint32_t)vtdm_bits(lo, 47, 40);
	return 0;
}

int vtd_model_msi(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
		  struct vtdm_irq *out)
{
	uint32_t index;
	int fr;

	if ((addr >> 20) != 0xfee)
		return VTDM_FR_IR_RSVD_REQ;
	if (!(m->gsts & VTDM_GS_IRES))
		fr = -1;
	else
		fr = vtdm_remap(m, sid, addr, data, out, &index);
	if (fr < 0) { /* not remapped: the compatibility-format interrupt as written */
		out->vector = (uint8_t)data;
		out->dest = (uint32_t)vtdm_bits(addr, 19, 12);
		return 0;
	}
	if (fr) {
		struct vtdm_fault f = { .sid = sid,
					.fr = (uint8_t)fr,
					.fi = (uint64_t)index << 48 };

		vtdm_fault(m, &f);
	}
	return fr;
}
