// SPDX-License-Identifier: MIT
/* GICv3 ITS and redistributor model (its_model.h), from Arm IHI 0069H. */
#include "its/its_model.h"

#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

/* Register offsets (12.19 ITS_base, 12.11 RD_base). */
#define M_GITS_CTLR 0x0000
#define M_GITS_TYPER 0x0008
#define M_GITS_CBASER 0x0080
#define M_GITS_CWRITER 0x0088
#define M_GITS_CREADR 0x0090
#define M_GITS_BASER0 0x0100
#define M_GITS_TRANSLATER 0x10040
#define M_GICR_CTLR 0x0000
#define M_GICR_TYPER 0x0008
#define M_GICR_PROPBASER 0x0070
#define M_GICR_PENDBASER 0x0078

#define M_BIT(n) (1ULL << (n))
#define M_MASK(h, l) ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
#define M_LPI_FIRST 8192u
#define M_INTID_BITS 16 /* the model's GICD_TYPER.IDbits + 1 */
#define M_DTE_SIZE 8
#define M_CTE_SIZE 8

/* The model's own entry layouts (IMPLEMENTATION DEFINED by the architecture). */
#define DTE_V M_BIT(63)
#define DTE_ITT M_MASK(51, 8)
#define DTE_SIZE M_MASK(4, 0)
#define CTE_V M_BIT(63)
#define CTE_RD M_MASK(35, 0)
#define ITE_V 1u

struct its_model_cfg its_model_default_cfg(void)
{
	return (struct its_model_cfg){
		.devbits = 16, .idbits = 16, .ite_size = 12, .stall_errors = true
	};
}

static bool ram_ok(const struct its_model *m, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < m->nram; i++)
		if (a >= m->ram[i].base && len <= m->ram[i].size &&
		    a - m->ram[i].base <= m->ram[i].size - len)
			return true;
	return false;
}

static uint8_t *mem(const struct its_model *m, uint64_t a, uint64_t len)
{
	return ram_ok(m, a, len) ? (uint8_t *)(uintptr_t)a : NULL;
}

static uint64_t page_size(uint64_t baser)
{
	static const uint64_t sz[4] = { 0x1000, 0x4000, 0x10000, 0x10000 };

	return sz[(baser >> 8) & 3];
}

/* The address of entry `idx` of the table of type `type` (5.2), NULL if outside it. */
static uint64_t *table_entry(struct its_model *m, unsigned type, uint64_t idx)
{
	for (unsigned n = 0; n < 8; n++) {
		uint64_t b = m->baser[n], esz = ((b >> 48) & 0x1f) + 1;
		uint64_t bytes = ((b & 0xff) + 1) * page_size(b);

		if (((b >> 56) & 7) != type)
			continue;
		if (!(b & M_BIT(63)) || idx >= bytes / esz)
			return NULL;
		return (uint64_t *)mem(m, (b & M_MASK(47, 12)) + idx * esz, 8);
	}
	return NULL;
}

static uint64_t *dte(struct its_model *m, uint32_t devid)
{
	return (uint64_t)devid >> m->cfg.devbits ? NULL : table_entry(m, 1, devid);
}

static uint64_t *cte(struct its_model *m, uint32_t icid)
{
	return icid > 0xffff ? NULL : table_entry(m, 4, icid);
}

/* The ITT entry of (devid, event), NULL if the device is unmapped or event out of range. */
static uint8_t *ite(struct its_model *m, uint32_t devid, uint32_t event)
{
	uint64_t *d = dte(m, devid);

	if (!d || !(*d & DTE_V) || (uint64_t)event >> ((*d & DTE_SIZE) + 1))
		return NULL;
	return mem(m, (*d & DTE_ITT) + (uint64_t)event * m->cfg.ite_size, m->cfg.ite_size);
}

static bool rdbase_ok(const struct its_model *m, uint64_t rd)
{
	return m->cfg.pta ? rd == m->rd_base >> 16 : rd == m->cfg.procnum;
}

static void lpi_reread(struct its_model *m, unsigned intid)
{
	uint8_t *c;

	if (intid < M_LPI_FIRST || intid - M_LPI_FIRST >= ITSM_MAX_LPIS)
		return;
	c = mem(m, (m->propbaser & M_MASK(51, 12)) + intid - M_LPI_FIRST, 1);
	m->lpi_cfg[intid - M_LPI_FIRST] = c ? *c : 0;
}

static int cmd_mapd(struct its_model *m, const uint64_t *c)
{
	uint32_t devid = (uint32_t)(c[0] >> 32);
	unsigned size = (unsigned)(c[1] & 0x1f);
	uint64_t *d = dte(m, devid);

	if (!d || size + 1 > m->cfg.idbits)
		return -1;
	*d = (c[2] & M_BIT(63)) ? DTE_V | (c[2] & DTE_ITT) | size : 0;
	return 0;
}

static int cmd_mapc(struct its_model *m, const uint64_t *c)
{
	uint64_t *e = cte(m, (uint32_t)(c[2] & 0xffff)), rd = (c[2] >> 16) & M_MASK(34, 0);

	if (!e || ((c[2] & M_BIT(63)) && !rdbase_ok(m, rd)))
		return -1;
	*e = (c[2] & M_BIT(63)) ? CTE_V | rd : 0;
	return 0;
}

static int cmd_mapti(struct its_model *m, const uint64_t *c, bool mapi)
{
	uint32_t devid = (uint32_t)(c[0] >> 32), event = (uint32_t)c[1];
	uint32_t intid = mapi ? event : (uint32_t)(c[1] >> 32), icid = (uint32_t)(c[2] & 0xffff);
	uint8_t *e = ite(m, devid, event);

	if (!e || intid < M_LPI_FIRST || intid >> M_INTID_BITS || !cte(m, icid))
		return -1;
	memset(e, 0, m->cfg.ite_size);
	memcpy(e, &intid, 4);
	e[4] = (uint8_t)icid;
	e[5] = (uint8_t)(icid >> 8);
	e[6] = ITE_V;
	return 0;
}

/* The valid ITE of (devid, event) whose collection is mapped, with its LPI. */
static uint8_t *ite_mapped(struct its_model *m, const uint64_t *c, uint32_t *intid)
{
	uint8_t *e = ite(m, (uint32_t)(c[0] >> 32), (uint32_t)c[1]);
	uint64_t *col;

	if (!e || !(e[6] & ITE_V))
		return NULL;
	col = cte(m, (uint32_t)e[4] | (uint32_t)e[5] << 8);
	if (!col || !(*col & CTE_V))
		return NULL;
	memcpy(intid, e, 4);
	return e;
}

static int cmd_event(struct its_model *m, const uint64_t *c, unsigned op)
{
	uint32_t intid;
	uint8_t *e = ite_mapped(m, c, &intid), *p;

	if (!e)
		return -1;
	if (op == 0x0c) { /* INV */
		lpi_reread(m, intid);
		return 0;
	}
	e[6] = 0; /* DISCARD: the mapping and any pending state go (5.3.4) */
	p = mem(m, (m->pendbaser & M_MASK(51, 16)) + intid / 8, 1);
	if (p)
		*p &= (uint8_t) ~(1u << (intid % 8));
	return 0;
}

static int cmd_exec(struct its_model *m, const uint64_t *c)
{
	unsigned op = (unsigned)(c[0] & 0xff);

	if (m->fail_count && op == m->fail_op) {
		m->fail_count--;
		return -1;
	}
	switch (op) {
	case 0x08: return cmd_mapd(m, c);
	case 0x09: return cmd_mapc(m, c);
	case 0x0a: return cmd_mapti(m, c, false);
	case 0x0b: return cmd_mapti(m, c, true);
	case 0x0c:
	case 0x0f: return cmd_event(m, c, op);
	case 0x0d: {
		uint64_t *col = cte(m, (uint32_t)(c[2] & 0xffff));

		if (!col || !(*col & CTE_V))
			return -1;
		for (unsigned i = 0; i < ITSM_MAX_LPIS; i++)
			lpi_reread(m, M_LPI_FIRST + i);
		return 0;
	}
	case 0x05:
		if (!rdbase_ok(m, (c[2] >> 16) & M_MASK(34, 0)))
			return -1;
		m->syncs++;
		return 0;
	default: return -1;
	}
}

static void cmdq_run(struct its_model *m)
{
	uint64_t qsize = ((m->cbaser & 0xff) + 1) * 0x1000;

	if (!(m->ctlr & 1) || !(m->cbaser & M_BIT(63)) || m->stuck || (m->creadr & 1))
		return;
	while ((m->creadr & M_MASK(19, 5)) != (m->cwriter & M_MASK(19, 5))) {
		uint64_t *c = (uint64_t *)mem(m, (m->cbaser & M_MASK(51, 12)) + m->creadr, 32);
		int err = c ? cmd_exec(m, c) : -1;

		if (c && m->nlog < ITSM_CMD_LOG)
			memcpy(m->log[m->nlog++].dw, c, 32);
		m->ncmds++;
		if (err) {
			m->errors++;
			if (m->cfg.stall_errors) {
				m->creadr |= 1; /* Stalled: the command stays at CREADR (5.3.1) */
				return;
			}
		}
		m->creadr = (m->creadr + 32) % qsize;
	}
}

unsigned its_model_lookup(struct its_model *m, uint32_t devid, uint32_t event)
{
	uint64_t c[2] = { (uint64_t)devid << 32, event };
	uint32_t intid;

	return ite_mapped(m, c, &intid) ? intid : 0;
}

int its_model_msi(struct its_model *m, uint32_t devid, uint32_t event)
{
	unsigned intid = (m->ctlr & 1) ? its_model_lookup(m, devid, event) : 0;
	uint8_t *p;

	if (!intid) {
		m->dropped++;
		return -1;
	}
	p = mem(m, (m->pendbaser & M_MASK(51, 16)) + intid / 8, 1);
	if (!(m->gicr_ctlr & 1) || intid - M_LPI_FIRST >= ITSM_MAX_LPIS ||
	    !(m->lpi_cfg[intid - M_LPI_FIRST] & 1)) {
		if (p) /* a disabled LPI stays pending (5.1.2) */
			*p |= (uint8_t)(1u << (intid % 8));
		m->dropped++;
		return -1;
	}
	m->delivered++;
	if (m->deliver)
		m->deliver(m->deliver_ctx, intid);
	return 0;
}

/* ---- MMIO ------------------------------------------------------------------------------ */

static uint64_t reg_get(uint64_t r, uint64_t off, unsigned width)
{
	return width == 8 ? r : (uint32_t)(r >> (8 * (off & 4)));
}

static void reg_set(uint64_t *r, uint64_t off, uint64_t v, unsigned width)
{
	if (width == 8)
		*r = v;
	else if (off & 4)
		*r = (*r & 0xffffffffULL) | (uint64_t)(uint32_t)v << 32;
	else
		*r = (*r & ~0xffffffffULL) | (uint32_t)v;
}

static uint64_t its_typer(const struct its_model *m)
{
	return 1 | (uint64_t)(m->cfg.ite_size - 1) << 4 | (uint64_t)(m->cfg.idbits - 1) << 8 |
	       (uint64_t)(m->cfg.devbits - 1) << 13 | (m->cfg.pta ? M_BIT(19) : 0) | M_BIT(36) |
	       15ULL << 32; /* CIL, CIDbits 16 */
}

static uint64_t its_read(void *ctx, uint64_t off, unsigned width)
{
	struct its_model *m = ctx;
	uint64_t a = off & ~7ULL;

	if (off == M_GITS_CTLR)
		return m->ctlr | ((m->ctlr & 1) ? 0 : 1u << 31);
	if (a == M_GITS_TYPER)
		return reg_get(its_typer(m), off, width);
	if (a == M_GITS_CBASER)
		return reg_get(m->cbaser, off, width);
	if (a == M_GITS_CWRITER)
		return reg_get(m->cwriter, off, width);
	if (a == M_GITS_CREADR)
		return reg_get(m->creadr, off, width);
	if (a >= M_GITS_BASER0 && a < M_GITS_BASER0 + 64)
		return reg_get(m->baser[(a - M_GITS_BASER0) / 8], off, width);
	return 0;
}

static void baser_write(struct its_model *m, unsigned n, uint64_t off, uint64_t v, unsigned width)
{
	uint64_t ro = M_MASK(58, 48) | M_BIT(62), keep = m->baser[n] & ro; /* Type, Entry_Size */

	if (!(m->baser[n] & M_MASK(58, 56)))
		return; /* unimplemented: RAZ/WI */
	reg_set(&m->baser[n], off, v, width);
	m->baser[n] = (m->baser[n] & ~ro) | keep;
	if (m->cfg.psize_ro)
		m->baser[n] = (m->baser[n] & ~M_MASK(9, 8)) | (uint64_t)(m->cfg.psize_ro - 1) << 8;
}

static void its_write(void *ctx, uint64_t off, uint64_t v, unsigned width)
{
	struct its_model *m = ctx;
	uint64_t a = off & ~7ULL;
	bool on = m->ctlr & 1;

	if (off == M_GITS_TRANSLATER) {
		(void)its_model_msi(m, 0, (uint32_t)v); /* a CPU write: DeviceID 0 */
	} else if (off == M_GITS_CTLR) {
		m->ctlr = (uint32_t)v & 1;
		cmdq_run(m);
	} else if (a == M_GITS_CBASER && !on) {
		reg_set(&m->cbaser, off, v, width);
		m->creadr = 0; /* 12.19.3: writing CBASER resets CREADR */
	} else if (a == M_GITS_CWRITER) {
		reg_set(&m->cwriter, off, v & M_MASK(19, 5), width);
		cmdq_run(m);
	} else if (a >= M_GITS_BASER0 && a < M_GITS_BASER0 + 64 && !on) {
		baser_write(m, (unsigned)(a - M_GITS_BASER0) / 8, off, v, width);
	}
}

static uint64_t rd_read(void *ctx, uint64_t off, unsigned width)
{
	struct its_model *m = ctx;
	uint64_t a = off & ~7ULL;

	if (off == M_GICR_CTLR)
		return m->gicr_ctlr;
	if (a == M_GICR_TYPER)
		return reg_get((m->cfg.no_plpis ? 0 : 1) | (uint64_t)m->cfg.procnum << 8 | M_BIT(4),
			       off, width);
	if (a == M_GICR_PROPBASER)
		return reg_get(m->propbaser, off, width);
	if (a == M_GICR_PENDBASER)
		return reg_get(m->pendbaser & ~M_BIT(62), off, width);
	return 0;
}

static void rd_write(void *ctx, uint64_t off, uint64_t v, unsigned width)
{
	struct its_model *m = ctx;
	uint64_t a = off & ~7ULL;
	bool on = m->gicr_ctlr & 1;

	if (off == M_GICR_CTLR && !m->cfg.no_plpis)
		m->gicr_ctlr |= (uint32_t)v & 1; /* once set, EnableLPIs stays (12.11.2) */
	else if (a == M_GICR_PROPBASER && !on)
		reg_set(&m->propbaser, off, v, width);
	else if (a == M_GICR_PENDBASER && !on)
		reg_set(&m->pendbaser, off, v, width);
}

struct its_model *its_model_create(uint64_t base, uint64_t rd_base, const struct its_model_cfg *cfg)
{
	struct its_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base = base;
	m->rd_base = rd_base;
	m->cfg = *cfg;
	if (m->cfg.ite_size < 8)
		m->cfg.ite_size = 8; /* the model's ITE layout needs 7 bytes */
	m->baser[0] = 1ULL << 56 | (uint64_t)(M_DTE_SIZE - 1) << 48;
	m->baser[1] = 4ULL << 56 | (uint64_t)(M_CTE_SIZE - 1) << 48;
	if (cfg->psize_ro)
		for (unsigned n = 0; n < 2; n++)
			m->baser[n] |= (uint64_t)(cfg->psize_ro - 1) << 8;
	struct host_mmio_model its = {
		.base = base, .size = 0x20000, .read = its_read, .write = its_write, .ctx = m
	};
	struct host_mmio_model rd = {
		.base = rd_base, .size = 0x20000, .read = rd_read, .write = rd_write, .ctx = m
	};
	if (host_mmio_register(&its)) {
		free(m);
		return NULL;
	}
	if (host_mmio_register(&rd)) {
		host_mmio_unregister(base);
		free(m);
		return NULL;
	}
	return m;
}

void its_model_destroy(struct its_model *m)
{
	if (!m)
		return;
	host_mmio_unregister(m->base);
	host_mmio_unregister(m->rd_base);
	free(m);
}

void its_model_add_ram(struct its_model *m, uint64_t base, uint64_t size)
{
	if (m->nram < ITSM_MAX_RAM)
		m->ram[m->nram++] = (typeof(m->ram[0])){ base, size };
}
