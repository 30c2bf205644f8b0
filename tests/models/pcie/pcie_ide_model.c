// SPDX-License-Identifier: MIT
/* The IDE Extended Capability model (see pcie_ide_model.h). */
#include <stdlib.h>
#include <string.h>

#include "pcie/pcie_ide_model.h"
#include "pcie/pcie_model.h"

/* Register offsets and sizes as the spec tables give them (7.9.26.1 - 7.9.26.5.5). */
enum {
	CAP_REG = 0x04,
	CTL_REG = 0x08,
	LINK_FIRST = 0x0c,
	LINK_SIZE = 8,
	S_CAP = 0x00,
	S_CTL = 0x04,
	S_STS = 0x08,
	S_RID1 = 0x0c,
	S_RID2 = 0x10,
	S_ADDR = 0x14,
	ADDR_SIZE = 12,
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned sel_size(unsigned naddr)
{
	return S_ADDR + ADDR_SIZE * naddr;
}

static unsigned ide_size(const struct pm_ide *ide)
{
	unsigned n = LINK_FIRST + (ide->link ? LINK_SIZE * ide->nlink_tc : 0);

	for (unsigned i = 0; ide->selective && i < ide->nsel; i++)
		n += sel_size(ide->naddr[i]);
	return n;
}

/* IDE Capability register (7.9.26.2): the port's features; algorithm 0 = AES-GCM-256. */
static uint32_t cap_value(const struct pm_ide *ide)
{
	uint32_t v = 1u << 6; /* IDE_KM protocol supported */

	if (ide->link)
		v |= 1u << 0 | (uint32_t)(ide->nlink_tc - 1) << 13;
	if (ide->selective)
		v |= 1u << 1 | (uint32_t)(ide->nsel - 1) << 16;
	if (ide->tee_limited)
		v |= 1u << 24;
	return v;
}

static void sel_block_init(struct pm_fn *f, const struct pm_ide *ide, uint16_t b, unsigned naddr)
{
	/* Control: Enable, aggregation, PCRC, config, partial header, algorithm, TC, default,
	 * stream ID; TEE-limited only where supported. */
	put32(f->wmask + b + S_CTL, 0xff7ffffdu | (ide->tee_limited ? 1u << 23 : 0));
	put32(f->cfg + b + S_CAP, naddr);
	put32(f->wmask + b + S_RID1, 0x00ffff00u);
	put32(f->wmask + b + S_RID2, 0xffffff01u);
	for (unsigned a = 0; a < naddr; a++) {
		uint16_t at = (uint16_t)(b + S_ADDR + ADDR_SIZE * a);
		put32(f->wmask + at, 0xffffff01u);
		put32(f->wmask + at + 4, 0xffffffffu);
		put32(f->wmask + at + 8, 0xffffffffu);
	}
}

uint16_t pm_fn_ide(struct pm_fn *f, struct pm_ide *ide)
{
	unsigned size = ide_size(ide);
	uint16_t off = pm_fn_ext_cap(f, 0x0030, 1, (uint16_t)size), pos;

	if (off + size > 4096)
		abort(); /* a test asked for more than config space holds */
	ide->off = off;
	ide->end = (uint16_t)(off + size);
	put32(f->cfg + off + CAP_REG, cap_value(ide));
	put32(f->wmask + off + CTL_REG, 1u << 2); /* flow-through enable */
	pos = (uint16_t)(off + LINK_FIRST);
	for (unsigned t = 0; ide->link && t < ide->nlink_tc; t++, pos += LINK_SIZE)
		put32(f->wmask + pos, 0xff3ffdfdu); /* Link IDE Stream Control */
	for (unsigned i = 0; ide->selective && i < ide->nsel; i++) {
		ide->sel_off[i] = pos;
		sel_block_init(f, ide, pos, ide->naddr[i]);
		pos = (uint16_t)(pos + sel_size(ide->naddr[i]));
	}
	f->ide = ide;
	return off;
}

uint16_t pm_ide_sel_reg(const struct pm_ide *ide, unsigned i, uint16_t reg)
{
	return (uint16_t)(ide->sel_off[i] + reg);
}

uint32_t pm_ide_sel_read(struct pm_fn *f, unsigned i, uint16_t reg)
{
	uint16_t off = pm_ide_sel_reg(f->ide, i, reg);

	if (reg == S_STS)
		return (uint32_t)pm_ide_read_status(f->ide, f, off, 4);
	return pm_read32(f, off);
}

/* The selective block containing `off`, or -1. */
static int sel_block_of(const struct pm_ide *ide, uint16_t off, uint16_t *rel)
{
	for (unsigned i = 0; ide->selective && i < ide->nsel; i++) {
		if (off >= ide->sel_off[i] && off < ide->sel_off[i] + sel_size(ide->naddr[i])) {
			*rel = (uint16_t)(off - ide->sel_off[i]);
			return (int)i;
		}
	}
	return -1;
}

bool pm_ide_is_status(const struct pm_ide *ide, uint16_t off)
{
	uint16_t rel = 0;

	return sel_block_of(ide, off, &rel) >= 0 && rel >= S_STS && rel < S_STS + 4;
}

/* 7.9.26.5.3: state 0010b Secure once enabled and keyed (6.33.4), 0000b Insecure otherwise. */
uint64_t pm_ide_read_status(struct pm_ide *ide, struct pm_fn *f, uint16_t off, unsigned w)
{
	uint16_t rel = 0;
	int i = sel_block_of(ide, off, &rel);
	uint32_t ctl, sts = 0;

	if (i < 0)
		return 0; /* not a status register: the caller checked pm_ide_is_status() */
	ctl = get32(f->cfg + ide->sel_off[i] + S_CTL);
	uint8_t id = (uint8_t)(ctl >> 24);

	if ((ctl & 1) && !ide->never_secure && ide->keys_ready && ide->keys_ready(ide->ctx, id))
		sts = 2;
	return (sts >> (8 * (rel - S_STS))) & (w == 4 ? 0xffffffffu : (1u << (8 * w)) - 1);
}

void pm_ide_before_write(struct pm_ide *ide, struct pm_fn *f, uint16_t off, uint64_t v, unsigned w)
{
	uint16_t rel = 0;
	int i;

	if (off < ide->off || off >= ide->end)
		return;
	ide->writes++;
	i = sel_block_of(ide, off, &rel);
	if (i < 0)
		return;
	bool enabled = get32(f->cfg + ide->sel_off[i] + S_CTL) & 1;
	if (enabled && rel >= S_RID1)
		ide->assoc_writes_while_enabled++;
	if (rel == S_CTL && w == 4 && !enabled && (v & 1))
		ide->enables++;
}
