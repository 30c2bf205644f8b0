// SPDX-License-Identifier: MIT
/* The IDE Extended Capability driver; see pci/ide.h. */
#define LOG_COMPONENT "pci"
#include "pci/ide.h"

#include <arch/cpu.h>
#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "pci/regs.h"

#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_TYPE(f) (((f) >> 4) & 0xf)
#define PCI_EXP_TYPE_ROOT_PORT 0x4

/* Checks that [pos, pos + size) lies inside the extent; advances pos past it. */
static int ide_take(u32 *pos, u32 size, u16 limit)
{
	u32 end;

	if (add_overflow(*pos, size, &end) || end > limit)
		return -E_RANGE;
	*pos = end;
	return 0;
}

static int ide_parse_sel(pci_ide_read_fn rd, void *ctx, u32 pos, u16 limit, struct pci_ide *p)
{
	unsigned nsel = PCI_IDE_CAP_SEL_STREAMS(p->cap);

	for (unsigned i = 0; i < nsel; i++) {
		u32 start = pos, naddr;

		/* The block's own capability register must exist before we read its count. */
		if (ide_take(&pos, PCI_IDE_SEL_ADDR, limit))
			return trace_err(-E_RANGE);
		naddr = rd(ctx, (u16)(start + PCI_IDE_SEL_CAP)) & 0xf;
		if (ide_take(&pos, PCI_IDE_ADDR_BLOCK_SIZE * naddr, limit))
			return trace_err(-E_RANGE);
		p->sel_off[i] = (u16)start;
		p->sel_naddr[i] = (u8)naddr;
	}
	p->nsel = (u16)nsel;
	return 0;
}

int pci_ide_parse(pci_ide_read_fn rd, void *ctx, u16 off, u16 limit, struct pci_ide *out)
{
	struct pci_ide p;
	u32 pos = off;

	if (off < 0x100 || (off & 3) || limit > 0x1000 || limit <= off)
		return trace_err(-E_INVAL);
	if (ide_take(&pos, PCI_IDE_LINK_BLOCKS, limit))
		return trace_err(-E_RANGE);
	if ((rd(ctx, off) & 0xffff) != PCI_EXT_CAP_IDE)
		return trace_err(-E_INVAL);
	memset(&p, 0, sizeof(p));
	p.off = off;
	p.limit = limit;
	p.cap = rd(ctx, (u16)(off + PCI_IDE_CAP));
	if (p.cap & PCI_IDE_CAP_LINK) {
		p.nlink_tc = (u8)PCI_IDE_CAP_LINK_TCS(p.cap);
		if (ide_take(&pos, PCI_IDE_LINK_BLOCK_SIZE * p.nlink_tc, limit))
			return trace_err(-E_RANGE);
	}
	if ((p.cap & PCI_IDE_CAP_SELECTIVE) && ide_parse_sel(rd, ctx, pos, limit, &p))
		return trace_err(-E_RANGE);
	*out = p;
	return 0;
}

static u32 ide_cfg_read(void *ctx, u16 off)
{
	return pci_dev_read32(ctx, off);
}

int pci_ide_probe(const struct pci_dev *d, struct pci_ide *out)
{
	if (!d->ide_cap)
		return -E_NODEV;
	return pci_ide_parse(ide_cfg_read, (void *)d, d->ide_cap,
			     pci_ext_cap_end(d->host, d->bdf, d->ide_cap), out);
}

static u16 ide_reg(const struct pci_ide *ide, unsigned block, u16 reg)
{
	return (u16)(ide->sel_off[block] + reg);
}

int pci_ide_sel_find_free(const struct pci_dev *d, const struct pci_ide *ide, unsigned *block)
{
	for (unsigned i = 0; i < ide->nsel; i++) {
		if (!(pci_dev_read32(d, ide_reg(ide, i, PCI_IDE_SEL_CTL)) & PCI_IDE_SEL_CTL_EN)) {
			*block = i;
			return 0;
		}
	}
	return -E_BUSY;
}

static int ide_check_range(const struct pci_ide_range *r)
{
	/* Association registers hold address bits 63:20: 1 MiB granularity (7.9.26.5.5). */
	if ((r->base & (PCI_IDE_ADDR_GRANULE - 1)) ||
	    (r->limit & (PCI_IDE_ADDR_GRANULE - 1)) != PCI_IDE_ADDR_GRANULE - 1 ||
	    r->limit < r->base)
		return trace_err(-E_INVAL);
	return 0;
}

static int ide_check_cfg(const struct pci_ide *ide, unsigned block,
			 const struct pci_ide_stream_cfg *c)
{
	if (block >= ide->nsel)
		return trace_err(-E_RANGE);
	if (c->naddr > ide->sel_naddr[block])
		return trace_err(-E_NOSPC);
	if (c->alg != PCI_IDE_CAP_ALGS(ide->cap) || c->alg != PCI_IDE_ALG_AES_GCM_256)
		return trace_err(-E_NOTSUP);
	if (c->tee_limited && !(ide->cap & PCI_IDE_CAP_TEE_LIMITED))
		return trace_err(-E_NOTSUP);
	if (c->tc > 7 || c->rid_limit < c->rid_base)
		return trace_err(-E_INVAL);
	for (unsigned i = 0; i < c->naddr; i++)
		if (ide_check_range(&c->addr[i]))
			return trace_err(-E_INVAL);
	return 0;
}

static u32 ide_ctl_value(const struct pci_ide_stream_cfg *c)
{
	return (u32)c->stream_id << PCI_IDE_SEL_CTL_ID_SHIFT |
	       (u32)c->tc << PCI_IDE_SEL_CTL_TC_SHIFT | (u32)c->alg << PCI_IDE_SEL_CTL_ALG_SHIFT |
	       (c->default_stream ? PCI_IDE_SEL_CTL_DEFAULT : 0) |
	       (c->tee_limited ? PCI_IDE_SEL_CTL_TEE_LIMITED : 0);
}

static void ide_write_addr(const struct pci_dev *d, u16 at, const struct pci_ide_range *r)
{
	u32 lo = (u32)((r->base >> 20) & 0xfff) << 8 | (u32)((r->limit >> 20) & 0xfff) << 20;

	pci_dev_write32(d, (u16)(at + 4), (u32)(r->limit >> 32));
	pci_dev_write32(d, (u16)(at + 8), (u32)(r->base >> 32));
	pci_dev_write32(d, at, lo | PCI_IDE_ADDR1_VALID); /* Valid last */
}

int pci_ide_sel_program(const struct pci_dev *d, const struct pci_ide *ide, unsigned block,
			const struct pci_ide_stream_cfg *c)
{
	int err = ide_check_cfg(ide, block, c);

	if (err)
		return err;
	if (pci_dev_read32(d, ide_reg(ide, block, PCI_IDE_SEL_CTL)) & PCI_IDE_SEL_CTL_EN)
		return trace_err(-E_BUSY);
	pci_dev_write32(d, ide_reg(ide, block, PCI_IDE_SEL_CTL), ide_ctl_value(c));
	pci_dev_write32(d, ide_reg(ide, block, PCI_IDE_SEL_RID1), (u32)c->rid_limit << 8);
	pci_dev_write32(d, ide_reg(ide, block, PCI_IDE_SEL_RID2),
			(u32)c->rid_base << 8 | PCI_IDE_SEL_RID2_VALID);
	for (unsigned i = 0; i < ide->sel_naddr[block]; i++) {
		u16 at = ide_reg(ide, block, (u16)(PCI_IDE_SEL_ADDR + PCI_IDE_ADDR_BLOCK_SIZE * i));

		if (i < c->naddr)
			ide_write_addr(d, at, &c->addr[i]);
		else
			pci_dev_write32(d, at, 0);
	}
	return 0;
}

int pci_ide_sel_enable(const struct pci_dev *d, const struct pci_ide *ide, unsigned block)
{
	u16 ctl;

	if (block >= ide->nsel)
		return trace_err(-E_RANGE);
	ctl = ide_reg(ide, block, PCI_IDE_SEL_CTL);
	pci_dev_write32(d, ctl, pci_dev_read32(d, ctl) | PCI_IDE_SEL_CTL_EN);
	return 0;
}

void pci_ide_sel_disable(const struct pci_dev *d, const struct pci_ide *ide, unsigned block)
{
	u16 ctl;

	if (block >= ide->nsel)
		return;
	ctl = ide_reg(ide, block, PCI_IDE_SEL_CTL);
	pci_dev_write32(d, ctl, pci_dev_read32(d, ctl) & ~PCI_IDE_SEL_CTL_EN);
	pci_dev_write32(d, ide_reg(ide, block, PCI_IDE_SEL_RID2), 0);
	for (unsigned i = 0; i < ide->sel_naddr[block]; i++)
		pci_dev_write32(
			d,
			ide_reg(ide, block, (u16)(PCI_IDE_SEL_ADDR + PCI_IDE_ADDR_BLOCK_SIZE * i)),
			0);
}

int pci_ide_sel_state(const struct pci_dev *d, const struct pci_ide *ide, unsigned block)
{
	if (block >= ide->nsel)
		return trace_err(-E_RANGE);
	return (int)PCI_IDE_SEL_STS_STATE(pci_dev_read32(d, ide_reg(ide, block, PCI_IDE_SEL_STS)));
}

int pci_ide_sel_wait_secure(const struct pci_dev *d, const struct pci_ide *ide, unsigned block,
			    u64 timeout_ns)
{
	u64 start = arch_time_ns();

	for (;;) {
		int st = pci_ide_sel_state(d, ide, block);

		if (st < 0 || st == PCI_IDE_STATE_SECURE)
			return st < 0 ? st : 0;
		if (arch_time_ns() - start > timeout_ns)
			return trace_err(-E_TIMEOUT);
		cpu_relax();
	}
}

static bool pci_is_root_port(const struct pci_dev *d)
{
	return d->pcie_cap && d->hdr_type == 1 &&
	       PCI_EXP_TYPE(pci_cfg_read16(d->host, d->bdf, (u16)(d->pcie_cap + PCI_EXP_FLAGS))) ==
		       PCI_EXP_TYPE_ROOT_PORT;
}

struct pci_dev *pci_root_port(const struct pci_dev *d)
{
	struct pci_dev *p = d->parent;

	/* Parents are set by enumeration, at most one per bus level. */
	for (unsigned depth = 0; p && depth < 256; depth++, p = p->parent)
		if (!p->parent)
			return pci_is_root_port(p) ? p : NULL;
	return NULL;
}
