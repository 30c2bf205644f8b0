// SPDX-License-Identifier: MIT
/*
 * Register-level SMMUv3 model (see smmuv3_model.h). Field positions are written out here from
 * the SMMUv3 specification on purpose, instead of being shared with the driver, so that a
 * misread field in one shows up as a failing test rather than as two agreeing mistakes.
 */
#include "smmuv3/smmuv3_model.h"

#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

#include "pt/ref_walk.h"

#define M_BIT(n) (1ULL << (n))
#define M_FIELD(v, h, l) (((v) >> (l)) & ((1ULL << ((h) - (l) + 1)) - 1))

/* 6.2 register offsets */
enum {
	R_IDR0 = 0x0,
	R_IDR1 = 0x4,
	R_IDR3 = 0xc,
	R_IDR5 = 0x14,
	R_AIDR = 0x1c,
	R_CR0 = 0x20,
	R_CR0ACK = 0x24,
	R_CR1 = 0x28,
	R_CR2 = 0x2c,
	R_GBPA = 0x44,
	R_IRQ_CTRL = 0x50,
	R_IRQ_CTRLACK = 0x54,
	R_GERROR = 0x60,
	R_GERRORN = 0x64,
	R_STRTAB_BASE = 0x80,
	R_STRTAB_CFG = 0x88,
	R_CMDQ_BASE = 0x90,
	R_CMDQ_PROD = 0x98,
	R_CMDQ_CONS = 0x9c,
	R_EVTQ_BASE = 0xa0,
	R_EVTQ_PROD = 0x100a8,
	R_EVTQ_CONS = 0x100ac,
};

#define M_CR0_SMMUEN M_BIT(0)
#define M_CR0_EVTQEN M_BIT(2)
#define M_CR0_CMDQEN M_BIT(3)
#define M_GERR_CMDQ M_BIT(0)
#define M_GERR_EVTQ_ABT M_BIT(2)
#define M_IRQ_GERROR_EN M_BIT(0) /* 6.3.15 IRQ_CTRL */
#define M_IRQ_EVTQ_EN M_BIT(2)

enum {
	CLASS_CD = 0,
	CLASS_TT = 1,
	CLASS_IN = 2
};

struct walk_fault {
	int type;
	bool s2;
	unsigned cls;
	uint64_t ipa;
};

struct smmu_model_cfg smmu_model_default_cfg(void)
{
	return (struct smmu_model_cfg){ .s1 = true,
					.s2 = true,
					.two_level = true,
					.coherent = true,
					.sid_bits = 16,
					.ssid_bits = 0,
					.cmdq_log2 = 8,
					.evtq_log2 = 7,
					.oas_enc = 5,
					.stall_model = 1 };
}

void smmu_model_add_ram(struct smmu_model *m, uint64_t base, uint64_t size)
{
	if (m->nram < SMMUM_MAX_RAM)
		m->ram[m->nram++] = (typeof(m->ram[0])){ base, size };
}

static bool ram_ok(const struct smmu_model *m, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < m->nram; i++)
		if (a >= m->ram[i].base && len <= m->ram[i].size &&
		    a - m->ram[i].base <= m->ram[i].size - len)
			return true;
	return false;
}

static bool mem_read64(const struct smmu_model *m, uint64_t a, uint64_t *v)
{
	if (!ram_ok(m, a, 8))
		return false;
	memcpy(v, (const void *)(uintptr_t)a, 8);
	return true;
}

/* ---- queues (3.5): index in the low log2 bits, wrap flag just above ----------------------- */

static unsigned q_log2(uint64_t base, unsigned max)
{
	unsigned l = (unsigned)M_FIELD(base, 4, 0);
	return l < max ? l : max;
}

static uint32_t q_mask(unsigned log2)
{
	return (uint32_t)((2ULL << log2) - 1); /* index and wrap bits */
}

static uint32_t q_inc(uint32_t p, unsigned log2)
{
	return (p & ~q_mask(log2)) | ((p + 1) & q_mask(log2));
}

static uint64_t q_addr(uint64_t base)
{
	return base & 0x000fffffffffffe0ULL;
}

/* ---- events (7.3) --------------------------------------------------------------------------- */

/* 3.18: wired interrupts are pulses here (edge-triggered, as QEMU's virt wires them). */
static void irq_pulse(struct smmu_model *m, unsigned line)
{
	m->irq_pulses[line]++;
	if (m->on_irq)
		m->on_irq(m, line, m->on_irq_arg);
}

/* 6.3.17: an error becomes active by toggling GERROR away from GERRORN; then the interrupt. */
static void gerror_raise(struct smmu_model *m, uint32_t bit)
{
	if ((m->gerror ^ m->gerrorn) & bit)
		return; /* already active: no new edge */
	m->gerror ^= bit;
	if (m->irq_ctrl & M_IRQ_GERROR_EN)
		irq_pulse(m, SMMUM_IRQ_GERROR);
}

static void evt_push(struct smmu_model *m, const uint64_t rec[4])
{
	unsigned l = q_log2(m->evtq_base, m->cfg.evtq_log2);
	uint32_t p = m->evtq_prod & q_mask(l), c = m->evtq_cons & q_mask(l);
	uint64_t a;

	if (!(m->cr0 & M_CR0_EVTQEN) || !(m->cr0 & M_CR0_SMMUEN)) {
		m->events_lost++;
		return;
	}
	if ((p ^ c) == (1u << l) && m->full_aborts) {
		/* QEMU 10.0 (smmuv3_write_eventq): a full queue is a write abort, no OVFLG */
		gerror_raise(m, M_GERR_EVTQ_ABT);
		m->events_lost++;
		return;
	}
	if ((p ^ c) == (1u << l)) {
		/* 7.4: full, the record is lost; OVFLG toggles on entering the overflow condition
		 */
		if (!((m->evtq_prod ^ m->evtq_cons) & (1u << 31)))
			m->evtq_prod ^= 1u << 31;
		m->events_lost++;
		return;
	}
	a = q_addr(m->evtq_base) + (uint64_t)(p & ((1u << l) - 1)) * 32;
	if (!ram_ok(m, a, 32)) {
		gerror_raise(m, M_GERR_EVTQ_ABT);
		m->events_lost++;
		return;
	}
	memcpy((void *)(uintptr_t)a, rec, 32);
	m->evtq_prod = (m->evtq_prod & (1u << 31)) | q_inc(p, l);
	if (m->irq_ctrl & M_IRQ_EVTQ_EN)
		irq_pulse(m, SMMUM_IRQ_EVTQ);
}

/* 7.3.10+: a stalled fault's record carries Stall (bit 31) and its STAG (bits 15:0). */
static void evt_raise_stag(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
			   const struct walk_fault *f, int stag)
{
	uint64_t rec[4] = { 0 };

	rec[0] = (uint64_t)f->type | (uint64_t)sid << 32;
	rec[1] = (write ? 0 : M_BIT(35)) | (f->s2 ? M_BIT(39) : 0) | (uint64_t)f->cls << 40;
	if (stag >= 0)
		rec[1] |= M_BIT(31) | (uint16_t)stag;
	rec[2] = iova;
	rec[3] = f->s2 ? (f->ipa & 0x000ffffffffff000ULL) : 0;
	evt_push(m, rec);
}

static void evt_raise(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
		      const struct walk_fault *f)
{
	evt_raise_stag(m, sid, iova, write, f, -1);
}

/* ---- walks: the reference walkers of tests/models/pt -------------------------------------- */

/*
 * Descriptor reads go through the model: only registered RAM is readable; anything else is an
 * external abort (F_WALK_EABT). While `walk_s2` is set, the addresses read are IPAs and are
 * translated through that stage 2 first (used to recover the IPA of a stage-2 fault).
 */
static struct smmu_model *walk_model;
static const struct ref_regs *walk_s2;
static bool walk_eabt;

static uint64_t walk_read64(uint64_t a)
{
	uint64_t v = 0;

	if (walk_s2) {
		const struct ref_regs *s2 = walk_s2;
		struct ref_result r;

		walk_s2 = NULL;
		ref_walk(s2, a, REF_ACC_R, &r);
		walk_s2 = s2;
		if (r.fault)
			return 0;
		a = r.out;
	}
	if (!mem_read64(walk_model, a, &v))
		walk_eabt = true;
	return v;
}

static int walk_fault_set(struct walk_fault *f, int type)
{
	f->type = type;
	f->s2 = false;
	f->cls = CLASS_IN;
	return type;
}

static int walk_event(const struct ref_result *r, bool cd)
{
	if (walk_eabt)
		return SMMUM_EVT_WALK_EABT;
	switch (r->fault) {
	case REF_F_PERMISSION: return SMMUM_EVT_PERMISSION;
	case REF_F_ADDRSIZE: return SMMUM_EVT_ADDR_SIZE;
	case REF_F_ACCESS: return SMMUM_EVT_ACCESS;
	case REF_F_CONFIG: return cd ? SMMUM_EVT_BAD_CD : SMMUM_EVT_BAD_STE;
	default: return SMMUM_EVT_TRANSLATION;
	}
}

static void walk_regs(const struct smmum_cfg *c, struct ref_regs *s1, struct ref_regs *s2)
{
	*s2 = (struct ref_regs){ .arch = REF_ARM_S2,
				 .root = c->s2ttb,
				 .t0sz = c->s2t0sz,
				 .sl0 = c->s2sl0,
				 .oa_bits = 48 };
	*s1 = (struct ref_regs){
		.arch = REF_ARM_S1, .root = c->ttb0, .t0sz = c->t0sz, .oa_bits = 48
	};
}

/* One walk of the configuration: stage 2 only, stage 1 only or nested. */
static int walk_run(struct smmu_model *m, const struct smmum_cfg *c, unsigned stages, uint64_t in,
		    bool write, uint64_t *out, bool *writable, struct walk_fault *f)
{
	struct ref_regs s1, s2;
	struct ref_result r;
	unsigned acc = write ? REF_ACC_W : REF_ACC_R;

	walk_regs(c, &s1, &s2);
	walk_model = m;
	walk_eabt = false;
	ref_read64 = walk_read64;
	if (stages == 3)
		ref_walk_nested(&s1, &s2, in, acc, &r);
	else
		ref_walk(stages == 2 ? &s2 : &s1, in, acc, &r);
	if (!r.fault && !walk_eabt) {
		*out = r.out;
		*writable = r.perms & REF_W;
		return 0;
	}
	walk_fault_set(f, walk_event(&r, false));
	f->s2 = r.stage == 2 && f->type != SMMUM_EVT_WALK_EABT;
	f->cls = r.on_s1_walk ? CLASS_TT : CLASS_IN;
	f->ipa = r.on_s1_walk ? r.fetch_ipa : in;
	if (f->s2 && stages == 3 && !r.on_s1_walk) {
		/* The IPA that failed at stage 2 is the stage-1 output: walk stage 1 again. */
		walk_s2 = &s2;
		ref_walk(&s1, in, 0, &r);
		walk_s2 = NULL;
		f->ipa = r.out;
	}
	return f->type;
}

/* ---- STE (5.2) and CD (5.4) decoding ----------------------------------------------------------
 */

static int ste_locate(struct smmu_model *m, uint32_t sid, uint64_t *addr)
{
	unsigned log2 = (unsigned)M_FIELD(m->strtab_cfg, 5, 0);
	uint64_t base = m->strtab_base & 0x000fffffffffffc0ULL, l1;

	if (log2 > m->cfg.sid_bits)
		log2 = m->cfg.sid_bits;
	if (log2 < 32 && (sid >> log2))
		return SMMUM_EVT_BAD_STREAMID;
	if (M_FIELD(m->strtab_cfg, 17, 16) == 0) {
		*addr = base + (uint64_t)sid * 64;
		return 0;
	}
	unsigned split = (unsigned)M_FIELD(m->strtab_cfg, 10, 6), span;
	if (!mem_read64(m, base + (uint64_t)(sid >> split) * 8, &l1))
		return SMMUM_EVT_STE_FETCH;
	span = (unsigned)M_FIELD(l1, 4, 0);
	if (!span || span > split + 1 || (sid & ((1u << split) - 1)) >= (1u << (span - 1)))
		return SMMUM_EVT_BAD_STREAMID;
	*addr = (l1 & 0x000fffffffffffc0ULL) + (uint64_t)(sid & ((1u << split) - 1)) * 64;
	return 0;
}

static int ste_decode_s2(struct smmu_model *m, const uint64_t *s, struct smmum_cfg *c)
{
	unsigned tg = (unsigned)M_FIELD(s[2], 47, 46), ias, top;

	c->vmid = (uint16_t)M_FIELD(s[2], 15, 0);
	c->s2t0sz = (unsigned)M_FIELD(s[2], 37, 32);
	c->s2sl0 = (unsigned)M_FIELD(s[2], 39, 38);
	c->s2ttb = s[3] & 0x000ffffffffffff0ULL;
	c->s2r = s[2] & M_BIT(58);
	c->s2affd = s[2] & M_BIT(53);
	if (!(s[2] & M_BIT(51)) || tg != 0 || c->s2sl0 == 3 || (s[2] & M_BIT(52)))
		return SMMUM_EVT_BAD_STE;
	if (c->s2t0sz < 16 || c->s2t0sz > 39 || (c->s2ttb & 0xfff))
		return SMMUM_EVT_BAD_STE;
	ias = 64 - c->s2t0sz;
	top = ias - (12 + 9 * (3 - (2 - c->s2sl0)));
	/* The start-level table resolves between 1 and 9 bits, or up to 16 concatenated tables. */
	if ((int)top < 1 || top > 13)
		return SMMUM_EVT_BAD_STE;
	return 0;
}

static int ste_decode(struct smmu_model *m, uint32_t sid, struct smmum_cfg *c)
{
	uint64_t a, s[8];
	int r = ste_locate(m, sid, &a);

	if (r)
		return r;
	for (unsigned i = 0; i < 8; i++)
		if (!mem_read64(m, a + i * 8, &s[i]))
			return SMMUM_EVT_STE_FETCH;
	memset(c, 0, sizeof(*c));
	c->sid = sid;
	if (!(s[0] & 1))
		return SMMUM_EVT_BAD_STE;
	c->config = (unsigned)M_FIELD(s[0], 3, 1);
	/* With S2P, S2VMID tags stage-1-only configurations too. */
	c->vmid = m->cfg.s2 ? (uint16_t)M_FIELD(s[2], 15, 0) : 0;
	if (c->config == 0 || c->config == 4)
		return 0;
	if (c->config < 4 || ((c->config & 1) && !m->cfg.s1) || ((c->config & 2) && !m->cfg.s2))
		return SMMUM_EVT_BAD_STE;
	if (c->config & 2) {
		r = ste_decode_s2(m, s, c);
		if (r)
			return r;
	}
	if (c->config & 1) {
		c->s1ctxptr = s[0] & 0x000fffffffffffc0ULL;
		c->s1cdmax = (unsigned)M_FIELD(s[0], 63, 59);
		c->s1stalld = s[1] & M_BIT(27);
		if (c->s1cdmax > m->cfg.ssid_bits || (!c->s1cdmax && M_FIELD(s[0], 5, 4)))
			return SMMUM_EVT_BAD_STE;
		/* 5.2: S1STALLD = 1 is ILLEGAL unless stalls are optional (STALL_MODEL 0b00). */
		if (c->s1stalld && m->cfg.stall_model != 0)
			return SMMUM_EVT_BAD_STE;
	}
	return 0;
}

/*
 * 5.4 CD.S against SMMU_IDR0.STALL_MODEL: S = 1 is ILLEGAL where stalls are not supported or
 * the STE disables them (S1STALLD), S = 0 where stalls are forced.
 */
static bool cd_stall_illegal(const struct smmu_model *m, const struct smmum_cfg *c)
{
	switch (m->cfg.stall_model) {
	case 0: return c->stall && c->s1stalld;
	case 2: return !c->stall;
	default: return c->stall;
	}
}

static int cd_decode(struct smmu_model *m, struct smmum_cfg *c, struct walk_fault *f)
{
	uint64_t a = c->s1ctxptr, cd[2];
	bool wr;

	if (c->config == 7 && walk_run(m, c, 2, a, false, &a, &wr, f)) {
		f->cls = CLASS_CD;
		return f->type;
	}
	if (!mem_read64(m, a, &cd[0]) || !mem_read64(m, a + 8, &cd[1]))
		return walk_fault_set(f, SMMUM_EVT_CD_FETCH);
	c->t0sz = (unsigned)M_FIELD(cd[0], 5, 0);
	c->ttb0 = cd[1] & 0x000ffffffffffff0ULL;
	c->asid = (uint16_t)M_FIELD(cd[0], 63, 48);
	c->epd0 = cd[0] & M_BIT(14);
	c->cd_r = cd[0] & M_BIT(45);
	c->cd_affd = cd[0] & M_BIT(35);
	c->stall = cd[0] & M_BIT(44);
	/* V, AArch64 tables, 4 KiB TG0, T0SZ 16..39, no HTTU (HA/HD), little endian */
	if (!(cd[0] & M_BIT(31)) || !(cd[0] & M_BIT(41)) || M_FIELD(cd[0], 7, 6) != 0 ||
	    c->t0sz < 16 || c->t0sz > 39 || (cd[0] & (M_BIT(42) | M_BIT(43))) ||
	    (cd[0] & M_BIT(15)) || (c->ttb0 >> 48) || (c->ttb0 & 0xfff) || cd_stall_illegal(m, c))
		return walk_fault_set(f, SMMUM_EVT_BAD_CD);
	c->cd_ok = true;
	return 0;
}

static struct smmum_cfg *cfg_lookup(struct smmu_model *m, uint32_t sid)
{
	for (unsigned i = 0; i < SMMUM_CFG_CACHE; i++)
		if (m->cache[i].valid && m->cache[i].sid == sid)
			return &m->cache[i];
	return NULL;
}

static struct smmum_cfg *cfg_insert(struct smmu_model *m, const struct smmum_cfg *c)
{
	struct smmum_cfg *e = &m->cache[c->sid % SMMUM_CFG_CACHE];

	*e = *c;
	e->valid = true;
	return e;
}

/* ---- TLB ---------------------------------------------------------------------------------- */

static struct smmum_tlb *tlb_find(struct smmu_model *m, bool s1, uint16_t vmid, uint16_t asid,
				  uint64_t page)
{
	for (unsigned i = 0; i < SMMUM_TLB_SIZE; i++) {
		struct smmum_tlb *t = &m->tlb[i];
		if (t->valid && t->s1 == s1 && t->vmid == vmid && (!s1 || t->asid == asid) &&
		    t->in_page == page)
			return t;
	}
	return NULL;
}

static void tlb_insert(struct smmu_model *m, const struct smmum_tlb *e)
{
	m->tlb[m->tlb_next++ % SMMUM_TLB_SIZE] = *e;
}

enum tlbi_scope {
	TLBI_ALL,
	TLBI_VMID,
	TLBI_ASID,
	TLBI_VA,
	TLBI_VAA,
	TLBI_IPA,
	TLBI_S12
};

/* Invalidates entries of the npages 4 KiB pages from `page` that match the scope. */
static void tlb_inval(struct smmu_model *m, enum tlbi_scope s, uint16_t vmid, uint16_t asid,
		      uint64_t page, uint64_t npages)
{
	for (unsigned i = 0; i < SMMUM_TLB_SIZE; i++) {
		struct smmum_tlb *t = &m->tlb[i];
		bool hit = s == TLBI_ALL ||
			   (t->vmid == vmid &&
			    (s == TLBI_S12 || (t->s1 && s == TLBI_VMID) ||
			     (t->s1 && s == TLBI_ASID && t->asid == asid) ||
			     (t->s1 && s == TLBI_VA && t->asid == asid &&
			      t->in_page - page < npages) ||
			     (t->s1 && s == TLBI_VAA && t->in_page - page < npages) ||
			     (!t->s1 && s == TLBI_IPA && t->in_page - page < npages)));
		if (hit)
			t->valid = false;
	}
}

/* ---- translation ---------------------------------------------------------------------------- */

static int xlate_cfg(struct smmu_model *m, uint32_t sid, struct smmum_cfg *c,
		     struct smmum_cfg **out, struct walk_fault *f)
{
	struct smmum_cfg *e = cfg_lookup(m, sid);
	int r;

	if (e) {
		*out = e;
		return 0;
	}
	r = ste_decode(m, sid, c);
	if (r)
		return walk_fault_set(f, r);
	if ((c->config & 1) && (r = cd_decode(m, c, f)))
		return r;
	*out = cfg_insert(m, c);
	return 0;
}

static int xlate(struct smmu_model *m, struct smmum_cfg *c, uint64_t iova, bool write,
		 uint64_t *out, struct walk_fault *f)
{
	bool s1 = c->config & 1, wr = false;
	struct smmum_tlb *t = tlb_find(m, s1, c->vmid, c->asid, iova >> 12);
	uint64_t o;
	int r;

	if (t && (!write || t->writable)) {
		*out = t->out_page << 12 | (iova & 0xfff);
		return 0;
	}
	if (s1 && c->epd0)
		return walk_fault_set(f, SMMUM_EVT_TRANSLATION);
	r = walk_run(m, c, c->config == 7 ? 3 : s1 ? 1 : 2, iova, write, &o, &wr, f);
	if (r)
		return r;
	tlb_insert(m, &(struct smmum_tlb){ .valid = true,
					   .s1 = s1,
					   .vmid = c->vmid,
					   .asid = c->asid,
					   .in_page = iova >> 12,
					   .out_page = o >> 12,
					   .writable = wr });
	*out = o;
	return 0;
}

static bool fault_recorded(const struct smmum_cfg *c, const struct walk_fault *f)
{
	if (f->type < SMMUM_EVT_TRANSLATION || f->type > SMMUM_EVT_PERMISSION)
		return true;
	return f->s2 ? c->s2r : c->cd_r;
}

/* 3.12.2: a translation-class fault at stage 1 under a CD with S = 1 stalls the transaction. */
static bool stage1_stalls(const struct smmum_cfg *c, const struct walk_fault *f)
{
	return (c->config & 1) && c->stall && !f->s2 && f->type >= SMMUM_EVT_TRANSLATION &&
	       f->type <= SMMUM_EVT_PERMISSION;
}

/* The transaction waits for CMD_RESUME / CMD_STALL_TERM; its event is always recorded. */
static int stall_hold(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
		      const struct walk_fault *f)
{
	uint16_t stag = m->next_stag++;

	if (m->nstalled < SMMUM_MAX_STALLS)
		m->stalled[m->nstalled++] = (struct smmum_stall){ sid, stag };
	evt_raise_stag(m, sid, iova, write, f, stag);
	return SMMUM_STALLED;
}

int smmu_model_translate(struct smmu_model *m, uint32_t sid, uint64_t iova, bool write,
			 uint64_t *out)
{
	struct walk_fault f = { 0 };
	struct smmum_cfg tmp = { 0 }, *c = NULL;
	int r;

	if (!(m->cr0 & M_CR0_SMMUEN)) {
		*out = iova;
		return (m->gbpa & M_BIT(20)) ? SMMUM_ABORT : 0;
	}
	r = xlate_cfg(m, sid, &tmp, &c, &f);
	if (r) {
		if ((r != SMMUM_EVT_BAD_STREAMID || (m->cr2 & M_BIT(1))) &&
		    fault_recorded(&tmp, &f))
			evt_raise(m, sid, iova, write, &f);
		return r;
	}
	if (c->config == 0)
		return SMMUM_ABORT;
	if (c->config == 4) {
		*out = iova;
		return 0;
	}
	r = xlate(m, c, iova, write, out, &f);
	if (r && stage1_stalls(c, &f))
		return stall_hold(m, sid, iova, write, &f);
	if (r && fault_recorded(c, &f))
		evt_raise(m, sid, iova, write, &f);
	return r;
}

int smmu_model_dma(struct smmu_model *m, uint32_t sid, uint64_t iova, void *buf, size_t len,
		   bool write)
{
	uint8_t *p = buf;

	while (len) {
		size_t n = 4096 - (iova & 0xfff);
		uint64_t a;
		int r;

		n = n < len ? n : len;
		r = smmu_model_translate(m, sid, iova, write, &a);
		if (r)
			return r;
		if (!ram_ok(m, a, n))
			return SMMUM_EVT_WALK_EABT;
		if (write)
			memcpy((void *)(uintptr_t)a, p, n);
		else
			memcpy(p, (const void *)(uintptr_t)a, n);
		p += n;
		iova += n;
		len -= n;
	}
	return 0;
}

/* ---- command queue (4.x) ----------------------------------------------------------------------
 */

static void cfg_inval(struct smmu_model *m, uint32_t sid, uint32_t nsids)
{
	for (unsigned i = 0; i < SMMUM_CFG_CACHE; i++)
		if (m->cache[i].valid && m->cache[i].sid - (sid & ~(nsids - 1)) < nsids)
			m->cache[i].valid = false;
}

static void stall_release(struct smmu_model *m, uint32_t sid, bool one, uint16_t stag)
{
	for (unsigned i = 0; i < m->nstalled;) {
		if (m->stalled[i].sid == sid && (!one || m->stalled[i].stag == stag))
			m->stalled[i] = m->stalled[--m->nstalled];
		else
			i++;
	}
}

/*
 * 4 KiB pages an address-based TLBI covers (4.4.1.1): with RIL and TG != 0, the range
 * ((NUM + 1) * 2^SCALE) granules from the address; otherwise the one page.
 */
static uint64_t tlbi_pages(const struct smmu_model *m, uint64_t w0, uint64_t w1)
{
	unsigned tg = (unsigned)M_FIELD(w1, 11, 10), num = (unsigned)M_FIELD(w0, 16, 12);
	unsigned scale = (unsigned)M_FIELD(w0, 24, 20);

	if (!m->cfg.ril || !tg)
		return 1;
	/* 4K, 16K, 64K granules are 1, 4 and 16 pages of 4 KiB */
	return ((uint64_t)num + 1) << (scale + 2 * (tg - 1));
}

/* Returns 0 or a CERROR code. */
static int cmd_exec(struct smmu_model *m, uint64_t w0, uint64_t w1)
{
	unsigned op = w0 & 0xff, range;
	uint32_t sid = (uint32_t)(w0 >> 32);
	uint16_t vmid = (uint16_t)M_FIELD(w0, 47, 32), asid = (uint16_t)(w0 >> 48);
	uint64_t page = M_FIELD(w1, 63, 12);

	switch (op) {
	case 0x01: /* PREFETCH_CONFIG */
	case 0x02: /* PREFETCH_ADDR */ return 0;
	case 0x03: /* CFGI_STE */
	case 0x05: /* CFGI_CD */
	case 0x06: /* CFGI_CD_ALL */ cfg_inval(m, sid, 1); return 0;
	case 0x04: /* CFGI_STE_RANGE, Range = 31 is CFGI_ALL */
		range = (unsigned)M_FIELD(w1, 4, 0);
		if (range == 31)
			memset(m->cache, 0, sizeof(m->cache));
		else
			cfg_inval(m, sid, 2u << range);
		return 0;
	case 0x10:
	case 0x11:
	case 0x12:
	case 0x13:
		if (!m->cfg.s1)
			return 1;
		tlb_inval(m,
			  op == 0x10   ? TLBI_VMID
			  : op == 0x11 ? TLBI_ASID
			  : op == 0x12 ? TLBI_VA
				       : TLBI_VAA,
			  vmid, asid, page, tlbi_pages(m, w0, w1));
		return 0;
	case 0x28:
	case 0x2a: /* TLBI_S12_VMALL, TLBI_S2_IPA */
		if (!m->cfg.s2)
			return 1;
		tlb_inval(m, op == 0x28 ? TLBI_S12 : TLBI_IPA, vmid, 0, page,
			  tlbi_pages(m, w0, w1));
		return 0;
	case 0x30: /* TLBI_NSNH_ALL */ tlb_inval(m, TLBI_ALL, 0, 0, 0, 0); return 0;
	case 0x40: /* ATC_INV */ return m->cfg.ats ? 0 : 1;
	case 0x44: /* CMD_RESUME: SID, STAG (4.7.1) */
	case 0x45: /* CMD_STALL_TERM: every stall of SID (4.7.2) */
		stall_release(m, sid, op == 0x44, (uint16_t)w1);
		return 0;
	case 0x46: /* CMD_SYNC */ m->syncs++; return 0;
	default: /* includes TLBI_EL2_* with IDR0.HYP = 0 */ return 1;
	}
}

/* The test asked for this command to be refused: CERROR_ILL, and the command does nothing. */
static bool cmd_fail_injected(struct smmu_model *m, uint64_t w0)
{
	if (!m->fail_count || (w0 & 0xff) != m->fail_op)
		return false;
	m->fail_count--;
	return true;
}

static void cmdq_run(struct smmu_model *m)
{
	unsigned l = q_log2(m->cmdq_base, m->cfg.cmdq_log2);

	while ((m->cr0 & M_CR0_CMDQEN) && !m->cmdq_stalled &&
	       !((m->gerror ^ m->gerrorn) & M_GERR_CMDQ)) {
		uint32_t c = m->cmdq_cons & q_mask(l), p = m->cmdq_prod & q_mask(l);
		uint64_t a = q_addr(m->cmdq_base) + (uint64_t)(c & ((1u << l) - 1)) * 16, w0, w1;
		int err;

		if (c == p)
			return;
		if (!mem_read64(m, a, &w0) || !mem_read64(m, a + 8, &w1))
			err = 2; /* CERROR_ABT */
		else {
			if (m->on_cmd)
				m->on_cmd(m, w0, w1, m->on_cmd_arg);
			err = cmd_fail_injected(m, w0) ? 1 : cmd_exec(m, w0, w1);
		}
		if (err) {
			m->cmdq_cons = (uint32_t)err << 24 | c;
			gerror_raise(m, M_GERR_CMDQ);
			return;
		}
		m->ncmds++;
		if (m->nlog < SMMUM_CMD_LOG)
			m->log[m->nlog++] = (struct smmum_cmd){ w0, w1 };
		m->cmdq_cons = q_inc(c, l);
	}
}

unsigned smmu_model_count_cmds(const struct smmu_model *m, unsigned op, struct smmum_cmd *last)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->nlog; i++) {
		if ((m->log[i].w0 & 0xff) != op)
			continue;
		n++;
		if (last)
			*last = m->log[i];
	}
	return n;
}

/* ---- registers ---------------------------------------------------------------------------- */

static uint32_t reg_idr0(const struct smmu_model *m)
{
	const struct smmu_model_cfg *c = &m->cfg;

	return (c->s2 ? 1u : 0) | (c->s1 ? 2u : 0) | 2u << 2 | (c->coherent ? 1u << 4 : 0) |
	       (c->ats ? 1u << 10 : 0) | 1u << 12 | 1u << 18 | 1u << 26 |
	       (c->stall_model & 3u) << 24 | (c->two_level ? 1u << 27 : 0);
}

static uint64_t model_read(void *ctx, uint64_t off, unsigned width)
{
	struct smmu_model *m = ctx;
	uint64_t v = 0;

	off &= ~0x10000ULL; /* page 1 holds the same registers at the same offsets */
	switch (off & ~3ULL) {
	case R_IDR0: v = reg_idr0(m); break;
	case R_IDR1:
		v = m->cfg.sid_bits | m->cfg.ssid_bits << 6 | m->cfg.evtq_log2 << 16 |
		    m->cfg.cmdq_log2 << 21;
		break;
	case R_IDR3: v = m->cfg.ril ? 1u << 10 : 0; break;
	case R_IDR5: v = m->cfg.oas_enc | 1u << 4; break;
	case R_AIDR: v = 1; break;
	case R_CR0: v = m->cr0; break;
	case R_CR0ACK: v = m->stuck_ack ? 0 : m->cr0; break;
	case R_CR1: v = m->cr1; break;
	case R_CR2: v = m->cr2; break;
	case R_GBPA: v = m->gbpa; break;
	case R_IRQ_CTRL: v = m->irq_ctrl; break;
	case R_IRQ_CTRLACK: v = m->stuck_irq_ack ? 0 : m->irq_ctrl; break;
	case R_GERROR: v = m->gerror; break;
	case R_GERRORN: v = m->gerrorn; break;
	case R_STRTAB_BASE: v = m->strtab_base; break;
	case R_STRTAB_BASE + 4: v = m->strtab_base >> 32; break;
	case R_STRTAB_CFG: v = m->strtab_cfg; break;
	case R_CMDQ_BASE: v = m->cmdq_base; break;
	case R_CMDQ_BASE + 4: v = m->cmdq_base >> 32; break;
	case R_CMDQ_PROD: v = m->cmdq_prod; break;
	case R_CMDQ_CONS: v = m->cmdq_cons; break;
	case R_EVTQ_BASE: v = m->evtq_base; break;
	case R_EVTQ_BASE + 4: v = m->evtq_base >> 32; break;
	case R_EVTQ_PROD & 0xffff: v = m->evtq_prod; break;
	case R_EVTQ_CONS & 0xffff: v = m->evtq_cons; break;
	}
	return width == 8 ? v : (uint32_t)v;
}

static void reg_set64(uint64_t *r, uint64_t off, uint64_t v, unsigned width)
{
	if (width == 8)
		*r = v;
	else if (off & 4)
		*r = (*r & 0xffffffffULL) | v << 32;
	else
		*r = (*r & ~0xffffffffULL) | (uint32_t)v;
}

static void model_write_ctrl(struct smmu_model *m, uint64_t off, uint32_t v)
{
	switch (off) {
	case R_CR0:
		m->cr0 = v & 0x1ff;
		cmdq_run(m);
		break;
	case R_CR1: m->cr1 = v; break;
	case R_CR2: m->cr2 = v; break;
	case R_GBPA:
		if (v & (1u << 31))
			m->gbpa = v & ~(1u << 31);
		break;
	case R_IRQ_CTRL: m->irq_ctrl = v; break;
	case R_GERRORN:
		m->gerrorn = v;
		cmdq_run(m);
		break;
	case R_STRTAB_CFG:
		if (!(m->cr0 & M_CR0_SMMUEN))
			m->strtab_cfg = v;
		break;
	}
}

static void model_write(void *ctx, uint64_t off, uint64_t v, unsigned width)
{
	struct smmu_model *m = ctx;
	uint64_t a = off & ~0x10000ULL & ~3ULL;

	if ((a == R_STRTAB_BASE || a == R_STRTAB_BASE + 4) && !(m->cr0 & M_CR0_SMMUEN))
		reg_set64(&m->strtab_base, off, v, width);
	else if ((a == R_CMDQ_BASE || a == R_CMDQ_BASE + 4) && !(m->cr0 & M_CR0_CMDQEN))
		reg_set64(&m->cmdq_base, off, v, width);
	else if ((a == R_EVTQ_BASE || a == R_EVTQ_BASE + 4) && !(m->cr0 & M_CR0_EVTQEN))
		reg_set64(&m->evtq_base, off, v, width);
	else if (a == R_CMDQ_PROD) {
		m->cmdq_prod = (uint32_t)v;
		cmdq_run(m);
	} else if (a == R_CMDQ_CONS && !(m->cr0 & M_CR0_CMDQEN))
		m->cmdq_cons = (uint32_t)v;
	else if (a == (R_EVTQ_PROD & 0xffff) && !(m->cr0 & M_CR0_EVTQEN))
		m->evtq_prod = (uint32_t)v;
	else if (a == (R_EVTQ_CONS & 0xffff))
		m->evtq_cons = (uint32_t)v;
	else
		model_write_ctrl(m, a, (uint32_t)v);
}

struct smmu_model *smmu_model_create(uint64_t base, const struct smmu_model_cfg *cfg)
{
	struct smmu_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base = base;
	m->cfg = *cfg;
	m->gbpa = 1u << 12; /* reset value observed on implementations: bypass, no abort */
	struct host_mmio_model hm = {
		.base = base, .size = 0x20000, .read = model_read, .write = model_write, .ctx = m
	};
	if (host_mmio_register(&hm)) {
		free(m);
		return NULL;
	}
	return m;
}

void smmu_model_destroy(struct smmu_model *m)
{
	if (!m)
		return;
	host_mmio_unregister(m->base);
	free(m);
}
