// SPDX-License-Identifier: MIT
/* PCIe configuration-space and DOE mailbox model (see pcie_model.h). */
#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

#include "pcie/pcie_ide_model.h"
#include "pcie/pcie_model.h"

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t pm_read32(struct pm_fn *f, uint16_t off)
{
	return r32(f->cfg + off);
}

struct pm_fn *pm_fn_new(uint8_t devfn, uint16_t vendor, uint16_t device, uint32_t class_code,
			bool bridge)
{
	struct pm_fn *f = calloc(1, sizeof(*f));

	f->devfn = devfn;
	w16(f->cfg + 0, vendor);
	w16(f->cfg + 2, device);
	w32(f->cfg + 8, class_code << 8 | 1);
	f->cfg[0x0e] = bridge ? 1 : 0;
	f->wmask[4] = 0x07; /* I/O, memory, bus master enables */
	f->wmask[5] = 0x04;
	if (bridge) {
		memset(f->wmask + 0x18, 0xff, 3); /* primary, secondary, subordinate */
		f->wmask[0x1c] = f->wmask[0x1d] = 0xf0;
		for (int o = 0x20; o < 0x28; o += 2)
			w16(f->wmask + o, 0xfff0); /* memory and prefetchable base/limit */
		memset(f->wmask + 0x28, 0xff, 8);
	}
	return f;
}

void pm_fn_free(struct pm_fn *f)
{
	for (unsigned i = 0; i < f->nchildren; i++)
		pm_fn_free(f->children[i]);
	free(f);
}

void pm_fn_bar(struct pm_fn *f, unsigned i, uint64_t size, bool is64)
{
	uint64_t mask = ~(size - 1) & ~0xfull;

	f->bar_size[i] = size;
	f->cfg[0x10 + 4 * i] = is64 ? 0x4 : 0x0;
	w32(f->wmask + 0x10 + 4 * i, (uint32_t)mask);
	if (is64)
		w32(f->wmask + 0x14 + 4 * i, (uint32_t)(mask >> 32));
}

uint16_t pm_fn_cap(struct pm_fn *f, uint8_t id, uint16_t len)
{
	uint16_t off = f->cap_end ? f->cap_end : 0x40;

	f->cap_end = (uint16_t)(off + ((len + 3) & ~3));
	if (f->last_cap)
		f->cfg[f->last_cap + 1] = (uint8_t)off;
	else
		f->cfg[0x34] = (uint8_t)off;
	f->cfg[6] |= 0x10; /* capabilities list */
	f->cfg[off] = id;
	f->cfg[off + 1] = 0;
	f->last_cap = off;
	return off;
}

uint16_t pm_fn_ext_cap(struct pm_fn *f, uint16_t id, uint8_t ver, uint16_t len)
{
	static const uint16_t first = 0x100;
	uint16_t room = f->last_ext_len > 0x40 ? f->last_ext_len : 0x40;
	uint16_t off = f->last_ext ? (uint16_t)((f->last_ext + room + 3) & ~3) : first;

	if (f->last_ext) {
		uint32_t h = r32(f->cfg + f->last_ext);
		w32(f->cfg + f->last_ext, (h & 0xfffff) | (uint32_t)off << 20);
	}
	w32(f->cfg + off, id | (uint32_t)(ver & 0xf) << 16);
	f->last_ext = off;
	f->last_ext_len = len;
	return off;
}

void pm_fn_pcie(struct pm_fn *f, bool flr)
{
	uint16_t off = pm_fn_cap(f, 0x10, 0x3c);

	f->pcie_off = off;
	w16(f->cfg + off + 2, 0x2); /* version 2, endpoint */
	if (flr)
		w32(f->cfg + off + 4, 1u << 28);
	w16(f->wmask + off + 8, 0xffff);
}

void pm_fn_pcie_type(struct pm_fn *f, uint8_t type)
{
	f->cfg[f->pcie_off + 2] = (uint8_t)((f->cfg[f->pcie_off + 2] & 0x0f) | type << 4);
}

/*
 * ACS extended capability (PCIe 6.0 7.7.8): the capability register says what the port
 * implements; only those bits of the control register are writable (the rest RsvdP, 0).
 */
uint16_t pm_fn_acs(struct pm_fn *f, uint16_t caps)
{
	uint16_t off = pm_fn_ext_cap(f, 0x0d, 1, 8);

	f->cfg[off + 4] = (uint8_t)caps;
	f->cfg[off + 5] = (uint8_t)(caps >> 8);
	f->wmask[off + 6] = (uint8_t)(caps & 0x7f);
	return off;
}

void pm_fn_doe(struct pm_fn *f, struct pm_doe *doe)
{
	f->doe_off = pm_fn_ext_cap(f, 0x2e, 2, 0x18);
	f->doe = doe;
}

void pm_bridge_add(struct pm_fn *br, struct pm_fn *child)
{
	br->children[br->nchildren++] = child;
}

void pm_init(struct pcie_model *m, uint64_t base, uint8_t bus_start, uint8_t bus_end)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->bus_start = bus_start;
	m->bus_end = bus_end;
}

void pm_add_root(struct pcie_model *m, struct pm_fn *f)
{
	m->root[m->nroot++] = f;
}

/* Type-1 routing: a bridge claims buses secondary..subordinate (PCIe 6.0 7.5.1.3.3). */
static struct pm_fn *pm_route(struct pm_fn **fns, unsigned n, uint8_t bus, uint8_t here,
			      uint8_t devfn, int depth)
{
	if (depth > 32)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		struct pm_fn *f = fns[i];
		if (bus == here && f->devfn == devfn)
			return f;
		if (bus == here || f->cfg[0x0e] != 1)
			continue;
		uint8_t sec = f->cfg[0x19], sub = f->cfg[0x1a];
		if (sec > here && bus >= sec && bus <= sub)
			return pm_route(f->children, f->nchildren, bus, sec, devfn, depth + 1);
	}
	return NULL;
}

/* ---- DOE mailbox (PCIe 6.0 6.30, 7.9.24) ----------------------------------------------- */

void pm_doe_init(struct pm_doe *d, pm_doe_handler h, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->prot_vid[0] = 1;
	d->prot_type[0] = 0;
	d->prot_vid[1] = 1;
	d->prot_type[1] = 1;
	d->prot_vid[2] = 1;
	d->prot_type[2] = 2;
	d->nprot = 3;
	d->handler = h;
	d->ctx = ctx;
}

static void pm_doe_reset(struct pm_doe *d)
{
	d->wlen = d->rlen = d->rpos = 0;
	d->error = false;
}

static void pm_doe_respond(struct pm_doe *d, const uint8_t *obj, size_t len)
{
	size_t dw = (len + 3) / 4;

	if (dw > PM_DOE_BUF_DW) {
		d->error = true;
		return;
	}
	memset(d->rbuf, 0, dw * 4);
	memcpy(d->rbuf, obj, len);
	if (d->wrong_type)
		d->rbuf[0] = (d->rbuf[0] & ~0xff0000u) | (uint32_t)d->wrong_type << 16;
	d->rlen = dw - (size_t)(d->short_by_dw > 0 ? d->short_by_dw : 0);
	d->rpos = 0;
	d->ready_left = d->ready_after; /* a device that takes its time */
}

static void pm_doe_discovery(struct pm_doe *d)
{
	uint8_t out[12];
	unsigned idx = d->wbuf[2] & 0xff;

	if (idx >= d->nprot) {
		d->error = true;
		return;
	}
	w32(out, 0x00000001);
	w32(out + 4, 3);
	w32(out + 8, d->prot_vid[idx] | (uint32_t)d->prot_type[idx] << 16 |
			     (uint32_t)(d->disc_loop && idx  ? idx
					: idx + 1 < d->nprot ? idx + 1
							     : 0)
				     << 24);
	pm_doe_respond(d, out, sizeof(out));
}

static void pm_doe_go(struct pm_doe *d)
{
	static uint8_t out[PM_DOE_BUF_DW * 4];
	size_t olen;

	d->go_count++;
	if (d->wlen < 2 || (d->wbuf[1] & 0x3ffff) != d->wlen) {
		d->error = true; /* malformed object (6.30.2) */
		return;
	}
	if (d->never_ready)
		return;
	if ((d->wbuf[0] & 0xffffff) == 0x000001)
		pm_doe_discovery(d);
	else if (!d->handler ||
		 d->handler(d->ctx, (uint8_t *)d->wbuf, d->wlen * 4, out, sizeof(out), &olen))
		d->error = true;
	else
		pm_doe_respond(d, out, olen);
	d->wlen = 0;
}

static uint32_t pm_doe_read(struct pm_doe *d, uint16_t reg)
{
	switch (reg) {
	case 0x0c: {
		uint32_t st = 0;
		if (d->stuck_busy)
			st |= 1;
		if (d->error)
			st |= 4;
		if (d->rpos < d->rlen && d->ready_left)
			d->ready_left--;
		else if (d->rpos < d->rlen)
			st |= 1u << 31;
		return st;
	}
	case 0x14: return d->rpos < d->rlen ? d->rbuf[d->rpos] : 0;
	default: return 0;
	}
}

static void pm_doe_write(struct pm_doe *d, uint16_t reg, uint32_t v)
{
	if (reg == 0x08 && (v & 1)) {
		d->abort_count++;
		pm_doe_reset(d);
		if (!d->abort_fails)
			d->stuck_busy = false;
	} else if (reg == 0x08 && (v & (1u << 31))) {
		pm_doe_go(d);
	} else if (reg == 0x10 && d->wlen < PM_DOE_BUF_DW) {
		d->wbuf[d->wlen++] = v;
	} else if (reg == 0x14 && d->rpos < d->rlen) {
		d->rpos++;
	}
}

/* ---- config space access ---------------------------------------------------------------- */

static void pm_flr(struct pm_fn *f)
{
	f->flr_count++;
	for (int i = 0; i < 6; i++)
		w32(f->cfg + 0x10 + 4 * i,
		    r32(f->cfg + 0x10 + 4 * i) & ~r32(f->wmask + 0x10 + 4 * i));
	w16(f->cfg + 4, 0);
}

static void pm_cfg_write(struct pm_fn *f, uint16_t off, uint64_t v, unsigned w)
{
	if (f->doe && off >= f->doe_off + 8 && off < f->doe_off + 0x18 && w == 4) {
		pm_doe_write(f->doe, (uint16_t)(off - f->doe_off), (uint32_t)v);
		return;
	}
	if (f->ide)
		pm_ide_before_write(f->ide, f, off, v, w);
	for (unsigned i = 0; i < w; i++) {
		uint8_t b = (uint8_t)(v >> (8 * i)), m = f->wmask[off + i];
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (f->pcie_off && off <= f->pcie_off + 9 && (unsigned)off + w > f->pcie_off + 9u &&
	    (f->cfg[f->pcie_off + 9] & 0x80)) {
		f->cfg[f->pcie_off + 9] &= 0x7f; /* Initiate FLR reads as 0 */
		pm_flr(f);
	}
}

static uint64_t pm_cfg_read(struct pm_fn *f, uint16_t off, unsigned w)
{
	uint64_t v = 0;

	if (f->doe && off >= f->doe_off + 4 && off < f->doe_off + 0x18 && w == 4)
		return pm_doe_read(f->doe, (uint16_t)(off - f->doe_off));
	if (f->ide && pm_ide_is_status(f->ide, off))
		return pm_ide_read_status(f->ide, f, off, w);
	for (unsigned i = 0; i < w; i++)
		v |= (uint64_t)f->cfg[off + i] << (8 * i);
	return v;
}

static struct pm_fn *pm_lookup(struct pcie_model *m, uint64_t off, uint16_t *reg)
{
	uint8_t bus = (uint8_t)(m->bus_start + (off >> 20));

	*reg = off & 0xfff;
	return pm_route(m->root, m->nroot, bus, m->bus_start, (uint8_t)((off >> 12) & 0xff), 0);
}

static uint64_t pm_mmio_read(void *ctx, uint64_t off, unsigned w)
{
	struct pcie_model *m = ctx;
	uint16_t reg;
	struct pm_fn *f = pm_lookup(m, off, &reg);

	m->reads++;
	if (!f)
		return w == 8 ? ~0ull : (1ull << (8 * w)) - 1; /* unsupported request: all ones */
	return pm_cfg_read(f, reg, w);
}

static void pm_mmio_write(void *ctx, uint64_t off, uint64_t v, unsigned w)
{
	struct pcie_model *m = ctx;
	uint16_t reg;
	struct pm_fn *f = pm_lookup(m, off, &reg);

	m->writes++;
	if (f)
		pm_cfg_write(f, reg, v, w);
}

int pm_attach(struct pcie_model *m)
{
	struct host_mmio_model hm = {
		.base = m->base,
		.size = (uint64_t)(m->bus_end - m->bus_start + 1) << 20,
		.read = pm_mmio_read,
		.write = pm_mmio_write,
		.ctx = m,
	};

	return host_mmio_register(&hm);
}

void pm_detach(struct pcie_model *m)
{
	host_mmio_unregister(m->base);
	for (unsigned i = 0; i < m->nroot; i++)
		pm_fn_free(m->root[i]);
	m->nroot = 0;
}
