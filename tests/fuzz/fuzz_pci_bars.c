// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for BAR placement (issue 13 items 1 and 5): the input chooses the host
 * windows (or none, as on ACPI, then maybe the host bridge's _CRS windows), RAM ranges no BAR
 * may touch, up to six root-bus functions and
 * a bridge with up to three functions behind it, each with BARs of fuzzed size, type and
 * firmware value (in RAM, misaligned, over each other, above 4 GiB), devices whose BARs ignore
 * writes or have holes in their size masks, and the bridge's firmware windows. The model here
 * is a minimal config space of its own (type 0/1 headers, BAR masks, bridge windows).
 * After pci_enumerate() the invariants of pci/bar.c must hold for what the devices really
 * decode: a refused function has memory decode off; in every other, each BAR Moat recorded
 * is what the device holds, aligned, page-apart from RAM and every other BAR, inside the host
 * window (when known) or one of the _CRS windows (when given), and inside the window of the
 * bridge above it as programmed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/mmio.h>

#include "lib/err.h"
#include "pci/pci.h"

#define ECAM_BASE 0x4010000000ull
#define NFN 10 /* root bus devices 0..5, the bridge at device 8, bus 1 devices 0..2 */
#define BRIDGE 6

struct fbar {
	u64 size;   /* 0: not implemented */
	bool is64;  /* takes this BAR and the next */
	bool stuck; /* ignores writes */
	bool holes; /* size mask with a hole */
	u64 val;
};

struct ffn {
	bool present;
	u8 cfg[256];
	struct fbar bar[6];
};

static struct ffn fns[NFN];
static u8 flags; /* bit 0: 32-bit host window, bit 1: 64-bit host window */

static struct ffn *fn_at(uint64_t off)
{
	unsigned bus = (unsigned)(off >> 20), devfn = (unsigned)(off >> 12) & 0xff;
	unsigned sec = fns[BRIDGE].cfg[0x19];

	if (bus == 0 && !(devfn & 7) && devfn >> 3 < 6)
		return fns[devfn >> 3].present ? &fns[devfn >> 3] : NULL;
	if (bus == 0 && devfn == 8 << 3)
		return fns[BRIDGE].present ? &fns[BRIDGE] : NULL;
	if (fns[BRIDGE].present && sec && bus == sec && !(devfn & 7) && devfn >> 3 < 3)
		return fns[7 + (devfn >> 3)].present ? &fns[7 + (devfn >> 3)] : NULL;
	return NULL;
}

static u64 bar_mask(const struct fbar *b)
{
	u64 m = ~(b->size - 1) & ~0xfull;

	return b->holes ? m ^ (b->size << 1) : m;
}

/* The 32-bit BAR register `r` (0..5) as the device presents it. */
static u32 bar_reg(const struct ffn *f, unsigned r)
{
	for (unsigned i = 0; i < 6; i++) {
		const struct fbar *b = &f->bar[i];
		if (!b->size)
			continue;
		if (r == i)
			return (u32)b->val | (b->is64 ? 4 : 0);
		if (b->is64 && r == i + 1)
			return (u32)(b->val >> 32);
	}
	return 0;
}

static void bar_write(struct ffn *f, unsigned r, u32 v)
{
	for (unsigned i = 0; i < 6; i++) {
		struct fbar *b = &f->bar[i];
		u64 m = bar_mask(b);
		if (!b->size || b->stuck)
			continue;
		if (r == i)
			b->val = (b->val & ~0xffffffffull) | ((u64)v & m & 0xffffffffull);
		else if (b->is64 && r == i + 1)
			b->val = (b->val & 0xffffffffull) | ((u64)v << 32 & m);
	}
}

static bool is_bar_reg(const struct ffn *f, uint64_t o)
{
	return o >= 0x10 && o < (f == &fns[BRIDGE] ? 0x18u : 0x28u);
}

static uint64_t ecam_read(void *ctx, uint64_t off, unsigned w)
{
	struct ffn *f = fn_at(off);
	uint64_t o = off & 0xfff, v = 0;
	u8 tmp[256];

	(void)ctx;
	if (!f || o >= 256)
		return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
	if (o + w <= 0x10 || !is_bar_reg(f, o < 0x10 ? 0x10 : o)) {
		memcpy(&v, f->cfg + o, w); /* no BAR register in the access */
		return v;
	}
	if (w == 4 && !(o & 3))
		return bar_reg(f, (unsigned)(o - 0x10) / 4); /* one whole BAR register */
	memcpy(tmp, f->cfg, sizeof(tmp));
	for (unsigned r = 0; r < (f == &fns[BRIDGE] ? 2u : 6u); r++) { /* type 1: two BARs */
		u32 b = bar_reg(f, r);
		memcpy(tmp + 0x10 + 4 * r, &b, 4);
	}
	memcpy(&v, tmp + o, w);
	return v;
}

static void ecam_write(void *ctx, uint64_t off, uint64_t v, unsigned w)
{
	struct ffn *f = fn_at(off);
	uint64_t o = off & 0xfff;

	(void)ctx;
	if (!f || o >= 0x40)
		return;
	if (is_bar_reg(f, o) && w == 4)
		bar_write(f, (unsigned)(o - 0x10) / 4, (u32)v);
	else if (!is_bar_reg(f, o) && o >= 4)
		memcpy(f->cfg + o, &v, w);
}

/* Input reader: zeros past the end. */
static const u8 *in;
static size_t left;

static u8 take(void)
{
	if (!left)
		return 0;
	left--;
	return *in++;
}

static u32 take32(void)
{
	return (u32)take() | (u32)take() << 8 | (u32)take() << 16 | (u32)take() << 24;
}

static void build_fn(unsigned k)
{
	struct ffn *f = &fns[k];
	unsigned nbars = k == BRIDGE ? 2 : 6;

	memset(f, 0, sizeof(*f));
	f->present = k == BRIDGE || take() & 1;
	if (!f->present)
		return;
	f->cfg[0] = 0x34, f->cfg[1] = 0x12, f->cfg[2] = (u8)k;
	f->cfg[0xb] = k == BRIDGE ? 0x06 : 0x02;
	f->cfg[0xa] = k == BRIDGE ? 0x04 : 0x00;
	f->cfg[0xe] = k == BRIDGE ? 1 : 0;
	f->cfg[4] = take() & 2; /* firmware may have left memory decode on */
	for (unsigned i = 0; i < nbars; i++) {
		u8 s = take(), t = take();
		struct fbar *b = &f->bar[i];
		if (!(s & 0x80))
			continue;
		b->size = 1ull << (8 + s % 20);
		b->is64 = (t & 1) && i + 1 < nbars;
		b->stuck = (t & 0x1e) == 0x1e;
		b->holes = (t & 0x3e) == 0x20 && b->size < (1ull << 26);
		b->val = (u64)take32() & ~0xfull;
		if (b->is64 && (t & 0x40))
			b->val |= 0x8000000000ull;
		if (b->is64)
			i++;
	}
	if (k == BRIDGE)
		for (unsigned o = 0x20; o < 0x30; o++)
			f->cfg[o] = take();
}

static void setup_platform(struct pci_state *st, struct plat_ecam *e)
{
	u8 nram, nwin;

	flags = take();
	nram = take() % 4;

	memset(e, 0, sizeof(*e));
	e->base = pa(ECAM_BASE);
	e->size = 16ull << 20;
	e->bus_end = 15;
	if (flags & 1)
		e->mem32 = (struct pa_range){ pa(0x10000000), 0x10000000 };
	if (flags & 2)
		e->mem64 = (struct pa_range){ pa(0x8000000000ull), 0x100000000ull };
	/* ACPI: no placement windows, up to PLAT_MAX_FWWIN fuzzed _CRS windows to check against */
	nwin = !(flags & 3) && (flags & 4) ? take() % (PLAT_MAX_FWWIN + 1) : 0;
	for (unsigned i = 0; i < nwin; i++)
		e->fwwin[e->nfwwin++] =
			(struct pa_range){ pa((u64)take() << 24), (u64)(take() % 64 + 1) << 20 };
	for (unsigned i = 0; i < nram; i++) {
		u64 b = (u64)take() << 24, s = (u64)(take() % 16 + 1) << 20;
		if (pci_forbid_add(st, pa(b), s))
			abort();
	}
}

static bool overlap_pages(u64 a, u64 as, u64 b, u64 bs)
{
	u64 a0 = a & ~0xfffull, a1 = (a + as + 0xfff) & ~0xfffull;
	u64 b0 = b & ~0xfffull, b1 = (b + bs + 0xfff) & ~0xfffull;

	return a0 < b1 && b0 < a1;
}

/* The memory windows a bridge forwards, read back from the model (PCIe 6.0 7.5.1.3.8/9). */
static bool bridge_forwards(const struct ffn *br, u64 b, u64 e)
{
	const u8 *c = br->cfg;
	u64 mb = (u64)((c[0x20] | c[0x21] << 8) & 0xfff0) << 16;
	u64 ml = (u64)((c[0x22] | c[0x23] << 8) & 0xfff0) << 16 | 0xfffff;
	u64 pb = (u64)((c[0x24] | c[0x25] << 8) & 0xfff0) << 16;
	u64 pl = (u64)((c[0x26] | c[0x27] << 8) & 0xfff0) << 16 | 0xfffff;

	if ((c[0x24] & 0xf) == 1)
		pb |= (u64)(c[0x28] | c[0x29] << 8 | c[0x2a] << 16 | (u32)c[0x2b] << 24) << 32;
	if ((c[0x26] & 0xf) == 1)
		pl |= (u64)(c[0x2c] | c[0x2d] << 8 | c[0x2e] << 16 | (u32)c[0x2f] << 24) << 32;
	return (mb <= ml && b >= mb && e - 1 <= ml) || (pb <= pl && b >= pb && e - 1 <= pl);
}

static struct ffn *model_of(const struct pci_dev *d)
{
	return fn_at((u64)d->bdf << 12);
}

static const struct plat_ecam *e_now; /* the platform of this input */

static bool in_fwwin(const struct plat_ecam *e, u64 b, u64 end)
{
	for (unsigned i = 0; i < e->nfwwin; i++)
		if (b >= e->fwwin[i].base.v && end <= e->fwwin[i].base.v + e->fwwin[i].size)
			return true;
	return false;
}

static void check_bar(const struct pci_state *st, const struct pci_host *h, const struct pci_dev *d,
		      unsigned i, const struct fbar *mb)
{
	u64 b = d->bar[i], s = d->bar_size[i];

	if (mb->val != b || !IS_POW2(s) || b % s)
		abort(); /* decodes somewhere else than recorded, or misaligned */
	for (unsigned k = 0; k < st->nforbid; k++)
		if (overlap_pages(b, s, st->forbid[k].base.v, st->forbid[k].size))
			abort();
	for (unsigned k = 0; k < st->ndevs; k++)
		for (unsigned j = 0; j < 6; j++) {
			const struct pci_dev *o = &st->devs[k];
			if (o->refused || !o->bar[j] || (o == d && j == i))
				continue;
			if (overlap_pages(b, s, o->bar[j], o->bar_size[j]))
				abort();
		}
	if (h->windows && !((flags & 1) && b >= 0x10000000 && b + s <= 0x20000000) &&
	    !((flags & 2) && b >= 0x8000000000ull && b + s <= 0x8100000000ull))
		abort(); /* outside the host windows */
	if (d->parent && !bridge_forwards(model_of(d->parent), b, b + s))
		abort();
	if (!h->windows && e_now->nfwwin && !in_fwwin(e_now, b, b + s))
		abort(); /* outside every _CRS window */
}

static void check(const struct pci_state *st, const struct pci_host *h)
{
	for (unsigned k = 0; k < st->ndevs; k++) {
		const struct pci_dev *d = &st->devs[k];
		struct ffn *f = model_of(d);
		if (!f)
			abort();
		if (!(f->cfg[4] & 2))
			continue; /* decodes nothing */
		if (d->refused)
			abort();
		for (unsigned i = 0; i < 6; i++)
			if (d->bar[i])
				check_bar(st, h, d, i, &f->bar[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_state st;
	static int attached;
	struct plat_ecam e;
	struct pci_host h;

	if (!attached) {
		struct host_mmio_model m = { ECAM_BASE, 16ull << 20, ecam_read, ecam_write, NULL };
		if (host_mmio_register(&m))
			return 0;
		attached = 1;
	}
	in = data;
	left = size;
	memset(&st, 0, sizeof(st));
	setup_platform(&st, &e);
	e_now = &e;
	for (unsigned k = 0; k < NFN; k++)
		build_fn(k);
	if (pci_host_init(&h, &e, (volatile u8 *)(uintptr_t)ECAM_BASE))
		abort();
	if (pci_enumerate(&st, &h))
		return 0;
	check(&st, &h);
	return 0;
}
