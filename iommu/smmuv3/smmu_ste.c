// SPDX-License-Identifier: MIT
/*
 * SMMUv3 stream table (5.1), stream table entries (5.2) and the invalidations that keep the
 * SMMU's caches in step with them (4.3, 4.4, 4.5).
 */
#define LOG_COMPONENT "smmu"
#include <arch/mm.h>
#include <string.h>

#include "core/frame.h"
#include "core/log.h"
#include "iommu/smmuv3/smmu_internal.h"
#include "lib/err.h"

#define STRTAB_SPLIT 8		  /* 256 STEs (16 KiB) per level-2 table */
#define STRTAB_LINEAR_MAX_LOG2 10 /* a linear table of at most 64 KiB */
#define STRTAB_2LVL_MAX_LOG2 20	  /* an L1 table of at most 32 KiB */
#define STE_BYTES (STE_DWORDS * 8)
#define INV_S2_MAX_PAGES 16 /* beyond this, invalidate the whole VMID */

static u64 strtab_bytes(const struct smmu_dev *s)
{
	if (s->two_level)
		return 8ULL << (s->strtab_sids_log2 - s->split);
	return (u64)STE_BYTES << s->strtab_sids_log2;
}

static void ste_fill_abort(u64 *ste, u64 count)
{
	for (u64 i = 0; i < count; i++) {
		memset(&ste[i * STE_DWORDS], 0, STE_BYTES);
		ste[i * STE_DWORDS] = STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_ABORT);
	}
}

static int strtab_alloc(struct smmu_dev *s, u64 bytes, paddr_t *pa)
{
	u64 frames = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int err = frame_alloc_run(s->frames, frames, MAX(bytes, PAGE_SIZE), pa);

	if (!err)
		memset(phys_to_virt(*pa), 0, frames << PAGE_SHIFT);
	return err;
}

int smmu_strtab_init(struct smmu_dev *s, const struct smmu_opts *o)
{
	bool hw_2lvl = FIELD_GET(IDR0_ST_LEVEL, s->idr0) == IDR0_ST_LEVEL_2LVL;
	u64 cfg;
	int err;

	s->two_level = hw_2lvl && !o->force_linear && s->sid_bits > STRTAB_SPLIT;
	s->split = s->two_level ? STRTAB_SPLIT : 0;
	s->strtab_sids_log2 =
		MIN(s->sid_bits, s->two_level ? STRTAB_2LVL_MAX_LOG2 : STRTAB_LINEAR_MAX_LOG2);
	err = strtab_alloc(s, strtab_bytes(s), &s->strtab_pa);
	if (err)
		return err;
	s->strtab = phys_to_virt(s->strtab_pa);
	/* 2-level: every L1 descriptor starts invalid (Span 0), which aborts the stream. */
	if (!s->two_level)
		ste_fill_abort(s->strtab, 1ULL << s->strtab_sids_log2);
	cfg = FIELD_PREP(STRTAB_CFG_LOG2SIZE, s->strtab_sids_log2) |
	      FIELD_PREP(STRTAB_CFG_SPLIT, s->split) |
	      FIELD_PREP(STRTAB_CFG_FMT, s->two_level ? STRTAB_FMT_2LVL : STRTAB_FMT_LINEAR);
	smmu_write32(s, SMMU_STRTAB_BASE,
		     (u32)(STRTAB_BASE_RA | (s->strtab_pa.v & STRTAB_BASE_ADDR)));
	smmu_write32(s, SMMU_STRTAB_BASE + 4, (u32)((STRTAB_BASE_RA | s->strtab_pa.v) >> 32));
	smmu_write32(s, SMMU_STRTAB_BASE_CFG, (u32)cfg);
	return 0;
}

void smmu_strtab_free(struct smmu_dev *s)
{
	u64 frames;

	if (!s->strtab)
		return;
	if (s->two_level) {
		for (u64 i = 0; i < 1ULL << (s->strtab_sids_log2 - s->split); i++) {
			u64 d = s->strtab[i];
			if (FIELD_GET(L1STD_SPAN, d) &&
			    frame_free_run(s->frames, pa(d & L1STD_L2PTR),
					   ((u64)STE_BYTES << s->split) >> PAGE_SHIFT))
				pr_warn("level-2 stream table at 0x%llx was not allocated",
					(unsigned long long)(d & L1STD_L2PTR));
		}
	}
	frames = (strtab_bytes(s) + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (frame_free_run(s->frames, s->strtab_pa, frames))
		pr_warn("stream table frames were not allocated");
	s->strtab = NULL;
}

/* ---- commands ---------------------------------------------------------------------------- */

static int smmu_cfgi_ste(struct smmu_dev *s, u32 sid)
{
	const u64 cmd[1][2] = { { FIELD_PREP(CMD0_OP, CMD_CFGI_STE) | FIELD_PREP(CMD0_SID, sid),
				  CMD1_LEAF } };

	return smmu_cmd_issue(s, cmd, 1);
}

/* A new level-2 table: invalidate the L1 descriptor and every STE it spans. */
static int smmu_cfgi_span(struct smmu_dev *s, u32 sid)
{
	const u64 cmd[1][2] = { { FIELD_PREP(CMD0_OP, CMD_CFGI_STE_RANGE) |
					  FIELD_PREP(CMD0_SID, sid & ~((1u << s->split) - 1)),
				  FIELD_PREP(CMD1_RANGE, s->split - 1) } };

	return smmu_cmd_issue(s, cmd, 1);
}

/* ---- locating and writing STEs ----------------------------------------------------------- */

static int smmu_l2_alloc(struct smmu_dev *s, u32 sid, u64 *l1)
{
	paddr_t l2;
	int err = strtab_alloc(s, (u64)STE_BYTES << s->split, &l2);

	if (err)
		return err;
	ste_fill_abort(phys_to_virt(l2), 1ULL << s->split);
	/* One 64-bit store publishes the filled table (Span = split + 1: all 2^split STEs). */
	*(volatile u64 *)l1 = (l2.v & L1STD_L2PTR) | FIELD_PREP(L1STD_SPAN, s->split + 1);
	return smmu_cfgi_span(s, sid);
}

/* Finds the STE of `sid`; *ste is NULL if its level-2 table is absent and !alloc. */
static int smmu_ste_find(struct smmu_dev *s, u32 sid, bool alloc, u64 **ste)
{
	u64 *l1;
	int err;

	*ste = NULL;
	if (s->strtab_sids_log2 < 32 && (sid >> s->strtab_sids_log2)) {
		pr_err("stream ID 0x%x beyond the stream table (%u bits)", sid,
		       s->strtab_sids_log2);
		return -E_RANGE;
	}
	if (!s->two_level) {
		*ste = &s->strtab[(u64)sid * STE_DWORDS];
		return 0;
	}
	l1 = &s->strtab[sid >> s->split];
	if (!FIELD_GET(L1STD_SPAN, *l1)) {
		if (!alloc)
			return 0;
		err = smmu_l2_alloc(s, sid, l1);
		if (err)
			return err;
	}
	*ste = (u64 *)phys_to_virt(pa(*l1 & L1STD_L2PTR)) +
	       (u64)(sid & ((1u << s->split) - 1)) * STE_DWORDS;
	return 0;
}

static bool ste_live(const u64 *ste)
{
	return (ste[0] & STE0_V) && FIELD_GET(STE0_CONFIG, ste[0]) != STE_CFG_ABORT;
}

/*
 * The safe order (pKVM, SMMUv3 3.21.2): a live STE is first made to abort, then the other
 * words are written and invalidated, and only then word 0 (V, Config) goes in and is
 * invalidated. The SMMU never sees a mix of old and new words with V and a live Config.
 */
static int smmu_ste_install(struct smmu_dev *s, u32 sid, const u64 *ste)
{
	volatile u64 *p;
	u64 *cur;
	int err = smmu_ste_find(s, sid, ste_live(ste), &cur);

	if (err || !cur)
		return err;
	p = cur;
	if (ste_live(cur) && memcmp(&cur[1], &ste[1], STE_BYTES - 8)) {
		p[0] = STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_ABORT);
		err = smmu_cfgi_ste(s, sid);
		if (err)
			return err;
	}
	for (unsigned i = 1; i < STE_DWORDS; i++)
		p[i] = ste[i];
	err = smmu_cfgi_ste(s, sid);
	if (err)
		return err;
	p[0] = ste[0];
	return smmu_cfgi_ste(s, sid);
}

int smmu_ste_read(struct smmu_dev *s, u32 sid, u64 out[8])
{
	u64 *cur;
	int err = smmu_ste_find(s, sid, false, &cur);

	if (err)
		return err;
	if (!cur) {
		memset(out, 0, STE_BYTES);
		return 0;
	}
	memcpy(out, cur, STE_BYTES);
	return 0;
}

/* ---- stream configurations ---------------------------------------------------------------- */

int smmu_stream_abort(struct smmu_dev *s, u32 sid)
{
	const u64 ste[STE_DWORDS] = { STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_ABORT) };

	return smmu_ste_install(s, sid, ste);
}

int smmu_stream_bypass(struct smmu_dev *s, u32 sid)
{
	const u64 ste[STE_DWORDS] = { STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_BYPASS),
				      FIELD_PREP(STE1_SHCFG, STE_SHCFG_INCOMING) };

	return smmu_ste_install(s, sid, ste);
}

static int smmu_s2_words(const struct smmu_dev *s, const struct smmu_s2_cfg *c, u64 *ste)
{
	if (c->t0sz < 16 || c->t0sz > 39 || c->sl0 > 2 || (c->root.v & ~PAGE_MASK) ||
	    (c->root.v & ~STE3_S2TTB) || (s->vmid_bits < 16 && c->vmid >> 8)) {
		pr_err("bad stage-2 configuration: T0SZ %u SL0 %u root 0x%llx VMID %u", c->t0sz,
		       c->sl0, (unsigned long long)c->root.v, c->vmid);
		return -E_INVAL;
	}
	ste[1] = FIELD_PREP(STE1_SHCFG, STE_SHCFG_INCOMING);
	/* S2AA64 must be 1 for VMSAv8-64 tables (QEMU aborts otherwise); S2R records faults. */
	ste[2] = FIELD_PREP(STE2_S2VMID, c->vmid) | FIELD_PREP(STE2_S2T0SZ, c->t0sz) |
		 FIELD_PREP(STE2_S2SL0, c->sl0) | FIELD_PREP(STE2_S2IR0, CR1_CACHE_WB) |
		 FIELD_PREP(STE2_S2OR0, CR1_CACHE_WB) | FIELD_PREP(STE2_S2SH0, CR1_SH_ISH) |
		 FIELD_PREP(STE2_S2TG, 0) | FIELD_PREP(STE2_S2PS, s->oas_enc) | STE2_S2AA64 |
		 STE2_S2R;
	ste[3] = c->root.v & STE3_S2TTB;
	return 0;
}

int smmu_stream_s2(struct smmu_dev *s, u32 sid, const struct smmu_s2_cfg *s2)
{
	u64 ste[STE_DWORDS] = { STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_S2) };
	int err = smmu_s2_words(s, s2, ste);

	return err ? err : smmu_ste_install(s, sid, ste);
}

int smmu_s1_check(const struct smmu_dev *s, const struct smmu_s1_cfg *c, unsigned ipa_bits)
{
	if (!s->s1p)
		return -E_NOTSUP;
	if ((c->s1ctxptr & 63) || (ipa_bits < 64 && (c->s1ctxptr >> ipa_bits)) ||
	    (c->s1ctxptr & ~STE0_S1CTXPTR)) {
		pr_warn("guest CD pointer 0x%llx is misaligned or outside the %u-bit IPA space",
			(unsigned long long)c->s1ctxptr, ipa_bits);
		return -E_RANGE;
	}
	if (c->s1cdmax > s->ssid_bits || c->s1dss > 2 || c->s1fmt > 2 ||
	    (c->s1cdmax == 0 && c->s1fmt != 0) || (c->s1fmt != 0 && !s->cd2l)) {
		pr_warn("guest CD table: S1Fmt %u S1CDMax %u S1DSS %u not supported (SSID bits %u)",
			c->s1fmt, c->s1cdmax, c->s1dss, s->ssid_bits);
		return -E_INVAL;
	}
	return 0;
}

int smmu_stream_nested(struct smmu_dev *s, u32 sid, const struct smmu_s2_cfg *s2,
		       const struct smmu_s1_cfg *s1)
{
	u64 ste[STE_DWORDS] = { 0 };
	int err = smmu_s1_check(s, s1, 64 - s2->t0sz);

	if (!err)
		err = smmu_s2_words(s, s2, ste);
	if (err)
		return err;
	ste[0] = STE0_V | FIELD_PREP(STE0_CONFIG, STE_CFG_NESTED) |
		 FIELD_PREP(STE0_S1FMT, s1->s1fmt) | (s1->s1ctxptr & STE0_S1CTXPTR) |
		 FIELD_PREP(STE0_S1CDMAX, s1->s1cdmax);
	/* CD fetches are write-back cacheable, inner shareable like everything else. */
	ste[1] |= FIELD_PREP(STE1_S1DSS, s1->s1dss) | FIELD_PREP(STE1_S1CIR, CR1_CACHE_WB) |
		  FIELD_PREP(STE1_S1COR, CR1_CACHE_WB) | FIELD_PREP(STE1_S1CSH, CR1_SH_ISH);
	/* The guest's CD may not turn on stalls (5.2: only legal where they are optional). */
	if (s->stall_optional)
		ste[1] |= STE1_S1STALLD;
	return smmu_ste_install(s, sid, ste);
}

/* ---- VMIDs --------------------------------------------------------------------------------- */

int smmu_vmid_alloc(struct smmu_dev *s, u16 *vmid)
{
	unsigned limit = MIN(SMMU_VMID_MAX, 1u << s->vmid_bits);

	/* VMID 0 stays unused so that a zeroed STE word never aliases a live VM. */
	for (unsigned v = 1; v < limit; v++) {
		if (s->vmid_map[v / 64] & BIT(v % 64))
			continue;
		s->vmid_map[v / 64] |= BIT(v % 64);
		*vmid = (u16)v;
		return 0;
	}
	return -E_NOSPC;
}

void smmu_vmid_free(struct smmu_dev *s, u16 vmid)
{
	if (vmid && vmid < SMMU_VMID_MAX)
		s->vmid_map[vmid / 64] &= ~BIT(vmid % 64);
}

/* ---- invalidation -------------------------------------------------------------------------- */

int smmu_inv_s2(struct smmu_dev *s, u16 vmid, u64 ipa, u64 size, bool nested)
{
	u64 cmds[INV_S2_MAX_PAGES][2], end, pages;
	unsigned n = 0;

	if (add_overflow(ipa, size, &end))
		return -E_OVERFLOW;
	pages = (ALIGN_DOWN(end + PAGE_SIZE - 1, PAGE_SIZE) - ALIGN_DOWN(ipa, PAGE_SIZE)) >>
		PAGE_SHIFT;
	/* Combined stage-1+2 entries are only removed by a stage-1 invalidation of the VMID. */
	if (nested || pages > INV_S2_MAX_PAGES) {
		cmds[n][0] = FIELD_PREP(CMD0_OP, CMD_TLBI_S12_VMALL) | FIELD_PREP(CMD0_VMID, vmid);
		cmds[n++][1] = 0;
		return smmu_cmd_issue(s, cmds, n);
	}
	for (u64 a = ALIGN_DOWN(ipa, PAGE_SIZE); n < pages; a += PAGE_SIZE) {
		cmds[n][0] = FIELD_PREP(CMD0_OP, CMD_TLBI_S2_IPA) | FIELD_PREP(CMD0_VMID, vmid);
		cmds[n++][1] = a & CMD1_ADDR;
	}
	return smmu_cmd_issue(s, cmds, n);
}

static int smmu_tlbi_check(const struct smmu_dev *s, const struct smmu_tlbi *t)
{
	bool range = t->tg || t->num || t->scale || t->ttl;

	if (t->op < SMMU_TLBI_NH_ALL || t->op > SMMU_TLBI_NH_VAA)
		return -E_INVAL;
	if (s->asid_bits < 16 && (t->asid >> s->asid_bits))
		return -E_RANGE;
	if (range && (!s->ril || t->tg > 3 || t->ttl > 3 || t->num > 31 || t->scale > 31))
		return -E_INVAL;
	return 0;
}

int smmu_inv_s1(struct smmu_dev *s, u16 vmid, const struct smmu_tlbi *t)
{
	static const u8 ops[] = { [SMMU_TLBI_NH_ALL] = CMD_TLBI_NH_ALL,
				  [SMMU_TLBI_NH_ASID] = CMD_TLBI_NH_ASID,
				  [SMMU_TLBI_NH_VA] = CMD_TLBI_NH_VA,
				  [SMMU_TLBI_NH_VAA] = CMD_TLBI_NH_VAA };
	u64 cmd[1][2];
	int err = smmu_tlbi_check(s, t);

	if (err) {
		pr_warn("refused guest TLB invalidation (op %u ASID %u): %s", t->op, t->asid,
			err_str(err));
		return err;
	}
	/* The VMID is the nesting parent's: the guest has no say in it (docs/architecture.md section 2, invalidation by hardware tag). */
	cmd[0][0] = FIELD_PREP(CMD0_OP, ops[t->op]) | FIELD_PREP(CMD0_VMID, vmid);
	cmd[0][1] = 0;
	if (t->op == SMMU_TLBI_NH_ASID || t->op == SMMU_TLBI_NH_VA)
		cmd[0][0] |= FIELD_PREP(CMD0_ASID, t->asid);
	if (t->op == SMMU_TLBI_NH_VA || t->op == SMMU_TLBI_NH_VAA) {
		cmd[0][0] |= FIELD_PREP(CMD0_NUM, t->num) | FIELD_PREP(CMD0_SCALE, t->scale);
		cmd[0][1] = (t->leaf ? CMD1_LEAF : 0) | FIELD_PREP(CMD1_TTL, t->ttl) |
			    FIELD_PREP(CMD1_TG, t->tg) | (t->addr & CMD1_ADDR);
	}
	return smmu_cmd_issue(s, cmd, 1);
}

int smmu_inv_cd(struct smmu_dev *s, u32 sid, u32 ssid)
{
	u64 cmd[1][2] = { { FIELD_PREP(CMD0_OP, CMD_CFGI_CD) | FIELD_PREP(CMD0_SID, sid) |
				    FIELD_PREP(CMD0_SSID, ssid),
			    CMD1_LEAF } };

	if ((s->strtab_sids_log2 < 32 && (sid >> s->strtab_sids_log2)) || (ssid >> s->ssid_bits))
		return -E_RANGE;
	return smmu_cmd_issue(s, cmd, 1);
}

int smmu_inv_atc(struct smmu_dev *s, u32 sid, u32 ssid, u64 addr, unsigned size_order)
{
	bool ssv = ssid != 0xffffffffu;
	u64 cmd[1][2];

	if (!s->ats)
		return -E_NOTSUP;
	if (size_order < PAGE_SHIFT || size_order > 64 || (ssv && (ssid >> s->ssid_bits)) ||
	    (size_order < 64 && (addr & ((1ULL << size_order) - 1))))
		return -E_INVAL;
	/* 4.5.1 ATC_INV: Size is log2 of the number of 4 KiB pages; 52 covers everything. */
	cmd[0][0] = FIELD_PREP(CMD0_OP, CMD_ATC_INV) | FIELD_PREP(CMD0_SID, sid) |
		    (ssv ? CMD0_SSV | FIELD_PREP(CMD0_SSID, ssid) : 0);
	cmd[0][1] = FIELD_PREP(CMD1_ATC_SIZE, size_order >= 64 ? 52 : size_order - PAGE_SHIFT) |
		    (size_order >= 64 ? 0 : addr & CMD1_ADDR);
	return smmu_cmd_issue(s, cmd, 1);
}
