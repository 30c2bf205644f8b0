// SPDX-License-Identifier: MIT
/*
 * AMD-Vi model: DMA translation (48882 "Device Table Entry Format", "I/O Page Tables for
 * Host Translations", "Guest translation": GCR3 table, then x86 long-mode tables whose
 * addresses are GPAs translated by the host tables) and interrupt remapping (legacy 32-bit
 * IRTE, DTE IV/IntTabLen/IntCtl/IntTabRootPtr).
 */
#include <string.h>

#include "amdvi/amdvi_model_int.h"
#include "pt/ref_walk.h"

static const struct amdvi_model *amdvim_walking; /* the model whose RAM the walkers read */

static uint64_t amdvim_walk_read(uint64_t pa)
{
	uint64_t v;

	amdvim_read64(amdvim_walking, pa, &v); /* outside RAM: 0, i.e. not present */
	return v;
}

/* ---- caches ---------------------------------------------------------------------------------- */

void amdvim_drop_dte(struct amdvi_model *m, int devid)
{
	for (unsigned i = 0; i < AMDVIM_DTE_CACHE; i++)
		if (devid < 0 || m->dcache[i].devid == devid)
			m->dcache[i].valid = false;
}

void amdvim_drop_tlb(struct amdvi_model *m, int domid, bool gn, uint32_t pasid, uint64_t addr,
		     uint64_t size)
{
	for (unsigned i = 0; i < AMDVIM_TLB_SIZE; i++) {
		struct amdvim_tlb *t = &m->tlb[i];
		bool in = !size || ((t->page << 12) >= addr && (t->page << 12) - addr < size);

		if (domid >= 0 && t->domid != domid)
			continue;
		if (gn ? (t->gn && t->pasid == pasid && in) : (t->gn || in))
			t->valid = false;
	}
}

static struct amdvim_tlb *amdvim_tlb_find(struct amdvi_model *m, uint16_t domid, bool gn,
					  uint32_t pasid, uint64_t page)
{
	for (unsigned i = 0; i < AMDVIM_TLB_SIZE; i++) {
		struct amdvim_tlb *t = &m->tlb[i];

		if (t->valid && t->domid == domid && t->gn == gn && t->page == page &&
		    (!gn || t->pasid == pasid))
			return t;
	}
	return NULL;
}

/* ---- device table entry --------------------------------------------------------------------- */

/* Reserved or unsupported settings make the entry illegal (ILLEGAL_DEV_TABLE_ENTRY). */
static bool amdvim_dte_ok(const struct amdvi_model *m, const uint64_t *q)
{
	unsigned hats = (unsigned)amdvim_bits(m->cfg.efr, 11, 10);
	unsigned gats = (unsigned)amdvim_bits(m->cfg.efr, 13, 12);
	unsigned glxsup = (unsigned)amdvim_bits(m->cfg.efr, 15, 14);
	unsigned mode = (unsigned)amdvim_bits(q[0], 11, 9);

	if (amdvim_bits(q[0], 7, 2) || (q[0] >> 63) || ((q[1] >> 42) & 1) ||
	    amdvim_bits(q[2], 53, 52) || ((q[2] >> 59) & 1) || q[3])
		return false;
	if (mode >= 1 && mode <= 6 && mode > 4 + hats)
		return false;
	if (!((q[0] >> 55) & 1)) /* GV clear: the guest fields mean nothing */
		return true;
	if (!(m->cfg.efr & AMDVIM_EFR_GT) || amdvim_bits(q[0], 57, 56) > glxsup)
		return false;
	if (((q[0] >> 54) & 1) && !(m->cfg.efr & AMDVIM_EFR_GIOSUP)) /* GIoV needs GIOSup */
		return false;
	return amdvim_bits(q[2], 55, 54) == 0 || (amdvim_bits(q[2], 55, 54) == 1 && gats == 1);
}

/* The DTE of `devid`, cached; false if it cannot be read (beyond the table, outside RAM). */
static bool amdvim_dte(struct amdvi_model *m, uint16_t devid, uint64_t *q)
{
	uint64_t size = (amdvim_bits(m->devtab, 8, 0) + 1) * 4096;
	uint64_t a = (m->devtab & 0x000ffffffffff000ULL) + (uint64_t)devid * 32;
	struct amdvim_dte *c;

	for (unsigned i = 0; i < AMDVIM_DTE_CACHE; i++)
		if (m->dcache[i].valid && m->dcache[i].devid == devid) {
			memcpy(q, m->dcache[i].q, 32);
			return true;
		}
	if ((uint64_t)devid * 32 >= size)
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (!amdvim_read64(m, a + i * 8, &q[i]))
			return false;
	c = &m->dcache[m->dcache_next++ % AMDVIM_DTE_CACHE];
	*c = (struct amdvim_dte){ .valid = true, .devid = devid };
	memcpy(c->q, q, 32);
	return true;
}

/* ---- translation ----------------------------------------------------------------------------- */

struct amdvim_req {
	uint16_t devid;
	uint32_t pasid; /* AMDVIM_NO_PASID: host translation */
	uint64_t iova;
	bool write;
	uint64_t q[4];
};

static int amdvim_fault(struct amdvi_model *m, const struct amdvim_req *r, unsigned flags)
{
	uint32_t tag = r->pasid != AMDVIM_NO_PASID ? r->pasid : (uint32_t)(r->q[1] & 0xffff);

	flags |= r->write ? AMDVIM_EVF_RW : 0;
	flags |= r->pasid != AMDVIM_NO_PASID ? AMDVIM_EVF_GN : 0;
	amdvim_log_event(m, AMDVIM_EV_IO_PAGE_FAULT, r->devid, tag, flags, r->iova);
	return AMDVIM_PAGE_FAULT;
}

static struct ref_regs amdvim_host_regs(const uint64_t *q)
{
	return (struct ref_regs){ .arch = REF_AMD_V1,
				  .root = q[0] & 0x000ffffffffff000ULL,
				  .oa_bits = 52,
				  .levels = (unsigned)amdvim_bits(q[0], 11, 9) };
}

static uint64_t amdvim_gcr3_root(const uint64_t *q)
{
	return amdvim_bits(q[0], 60, 58) << 12 | amdvim_bits(q[1], 31, 16) << 15 |
	       amdvim_bits(q[1], 63, 43) << 31;
}

/* GPA -> SPA through the host tables (no permission asked: table reads). */
static bool amdvim_gpa(const uint64_t *q, uint64_t gpa, uint64_t *spa)
{
	struct ref_regs h = amdvim_host_regs(q);
	struct ref_result res;

	ref_walk(&h, gpa, 0, &res);
	*spa = res.out;
	return res.fault == REF_OK;
}

/* The guest CR3 for `pasid`: GCR3 table (GLX + 1 levels of 512 entries, 9 PASID bits each). */
static bool amdvim_gcr3(struct amdvi_model *m, const uint64_t *q, uint32_t pasid, uint64_t *cr3)
{
	unsigned glx = (unsigned)amdvim_bits(q[0], 57, 56);
	uint64_t table = amdvim_gcr3_root(q), e = 0, spa;

	if (pasid >> (9 * (glx + 1)))
		return false;
	for (int lvl = (int)glx; lvl >= 0; lvl--) {
		if (!amdvim_gpa(q, table + ((pasid >> (9 * lvl)) & 0x1ff) * 8, &spa) ||
		    !amdvim_read64(m, spa, &e) || !(e & 1))
			return false;
		table = e & 0x000ffffffffff000ULL;
	}
	*cr3 = table;
	return true;
}

static int amdvim_walk(struct amdvi_model *m, struct amdvim_req *r, uint64_t *out, bool *wr)
{
	struct ref_regs h = amdvim_host_regs(r->q), g;
	struct ref_result res;
	uint64_t cr3;

	amdvim_walking = m;
	ref_read64 = amdvim_walk_read;
	if (r->pasid == AMDVIM_NO_PASID) {
		ref_walk(&h, r->iova, r->write ? REF_ACC_W : REF_ACC_R, &res);
	} else {
		if (!amdvim_gcr3(m, r->q, r->pasid, &cr3))
			return amdvim_fault(m, r, AMDVIM_EVF_TR);
		g = (struct ref_regs){ .arch = REF_IA32E,
				       .root = cr3,
				       .oa_bits = 52,
				       .levels = amdvim_bits(r->q[2], 55, 54) ? 5 : 4 };
		ref_walk_nested(&g, &h, r->iova, r->write ? REF_ACC_W : REF_ACC_R, &res);
	}
	if (res.fault != REF_OK)
		return amdvim_fault(m, r,
				    res.fault == REF_F_PERMISSION ? AMDVIM_EVF_PE | AMDVIM_EVF_PR
				    : res.fault == REF_F_RESERVED ? AMDVIM_EVF_RZ
								  : AMDVIM_EVF_TR);
	*out = res.out;
	*wr = res.perms & REF_W;
	return AMDVIM_OK;
}

/* The DTE's own checks: valid, legal, IR/IW, Mode 0 and 7. */
static int amdvim_dte_gate(struct amdvi_model *m, struct amdvim_req *r, uint64_t *out)
{
	unsigned mode = (unsigned)amdvim_bits(r->q[0], 11, 9);
	bool perm = (r->q[0] >> (r->write ? 62 : 61)) & 1;

	if (!(r->q[0] & 1))
		return *out = r->iova, AMDVIM_PASSTHROUGH;
	if (!amdvim_dte_ok(m, r->q)) {
		amdvim_log_event(m, AMDVIM_EV_ILLEGAL_DTE, r->devid, 0,
				 AMDVIM_EVF_RZ | (r->write ? AMDVIM_EVF_RW : 0), r->iova);
		return AMDVIM_ILLEGAL_DTE;
	}
	if (!((r->q[0] >> 1) & 1)) /* TV clear: untranslated, with the DTE's permissions */
		return perm ? (*out = r->iova, AMDVIM_PASSTHROUGH) : AMDVIM_BLOCKED;
	if (r->pasid != AMDVIM_NO_PASID && !((r->q[0] >> 55) & 1))
		return amdvim_fault(m, r, AMDVIM_EVF_TR); /* PASID without guest tables */
	if (!perm || mode == 7)
		return AMDVIM_BLOCKED;
	if (mode == 0)
		return *out = r->iova, AMDVIM_OK;
	return -1; /* walk */
}

int amdvi_model_translate(struct amdvi_model *m, uint16_t devid, uint32_t pasid, uint64_t iova,
			  bool write, uint64_t *out)
{
	struct amdvim_req r = { .devid = devid, .pasid = pasid, .iova = iova, .write = write };
	struct amdvim_tlb *t;
	bool wr = false;
	int res;

	if (!(m->control & AMDVIM_CTL_IOMMU_EN))
		return *out = iova, AMDVIM_PASSTHROUGH;
	if (!amdvim_dte(m, devid, r.q))
		return AMDVIM_ILLEGAL_DTE;
	if (pasid == AMDVIM_NO_PASID && ((r.q[0] >> 55) & 1) && ((r.q[0] >> 54) & 1))
		r.pasid = 0; /* GIoV: requests without PASID use the guest tables of PASID 0 */
	if ((res = amdvim_dte_gate(m, &r, out)) >= 0)
		return res;
	t = amdvim_tlb_find(m, (uint16_t)r.q[1], r.pasid != AMDVIM_NO_PASID, r.pasid, iova >> 12);
	if (t && (!write || t->writable)) {
		*out = t->out_page << 12 | (iova & 0xfff);
		return AMDVIM_OK;
	}
	if ((res = amdvim_walk(m, &r, out, &wr)))
		return res;
	m->tlb[m->tlb_next++ % AMDVIM_TLB_SIZE] =
		(struct amdvim_tlb){ .valid = true,
				     .gn = r.pasid != AMDVIM_NO_PASID,
				     .devid = devid,
				     .domid = (uint16_t)r.q[1],
				     .pasid = r.pasid,
				     .page = iova >> 12,
				     .out_page = *out >> 12,
				     .writable = wr };
	return AMDVIM_OK;
}

int amdvi_model_dma(struct amdvi_model *m, uint16_t devid, uint32_t pasid, uint64_t iova, void *buf,
		    size_t len, bool write)
{
	uint8_t *b = buf;

	while (len) {
		size_t n = 4096 - (iova & 0xfff);
		uint64_t pa;
		int res = amdvi_model_translate(m, devid, pasid, iova, write, &pa);

		if (n > len)
			n = len;
		if (res != AMDVIM_OK && res != AMDVIM_PASSTHROUGH)
			return res;
		if (!amdvim_ram(m, pa, n))
			return AMDVIM_PAGE_FAULT; /* nothing behind it: the test made a mistake */
		if (write)
			memcpy((void *)(uintptr_t)pa, b, n);
		else
			memcpy(b, (void *)(uintptr_t)pa, n);
		b += n, iova += n, len -= n;
	}
	return AMDVIM_OK;
}

/* ---- interrupt remapping ---------------------------------------------------------------------- */

static int amdvim_irte(struct amdvi_model *m, const uint64_t *q, uint16_t devid, uint32_t data,
		       struct amdvim_irq *out)
{
	unsigned len = (unsigned)amdvim_bits(q[2], 4, 1), index = data & 0x7ff;
	uint64_t a = (q[2] & 0x000fffffffffffc0ULL) + index * 4ULL;
	uint32_t irte;

	if (len > 11 || index >= (1u << len) || !amdvim_ram(m, a, 4)) {
		amdvim_log_event(m, AMDVIM_EV_IO_PAGE_FAULT, devid, 0, AMDVIM_EVF_I, index);
		return AMDVIM_IR_ABORT;
	}
	irte = *(volatile uint32_t *)(uintptr_t)a;
	/* RemapEn; IntType fixed or arbitrated; GuestMode clear; reserved 31:24 */
	if (!(irte & 1) || amdvim_bits(irte, 4, 2) > 1 || ((irte >> 7) & 1) || (irte >> 24)) {
		if (!((irte >> 1) & 1)) /* SupIOPF: no event */
			amdvim_log_event(m, AMDVIM_EV_IO_PAGE_FAULT, devid, 0, AMDVIM_EVF_I, index);
		return AMDVIM_IR_ABORT;
	}
	out->vector = (uint8_t)(irte >> 16);
	out->dest = (uint8_t)(irte >> 8);
	return AMDVIM_OK;
}

int amdvi_model_msi(struct amdvi_model *m, uint16_t devid, uint64_t addr, uint32_t data,
		    struct amdvim_irq *out)
{
	uint64_t q[4];
	unsigned mt = (data >> 8) & 7;

	if ((addr >> 20) != 0xfee)
		return AMDVIM_IR_ABORT; /* not an interrupt: the caller made a mistake */
	if (!(m->control & AMDVIM_CTL_IOMMU_EN) || !amdvim_dte(m, devid, q) || !(q[0] & 1) ||
	    !(q[2] & 1)) {
		out->vector = (uint8_t)data, out->dest = (uint8_t)(addr >> 12);
		return AMDVIM_PASSTHROUGH; /* no interrupt information: not remapped */
	}
	if (!amdvim_dte_ok(m, q))
		return AMDVIM_ILLEGAL_DTE;
	if (mt > 1) /* NMI, INIT, ExtInt, SMI: only their pass bits let them through */
		return AMDVIM_IR_ABORT;
	switch (amdvim_bits(q[2], 61, 60)) {
	case 1: out->vector = (uint8_t)data, out->dest = (uint8_t)(addr >> 12); return AMDVIM_OK;
	case 2: return amdvim_irte(m, q, devid, data, out);
	}
	return AMDVIM_IR_ABORT; /* IntCtl 00: target abort; 11: reserved */
}
