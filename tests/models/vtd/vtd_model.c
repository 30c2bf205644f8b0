// SPDX-License-Identifier: MIT
/*
 * VT-d model: the register file (VT-d 11.4), global command handshakes, queued invalidation
 * (6.5.2) and primary fault recording (7.2). Field positions are the spec's, written here
 * without reference to the driver.
 */
#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

#include "vtd/vtd_model_int.h"

/* Register offsets (11.4). */
enum {
	R_VER = 0x00,
	R_CAP = 0x08,
	R_ECAP = 0x10,
	R_GCMD = 0x18,
	R_GSTS = 0x1c,
	R_RTADDR = 0x20,
	R_CCMD = 0x28,
	R_FSTS = 0x34,
	R_FECTL = 0x38,
	R_FEDATA = 0x3c,
	R_FEADDR = 0x40,
	R_FEUADDR = 0x44,
	R_IQH = 0x80,
	R_IQT = 0x88,
	R_IQA = 0x90,
	R_ICS = 0x9c,
	R_IECTL = 0xa0,
	R_IEDATA = 0xa4,
	R_IEADDR = 0xa8,
	R_IEUADDR = 0xac,
	R_IRTA = 0xb8,
};

#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FECTL_IM (1u << 31)
#define FECTL_IP (1u << 30)
#define GCMD_SRTP (1u << 30)
#define GCMD_SIRTP (1u << 24)
#define GCMD_KEEP (VTDM_GS_TES | VTDM_GS_QIES | VTDM_GS_IRES | VTDM_GS_CFIS)

bool vtdm_ram(const struct vtd_model *m, uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < m->nram; i++)
		if (pa >= m->ram[i].base && len <= m->ram[i].size &&
		    pa - m->ram[i].base <= m->ram[i].size - len)
			return true;
	return false;
}

bool vtdm_read64(const struct vtd_model *m, uint64_t pa, uint64_t *v)
{
	if (!vtdm_ram(m, pa, 8)) {
		*v = 0;
		return false;
	}
	*v = *(volatile uint64_t *)(uintptr_t)pa;
	return true;
}

void vtdm_msi(struct vtd_model *m, uint32_t addr, uint32_t data)
{
	m->msis++;
	if (m->cfg.msi)
		m->cfg.msi(m->cfg.msi_ctx, addr, data);
}

/* ---- fault recording (7.2.1) ----------------------------------------------------------------- */

static void vtdm_fault_event(struct vtd_model *m)
{
	if (m->fectl & FECTL_IM) {
		m->fectl |= FECTL_IP;
		return;
	}
	m->fectl &= ~FECTL_IP;
	vtdm_msi(m, m->feaddr, m->fedata);
}

static void vtdm_update_ppf(struct vtd_model *m)
{
	m->fsts &= ~FSTS_PPF;
	for (unsigned i = 0; i < m->nfr; i++)
		if (m->frcd[i][1] >> 63)
			m->fsts |= FSTS_PPF;
}

void vtdm_fault(struct vtd_model *m, const struct vtdm_fault *f)
{
	uint64_t *r = m->frcd[m->fri];

	if (m->fsts & FSTS_PFO)
		return; /* overflow pending: nothing more is recorded until software clears it */
	for (unsigned i = 0; i < m->nfr; i++) {
		/* a pending record of the same source: this fault is collapsed into it */
		if ((m->frcd[i][1] >> 63) && (uint16_t)m->frcd[i][1] == f->sid) {
			m->collapsed++;
			return;
		}
	}
	if (r[1] >> 63) {
		m->fsts |= FSTS_PFO;
		vtdm_fault_event(m);
		return;
	}
	r[0] = f->fi & ~0xfffULL;
	r[1] = (uint64_t)f->sid | (uint64_t)f->pp << 31 | (uint64_t)f->fr << 32 |
	       (uint64_t)(f->pasid & 0xfffff) << 40 | (uint64_t)f->read << 62 | 1ULL << 63;
	m->fsts = (m->fsts & ~0xff00u) | m->fri << 8;
	m->fri = (m->fri + 1) % m->nfr;
	vtdm_update_ppf(m);
	vtdm_fault_event(m);
}

/* ---- queued invalidation (6.5.2) ----------------------------------------------------------- */

static void vtdm_iqe(struct vtd_model *m)
{
	m->iqe++;
	m->fsts |= FSTS_IQE;
	vtdm_fault_event(m);
}

static bool vtdm_dw(const struct vtd_model *m)
{
	return (m->iqa >> 11) & 1;
}

static void vtdm_desc_ctx(struct vtd_model *m, const uint64_t *w)
{
	unsigned g = (unsigned)vtdm_bits(w[0], 5, 4);

	if (g == 1)
		vtdm_drop_pcache(m, -1, -1, -1);
	else if (g == 2)
		vtdm_drop_pcache(m, -1, (int)vtdm_bits(w[0], 31, 16), -1);
	else
		vtdm_drop_pcache(m, (int)vtdm_bits(w[0], 47, 32), -1, -1);
}

/* IOTLB (6.5.2.3): G = 1 global, 2 domain, 3 page-selective within the domain. */
static bool vtdm_desc_iotlb(struct vtd_model *m, const uint64_t *w)
{
	unsigned g = (unsigned)vtdm_bits(w[0], 5, 4), am = (unsigned)vtdm_bits(w[1], 5, 0);
	int did = (int)vtdm_bits(w[0], 31, 16);

	if (g == 0 || (g == 3 && am > vtdm_bits(m->cfg.cap, 53, 48)))
		return false;
	if (g == 1)
		vtdm_drop_tlb(m, false, -1, -1, 0, 0);
	else if (g == 2)
		vtdm_drop_tlb(m, false, did, -1, 0, 0);
	else
		vtdm_drop_tlb(m, false, did, -1, w[1] & ~0xfffULL, 4096ULL << am);
	return true;
}

/* PASID-based IOTLB (6.5.2.4): G = 2 all of a PASID, 3 page-selective within it. */
static bool vtdm_desc_piotlb(struct vtd_model *m, const uint64_t *w)
{
	unsigned g = (unsigned)vtdm_bits(w[0], 5, 4), am = (unsigned)vtdm_bits(w[1], 5, 0);
	int did = (int)vtdm_bits(w[0], 31, 16);
	int64_t pasid = (int64_t)vtdm_bits(w[0], 51, 32);

	if (!vtdm_dw(m) || g < 2 || am > vtdm_bits(m->cfg.cap, 53, 48))
		return false;
	if (g == 2)
		vtdm_drop_tlb(m, true, did, pasid, 0, 0);
	else
		vtdm_drop_tlb(m, true, did, pasid, w[1] & ~0xfffULL, 4096ULL << am);
	return true;
}

/* PASID cache (6.5.2.3): G = 0 domain, 1 PASID within a domain, 3 global. */
static bool vtdm_desc_pc(struct vtd_model *m, const uint64_t *w)
{
	unsigned g = (unsigned)vtdm_bits(w[0], 5, 4);
	int did = (int)vtdm_bits(w[0], 31, 16);

	if (g == 2)
		return false;
	vtdm_drop_pcache(m, -1, g == 3 ? -1 : did, g == 1 ? (int64_t)vtdm_bits(w[0], 51, 32) : -1);
	return true;
}

/* Invalidation wait (6.5.2.8): SW writes the status dword, IF raises the completion event. */
static bool vtdm_desc_wait(struct vtd_model *m, const uint64_t *w)
{
	bool iflag = vtdm_bits(w[0], 4, 4), sw = vtdm_bits(w[0], 5, 5);
	uint64_t sa = w[1] & ~3ULL;

	if (vtdm_bits(w[0], 7, 7))
		return false; /* page-request drain: not supported (no PRS) */
	if (iflag && sw) {
		m->sw_if_aborts++; /* QEMU 10.0 asserts here: the driver must never do it */
		return false;
	}
	if (sw) {
		if (!vtdm_ram(m, sa, 4))
			return false;
		*(volatile uint32_t *)(uintptr_t)sa = (uint32_t)(w[0] >> 32);
	}
	if (iflag) {
		m->ics |= 1;
		if (!(m->iectl & FECTL_IM))
			vtdm_msi(m, m->ieaddr, m->iedata);
	}
	return true;
}

static bool vtdm_desc_run(struct vtd_model *m, const uint64_t *w)
{
	unsigned type = (unsigned)(vtdm_bits(w[0], 3, 0) | vtdm_bits(w[0], 11, 9) << 4);

	switch (type) {
	case 1: vtdm_desc_ctx(m, w); return true;
	case 2: return vtdm_desc_iotlb(m, w);
	case 3:
	case 8: return true; /* device-TLB: the device's ATC (logged) */
	case 4:
		if (vtdm_bits(w[0], 4, 4))
			vtdm_drop_iec(m, (int64_t)vtdm_bits(w[0], 47, 32),
				      1ULL << vtdm_bits(w[0], 31, 27));
		else
			vtdm_drop_iec(m, -1, 0);
		return true;
	case 5: return vtdm_desc_wait(m, w);
	case 6: return vtdm_desc_piotlb(m, w);
	case 7: return vtdm_desc_pc(m, w);
	}
	return false;
}

static void vtdm_log(struct vtd_model *m, const uint64_t *w)
{
	struct vtdm_desc *d = &m->log[m->nlog++ % VTDM_LOG];

	memcpy(d->w, w, sizeof(d->w));
}

/* Runs the queue from IQH to IQT; stops at a bad descriptor with FSTS.IQE (IQH left on it). */
static void vtdm_qi_run(struct vtd_model *m)
{
	uint64_t qsize = 4096ULL << vtdm_bits(m->iqa, 2, 0), base = m->iqa & ~0xfffULL;
	unsigned dsz = vtdm_dw(m) ? 32 : 16;

	if (!(m->gsts & VTDM_GS_QIES) || m->qi_stalled || (m->fsts & FSTS_IQE))
		return;
	while (m->iqh != m->iqt) {
		uint64_t w[4] = { 0 }, a = base + m->iqh;

		for (unsigned i = 0; i < dsz / 8; i++)
			if (!vtdm_read64(m, a + i * 8, &w[i])) {
				vtdm_iqe(m);
				return;
			}
		vtdm_log(m, w);
		if (m->on_desc)
			m->on_desc(m, w, m->on_desc_arg);
		if (!vtdm_desc_run(m, w)) {
			vtdm_iqe(m);
			return;
		}
		m->iqh = (m->iqh + dsz) % qsize;
	}
}

/* ---- register file ------------------------------------------------------------------------- */

static void vtdm_gcmd(struct vtd_model *m, uint32_t v)
{
	if (m->stuck_gsts)
		return;
	if (v & GCMD_SRTP) {
		m->rtaddr_live = m->rtaddr;
		m->gsts |= VTDM_GS_RTPS;
		vtdm_drop_pcache(m, -1, -1, -1);
	}
	if (v & GCMD_SIRTP) {
		m->irta_live = m->irta;
		m->gsts |= VTDM_GS_IRTPS;
	}
	if ((v & VTDM_GS_QIES) && !(m->gsts & VTDM_GS_QIES))
		m->iqh = 0; /* 6.5.2: enabling QI resets the head */
	m->gsts = (m->gsts & ~GCMD_KEEP) | (v & GCMD_KEEP);
}

static bool vtdm_is32(uint64_t off)
{
	switch (off) {
	case R_VER:
	case R_GCMD:
	case R_GSTS:
	case R_FSTS:
	case R_FECTL:
	case R_FEDATA:
	case R_FEADDR:
	case R_FEUADDR:
	case R_ICS:
	case R_IECTL:
	case R_IEDATA:
	case R_IEADDR:
	case R_IEUADDR: return true;
	}
	return false;
}

static uint64_t *vtdm_reg64(struct vtd_model *m, uint64_t off)
{
	unsigned fro = (unsigned)vtdm_bits(m->cfg.cap, 33, 24) * 16;

	switch (off) {
	case R_RTADDR: return &m->rtaddr;
	case R_IQH: return &m->iqh;
	case R_IQT: return &m->iqt;
	case R_IQA: return &m->iqa;
	case R_IRTA: return &m->irta;
	}
	if (off >= fro && off < fro + 16u * m->nfr)
		return &m->frcd[(off - fro) / 16][((off - fro) / 8) & 1];
	return NULL;
}

static uint64_t vtdm_read(void *ctx, uint64_t off, unsigned width)
{
	struct vtd_model *m = ctx;
	uint64_t *r = vtdm_reg64(m, off & ~7ULL), v;

	switch (off) {
	case R_VER: return 0x10;
	case R_CAP: return width == 4 ? (uint32_t)m->cfg.cap : m->cfg.cap;
	case R_CAP + 4: return m->cfg.cap >> 32;
	case R_ECAP: return width == 4 ? (uint32_t)m->cfg.ecap : m->cfg.ecap;
	case R_ECAP + 4: return m->cfg.ecap >> 32;
	case R_GSTS: return m->gsts;
	case R_FSTS: return m->fsts;
	case R_FECTL: return m->fectl;
	case R_FEDATA: return m->fedata;
	case R_FEADDR: return m->feaddr;
	case R_ICS: return m->ics;
	case R_IECTL: return m->iectl;
	}
	if (!r)
		return 0;
	v = *r >> (off & 4 ? 32 : 0);
	return width == 8 ? v : (uint32_t)v;
}

/* FRCD high qword (11.4.14): F is write-1-to-clear, the rest read-only. */
static void vtdm_frcd_write(struct vtd_model *m, uint64_t *r, uint64_t v)
{
	if ((v >> 63) && ((r - &m->frcd[0][0]) & 1)) {
		*r &= ~(1ULL << 63);
		vtdm_update_ppf(m);
	}
}

static void vtdm_write64(struct vtd_model *m, uint64_t off, uint64_t v, unsigned width)
{
	uint64_t *r = vtdm_reg64(m, off & ~7ULL);

	if (!r)
		return;
	if (r >= &m->frcd[0][0] && r < &m->frcd[0][0] + 2 * VTDM_MAX_FRCD) {
		vtdm_frcd_write(m, r, width == 4 ? (off & 4 ? v << 32 : 0) : v);
		return;
	}
	if (width == 4)
		v = off & 4 ? (*r & 0xffffffffULL) | v << 32 : (*r & ~0xffffffffULL) | (uint32_t)v;
	*r = v;
	if ((off & ~7ULL) == R_IQT)
		vtdm_qi_run(m);
}

static void vtdm_write32(struct vtd_model *m, uint64_t off, uint32_t v)
{
	switch (off) {
	case R_GCMD: vtdm_gcmd(m, v); return;
	case R_FSTS:
		m->fsts &= ~(v & 0x7du); /* W1C: PFO, AFO, APF, IQE, ICE, ITE */
		if (v & FSTS_IQE)
			vtdm_qi_run(m);
		return;
	case R_FECTL:
		m->fectl = (m->fectl & ~FECTL_IM) | (v & FECTL_IM);
		if (!(v & FECTL_IM) && (m->fectl & FECTL_IP))
			vtdm_fault_event(m);
		return;
	case R_FEDATA: m->fedata = v; return;
	case R_FEADDR: m->feaddr = v & ~3u; return;
	case R_ICS: m->ics &= ~(v & 1); return;
	case R_IECTL: m->iectl = v & FECTL_IM; return;
	case R_IEDATA: m->iedata = v; return;
	case R_IEADDR: m->ieaddr = v & ~3u; return;
	}
}

static void vtdm_write(void *ctx, uint64_t off, uint64_t v, unsigned width)
{
	struct vtd_model *m = ctx;

	if (vtdm_is32(off & ~3ULL)) {
		if (width != 4) {
			m->width_aborts++; /* QEMU: assert(size == 4) */
			return;
		}
		vtdm_write32(m, off, (uint32_t)v);
		return;
	}
	if (width == 4 || width == 8)
		vtdm_write64(m, off, v, width);
}

/* ---- lifetime and configurations ----------------------------------------------------------- */

struct vtd_model *vtd_model_create(uint64_t base, const struct vtd_model_cfg *cfg)
{
	struct vtd_model *m = calloc(1, sizeof(*m));
	struct host_mmio_model hm = { .base = base,
				      .size = VTDM_REG_SIZE,
				      .read = vtdm_read,
				      .write = vtdm_write,
				      .ctx = m };

	if (!m)
		return NULL;
	m->base = base;
	m->cfg = *cfg;
	m->nfr = (unsigned)vtdm_bits(cfg->cap, 47, 40) + 1;
	if (m->nfr > VTDM_MAX_FRCD)
		m->nfr = VTDM_MAX_FRCD;
	m->fectl = FECTL_IM; /* 11.4.9.2: IM is set at reset */
	m->iectl = FECTL_IM;
	if (host_mmio_register(&hm)) {
		free(m);
		return NULL;
	}
	return m;
}

void vtd_model_destroy(struct vtd_model *m)
{
	if (!m)
		return;
	host_mmio_unregister(m->base);
	free(m);
}

void vtd_model_add_ram(struct vtd_model *m, uint64_t base, uint64_t size)
{
	if (m->nram < VTDM_MAX_RAM)
		m->ram[m->nram++] = (typeof(m->ram[0])){ base, size };
}

struct vtd_model_cfg vtd_model_qemu_sl(void)
{
	return (struct vtd_model_cfg){ .cap = 0x00d2008c222f0606ULL,
				       .ecap = 0x0000480080f00f4aULL };
}

struct vtd_model_cfg vtd_model_qemu_fl(void)
{
	return (struct vtd_model_cfg){ .cap = 0x01d2008c222f0606ULL,
				       .ecap = 0x0000880000f00f4aULL };
}

struct vtd_model_cfg vtd_model_nested(void)
{
	/* FLTS, SLTS, SMTS, NEST, DT (device-TLB), on top of QEMU's scalable unit */
	uint64_t ecap = 0x0000480080f00f4aULL | 1ULL << 47 | 1ULL << 26 | 1ULL << 2;

	return (struct vtd_model_cfg){ .cap = 0x01d2008c222f0606ULL, .ecap = ecap };
}

unsigned vtd_model_count(const struct vtd_model *m, unsigned type, struct vtdm_desc *last)
{
	unsigned n = 0, first = m->nlog > VTDM_LOG ? m->nlog - VTDM_LOG : 0;

	for (unsigned i = first; i < m->nlog; i++) {
		const struct vtdm_desc *d = &m->log[i % VTDM_LOG];

		if ((vtdm_bits(d->w[0], 3, 0) | vtdm_bits(d->w[0], 11, 9) << 4) != type)
			continue;
		n++;
		if (last)
			*last = *d;
	}
	return n;
}
