// SPDX-License-Identifier: MIT
/*
 * AMD-Vi model: the MMIO registers, the command buffer and the event log (48882 "MMIO
 * Registers", "Commands", "Event Log"). Field positions are the spec's, written here without
 * reference to the driver.
 */
#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

#include "amdvi/amdvi_model_int.h"

enum {
	R_DEVTAB = 0x00,
	R_CMDBUF = 0x08,
	R_EVTLOG = 0x10,
	R_CONTROL = 0x18,
	R_EXCL_BASE = 0x20,
	R_EXCL_LIMIT = 0x28,
	R_EFR = 0x30,
	R_CMD_HEAD = 0x2000,
	R_CMD_TAIL = 0x2008,
	R_EVT_HEAD = 0x2010,
	R_EVT_TAIL = 0x2018,
	R_STATUS = 0x2020,
};

#define PTR_MASK 0x7fff0ULL /* head/tail pointers: byte offsets, bits 18:4 */
#define BASE_MASK 0x000ffffffffff000ULL

bool amdvim_ram(const struct amdvi_model *m, uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < m->nram; i++)
		if (pa >= m->ram[i].base && len <= m->ram[i].size &&
		    pa - m->ram[i].base <= m->ram[i].size - len)
			return true;
	return false;
}

bool amdvim_read64(const struct amdvi_model *m, uint64_t pa, uint64_t *v)
{
	if (!amdvim_ram(m, pa, 8)) {
		*v = 0;
		return false;
	}
	*v = *(volatile uint64_t *)(uintptr_t)pa;
	return true;
}

void amdvim_msi(struct amdvi_model *m, unsigned cause)
{
	m->msis++;
	if (m->cfg.msi)
		m->cfg.msi(m->cfg.msi_ctx, cause);
}

/* Buffer length from bits 59:56 (2^len 16-byte entries, len 8..15); 0 if reserved. */
static uint64_t amdvim_buf_size(uint64_t reg)
{
	unsigned len = (unsigned)amdvim_bits(reg, 59, 56);

	return len < 8 ? 0 : 16ULL << len;
}

/* ---- event log ---------------------------------------------------------------------------- */

bool amdvi_model_event(struct amdvi_model *m, const uint64_t rec[2])
{
	uint64_t size = amdvim_buf_size(m->evtbase), next, a;

	if (!(m->control & AMDVIM_CTL_EVTLOG_EN) || !(m->status & AMDVIM_ST_EVT_RUN) || !size)
		return false;
	next = (m->evt_tail + 16) % size;
	if (next == m->evt_head) {
		/* full: the event is lost, overflow set, logging stops until software restarts it */
		m->status |= AMDVIM_ST_EVT_OVERFLOW;
		m->status &= ~AMDVIM_ST_EVT_RUN;
		m->overflows++;
		return false;
	}
	a = (m->evtbase & BASE_MASK) + m->evt_tail;
	if (!amdvim_ram(m, a, 16))
		return false;
	memcpy((void *)(uintptr_t)a, rec, 16);
	m->evt_tail = next;
	m->events++;
	if (m->control & AMDVIM_CTL_EVTINT_EN) {
		m->status |= AMDVIM_ST_EVT_INT;
		amdvim_msi(m, AMDVIM_MSI_EVENT);
	}
	return true;
}

void amdvim_log_event(struct amdvi_model *m, unsigned code, uint16_t devid, uint32_t tag,
		      unsigned flags, uint64_t addr)
{
	/* dword0: DeviceID, PASID[19:16]; dword1: DomainID or PASID[15:0], flags, code */
	uint64_t rec[2] = { devid | (uint64_t)((tag >> 16) & 0xf) << 16 |
				    (uint64_t)(tag & 0xffff) << 32 |
				    (uint64_t)(flags & 0xfff) << 48 | (uint64_t)code << 60,
			    addr };

	(void)amdvi_model_event(m, rec);
}

/* ---- commands ------------------------------------------------------------------------------ */

static bool amdvim_cmd_wait(struct amdvi_model *m, const uint64_t *w)
{
	uint64_t sa = w[0] & 0x000ffffffffffff8ULL;

	if (amdvim_bits(w[0], 59, 52))
		return false;
	if (w[0] & 1) { /* S: store the 64-bit data */
		if (!amdvim_ram(m, sa, 8))
			return false;
		*(volatile uint64_t *)(uintptr_t)sa = w[1];
	}
	if (w[0] & 2) { /* I: completion interrupt */
		m->status |= AMDVIM_ST_COMWAIT_INT;
		if (m->control & AMDVIM_CTL_COMWAITINT_EN)
			amdvim_msi(m, AMDVIM_MSI_COMWAIT);
	}
	return true;
}

/* S = 1: the lowest clear address bit at or above 12 gives the (aligned) range size. */
static void amdvim_range(uint64_t a, bool s, uint64_t *base, uint64_t *size)
{
	unsigned k = 12;

	a &= ~0xfffULL;
	if (!s) {
		*base = a, *size = 4096;
		return;
	}
	while (k < 63 && ((a >> k) & 1))
		k++;
	if (k >= 63) {
		*base = 0, *size = 0; /* everything */
		return;
	}
	*size = 1ULL << (k + 1);
	*base = a & ~(*size - 1);
}

static bool amdvim_cmd_pages(struct amdvi_model *m, const uint64_t *w)
{
	uint64_t base, size;

	if (amdvim_bits(w[0], 31, 20) || amdvim_bits(w[0], 59, 48) || amdvim_bits(w[1], 11, 3))
		return false;
	amdvim_range(w[1], w[1] & 1, &base, &size);
	amdvim_drop_tlb(m, (int)amdvim_bits(w[0], 47, 32), (w[1] >> 2) & 1,
			(uint32_t)amdvim_bits(w[0], 19, 0), base, size);
	return true;
}

static bool amdvim_cmd_run(struct amdvi_model *m, const uint64_t *w)
{
	switch (w[0] >> 60) {
	case 0x1: return amdvim_cmd_wait(m, w);
	case 0x2:
		if (amdvim_bits(w[0], 59, 16) || w[1])
			return false;
		m->dte_invals++;
		amdvim_drop_dte(m, (int)(w[0] & 0xffff));
		return true;
	case 0x3: return amdvim_cmd_pages(m, w);
	case 0x4: return !amdvim_bits(w[1], 11, 3); /* device IOTLB: the device's ATC (logged) */
	case 0x5: return !amdvim_bits(w[0], 59, 16) && !w[1];
	case 0x8:
		if (!(m->cfg.efr & AMDVIM_EFR_IA) || amdvim_bits(w[0], 59, 0) || w[1])
			return false;
		amdvim_drop_dte(m, -1);
		amdvim_drop_tlb(m, -1, false, 0, 0, 0);
		return true;
	}
	return false;
}

static void amdvim_log_cmd(struct amdvi_model *m, const uint64_t *w)
{
	struct amdvim_cmd *c = &m->log[m->nlog++ % AMDVIM_LOG];

	c->w[0] = w[0], c->w[1] = w[1];
}

/* Runs head to tail; an illegal command stops the buffer (CmdBufRun clear, head on it). */
static void amdvim_cmd_process(struct amdvi_model *m)
{
	uint64_t size = amdvim_buf_size(m->cmdbase), base = m->cmdbase & BASE_MASK;

	if (!(m->status & AMDVIM_ST_CMD_RUN) || m->cmd_stalled || !size)
		return;
	while (m->cmd_head != m->cmd_tail) {
		uint64_t w[2], a = base + m->cmd_head;

		if (!amdvim_read64(m, a, &w[0]) || !amdvim_read64(m, a + 8, &w[1])) {
			m->status &= ~AMDVIM_ST_CMD_RUN;
			return;
		}
		amdvim_log_cmd(m, w);
		if (m->on_cmd)
			m->on_cmd(m, w, m->on_cmd_arg);
		if (!amdvim_cmd_run(m, w)) {
			m->illegal_cmds++;
			m->status &= ~AMDVIM_ST_CMD_RUN;
			amdvim_log_event(m, AMDVIM_EV_ILLEGAL_CMD, 0, 0, 0, a);
			return;
		}
		m->cmd_head = (m->cmd_head + 16) % size;
	}
}

/* ---- register file ------------------------------------------------------------------------- */

/* A buffer runs while IommuEn and its enable are both set; it (re)starts on the 0 -> 1 edge. */
static void amdvim_run_bit(struct amdvi_model *m, uint64_t old, uint64_t v, uint64_t en,
			   uint64_t run)
{
	bool was = (old & AMDVIM_CTL_IOMMU_EN) && (old & en);
	bool now = (v & AMDVIM_CTL_IOMMU_EN) && (v & en);

	if (!now)
		m->status &= ~run;
	else if (!was)
		m->status |= run;
}

static void amdvim_control(struct amdvi_model *m, uint64_t v)
{
	uint64_t old = m->control;

	m->control = v;
	if (m->stuck_run)
		return;
	amdvim_run_bit(m, old, v, AMDVIM_CTL_CMDBUF_EN, AMDVIM_ST_CMD_RUN);
	amdvim_run_bit(m, old, v, AMDVIM_CTL_EVTLOG_EN, AMDVIM_ST_EVT_RUN);
	amdvim_cmd_process(m);
}

static uint64_t *amdvim_reg(struct amdvi_model *m, uint64_t off)
{
	switch (off) {
	case R_DEVTAB: return &m->devtab;
	case R_CMDBUF: return &m->cmdbase;
	case R_EVTLOG: return &m->evtbase;
	case R_CONTROL: return &m->control;
	case R_EXCL_BASE: return &m->excl_base;
	case R_EXCL_LIMIT: return &m->excl_limit;
	case R_CMD_HEAD: return &m->cmd_head;
	case R_CMD_TAIL: return &m->cmd_tail;
	case R_EVT_HEAD: return &m->evt_head;
	case R_EVT_TAIL: return &m->evt_tail;
	case R_STATUS: return &m->status;
	}
	return NULL;
}

static uint64_t amdvim_mmio_read(void *ctx, uint64_t off, unsigned width)
{
	struct amdvi_model *m = ctx;
	uint64_t *r = amdvim_reg(m, off & ~7ULL), v;

	if ((off & ~7ULL) == R_EFR)
		v = m->cfg.efr;
	else if (r)
		v = *r;
	else
		return 0;
	v >>= (off & 4) ? 32 : 0;
	return width == 8 ? v : (uint32_t)v;
}

static void amdvim_reg_write(struct amdvi_model *m, uint64_t off, uint64_t v)
{
	switch (off) {
	case R_CONTROL: amdvim_control(m, v); return;
	case R_STATUS:
		/* write-1-to-clear: overflow and the three interrupt bits; the rest read-only */
		m->status &= ~(v & (AMDVIM_ST_EVT_OVERFLOW | AMDVIM_ST_EVT_INT |
				    AMDVIM_ST_COMWAIT_INT | (1ULL << 5) | (1ULL << 6)));
		return;
	case R_CMD_HEAD:
	case R_CMD_TAIL:
	case R_EVT_HEAD:
	case R_EVT_TAIL: *amdvim_reg(m, off) = v & PTR_MASK; break;
	default: *amdvim_reg(m, off) = v; return;
	}
	if (off == R_CMD_TAIL || off == R_CMD_HEAD)
		amdvim_cmd_process(m);
}

static void amdvim_mmio_write(void *ctx, uint64_t off, uint64_t v, unsigned width)
{
	struct amdvi_model *m = ctx;
	uint64_t *r = amdvim_reg(m, off & ~7ULL);

	if (!r || (width != 4 && width != 8))
		return;
	if (width == 4) /* a dword of the 64-bit register */
		v = off & 4 ? (*r & 0xffffffffULL) | v << 32 : (*r & ~0xffffffffULL) | (uint32_t)v;
	amdvim_reg_write(m, off & ~7ULL, v);
}

/* ---- lifetime and configurations ------------------------------------------------------------ */

struct amdvi_model *amdvi_model_create(uint64_t base, const struct amdvi_model_cfg *cfg)
{
	struct amdvi_model *m = calloc(1, sizeof(*m));
	struct host_mmio_model hm = { .base = base,
				      .size = AMDVIM_REG_SIZE,
				      .read = amdvim_mmio_read,
				      .write = amdvim_mmio_write,
				      .ctx = m };

	if (!m)
		return NULL;
	m->base = base;
	m->cfg = *cfg;
	if (host_mmio_register(&hm)) {
		free(m);
		return NULL;
	}
	return m;
}

void amdvi_model_destroy(struct amdvi_model *m)
{
	if (!m)
		return;
	host_mmio_unregister(m->base);
	free(m);
}

void amdvi_model_add_ram(struct amdvi_model *m, uint64_t base, uint64_t size)
{
	if (m->nram < AMDVIM_MAX_RAM)
		m->ram[m->nram++] = (typeof(m->ram[0])){ base, size };
}

struct amdvi_model_cfg amdvi_model_qemu(void)
{
	return (struct amdvi_model_cfg){ .efr = 0x29d3 };
}

struct amdvi_model_cfg amdvi_model_full(void)
{
	/* PreF, PPR, GT, IA, GA, HE; HATS 0 (4 host levels), GATS 1 (5 guest levels), GLX 1,
	 * GIOSup */
	return (struct amdvi_model_cfg){ .efr = 0x1d3 | 1ULL << 12 | 1ULL << 14 | 1ULL << 48 };
}

unsigned amdvi_model_count(const struct amdvi_model *m, unsigned opcode, struct amdvim_cmd *last)
{
	unsigned n = 0, first = m->nlog > AMDVIM_LOG ? m->nlog - AMDVIM_LOG : 0;

	for (unsigned i = first; i < m->nlog; i++) {
		const struct amdvim_cmd *c = &m->log[i % AMDVIM_LOG];

		if ((c->w[0] >> 60) != opcode)
			continue;
		n++;
		if (last)
			*last = *c;
	}
	return n;
}
