// SPDX-License-Identifier: MIT
/*
 * Memory BARs (issue 13 item 1). A BAR's value comes from firmware or from the device itself
 * and is untrusted: one that pointed into RAM would hand that RAM to the function's guest as
 * MMIO. A BAR is kept only when it is naturally aligned, inside a window of its host bridge and
 * of every bridge above it, and its pages overlap no RAM, no reserved memory, no device
 * registers the platform names and no other BAR. Otherwise it is placed again from the host's
 * windows (bump allocator, skipping what is taken); where that is impossible (no window known,
 * or no room) the function is refused: memory decode off, never assignable. I/O BARs are left
 * disabled. Everything recorded in pci_dev.bar[] has passed these checks.
 */
#define LOG_COMPONENT "pci"
#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "pci/regs.h"
#include "pci/scan.h"

#define PCI_BAR_WHY_MAX 96
#define PCI_BAR_BAD_MASK (~0ULL)

/* Page span of [b, b + size); callers have checked that b + size does not wrap. */
static u64 pci_page_end(u64 b, u64 size)
{
	return ALIGN_DOWN(b + size + PAGE_SIZE - 1, PAGE_SIZE);
}

int pci_forbid_add(struct pci_state *s, paddr_t base, u64 size)
{
	u64 end;

	if (add_overflow(base.v, size, &end))
		return -E_OVERFLOW;
	if (s->nforbid >= PCI_MAX_FORBID)
		return -E_NOSPC;
	if (size)
		s->forbid[s->nforbid++] = (struct pa_range){ base, size };
	return 0;
}

/* Aligned allocation from a window; 0 when it does not fit. */
static u64 pci_window_alloc(struct pci_window *w, u64 size)
{
	u64 base, end;

	if (!size || !IS_POW2(size) || add_overflow(w->next, size - 1, &base))
		return 0;
	base &= ~(size - 1);
	if (add_overflow(base, size, &end) || end > w->end)
		return 0;
	w->next = end;
	return base;
}

/*
 * PCI 3.0 6.2.5.1: size a BAR by writing all-ones with decoding disabled. 0: not implemented;
 * PCI_BAR_BAD_MASK: the writable bits are not a contiguous high mask, so the BAR has no
 * natural alignment (a hostile or broken device): the function cannot be used.
 */
static u64 pci_bar_size(struct pci_dev *d, u16 off, bool is64)
{
	u32 lo = pci_dev_read32(d, off), hi = 0, mlo, mhi = 0xffffffffu;

	pci_dev_write32(d, off, 0xffffffffu);
	mlo = pci_dev_read32(d, off) & ~0xfu;
	pci_dev_write32(d, off, lo);
	if (is64) {
		hi = pci_dev_read32(d, (u16)(off + 4));
		pci_dev_write32(d, (u16)(off + 4), 0xffffffffu);
		mhi = pci_dev_read32(d, (u16)(off + 4));
		pci_dev_write32(d, (u16)(off + 4), hi);
	}
	u64 mask = (u64)mhi << 32 | mlo;
	if (!mlo && !(is64 && mhi))
		return 0;
	u64 size = ~mask + 1;
	return IS_POW2(size) ? size : PCI_BAR_BAD_MASK;
}

static bool pci_overlap(u64 a, u64 asize, u64 b, u64 bsize)
{
	return a < b + bsize && b < a + asize;
}

/*
 * The end of whatever the pages of [b, b + size) meet (a forbidden range, another BAR), 0 when
 * nothing. Page granularity: two BARs sharing a page could not go to two different owners.
 */
static u64 pci_space_taken(const struct pci_state *s, const struct pci_dev *d, unsigned i, u64 b,
			   u64 size, char *why, size_t n)
{
	u64 pb = ALIGN_DOWN(b, PAGE_SIZE), ps = pci_page_end(b, size) - pb;
	char name[16];

	for (unsigned k = 0; k < s->nforbid; k++) {
		const struct pa_range *f = &s->forbid[k];
		if (pci_overlap(pb, ps, f->base.v, f->size)) {
			fmt_snprintf(why, n,
				     "overlaps RAM, Moat or device registers at 0x%llx+0x%llx",
				     (unsigned long long)f->base.v, (unsigned long long)f->size);
			return f->base.v + f->size;
		}
	}
	for (unsigned k = 0; k < s->ndevs; k++)
		for (unsigned j = 0; j < 6; j++) {
			const struct pci_dev *o = &s->devs[k];
			u64 ob = ALIGN_DOWN(o->bar[j], PAGE_SIZE);
			if (!o->bar[j] || (o == d && j == i) ||
			    !pci_overlap(pb, ps, ob, pci_page_end(o->bar[j], o->bar_size[j]) - ob))
				continue;
			pci_bdf_str(o, name, sizeof(name));
			fmt_snprintf(why, n, "overlaps BAR%u of %s", j, name);
			return pci_page_end(o->bar[j], o->bar_size[j]);
		}
	return 0;
}

static bool pci_in(u64 b, u64 end, u64 wb, u64 wlimit)
{
	return wb <= wlimit && b >= wb && end - 1 <= wlimit;
}

/* The memory windows a bridge forwards as firmware left them (PCIe 6.0 7.5.1.3.8, .9). */
static bool pci_bridge_forwards(const struct pci_dev *br, u64 b, u64 end)
{
	const struct pci_host *h = br->host;
	u16 mb = pci_cfg_read16(h, br->bdf, PCI_MEM_BASE),
	    ml = pci_cfg_read16(h, br->bdf, PCI_MEM_LIMIT);
	u16 pb = pci_cfg_read16(h, br->bdf, PCI_PREF_BASE),
	    pl = pci_cfg_read16(h, br->bdf, PCI_PREF_LIMIT);
	u64 base = (u64)(mb & 0xfff0) << 16, limit = (u64)(ml & 0xfff0) << 16 | 0xfffff;

	if (pci_in(b, end, base, limit))
		return true;
	base = (u64)(pb & 0xfff0) << 16;
	limit = (u64)(pl & 0xfff0) << 16 | 0xfffff;
	if ((pb & 0xf) == 1) /* 64-bit addressing */
		base |= (u64)pci_dev_read32(br, PCI_PREF_BASE_UPPER) << 32;
	if ((pl & 0xf) == 1)
		limit |= (u64)pci_dev_read32(br, PCI_PREF_LIMIT_UPPER) << 32;
	return pci_in(b, end, base, limit);
}

/*
 * With known host windows Moat programs every bridge window around what it places in the
 * 32-bit window, in address order: a kept BAR must lie past everything placed so far (the
 * bump pointer), and behind a bridge in the 32-bit window (prefetchable windows stay closed).
 */
static struct pci_window *pci_host_window(struct pci_host *h, const struct pci_dev *d, u64 b,
					  u64 end)
{
	if (b >= h->mem32.next && end <= h->mem32.end)
		return &h->mem32;
	if (!d->parent && b >= h->mem64.next && end <= h->mem64.end)
		return &h->mem64;
	return NULL;
}

/* Inside one of the host bridge's firmware windows (ACPI _CRS). */
static bool pci_in_fwwin(const struct pci_host *h, u64 b, u64 end)
{
	for (unsigned i = 0; i < h->nfwwin; i++)
		if (b >= h->fwwin[i].base && end <= h->fwwin[i].end)
			return true;
	return false;
}

/* Why firmware's value of BAR i cannot be kept; NULL when it can. */
static const char *pci_bar_misplaced(struct pci_scan *sc, const struct pci_dev *d, unsigned i,
				     u64 b, u64 size, char *why, size_t n)
{
	u64 end;
	char name[16];

	if (!IS_ALIGNED(b, size) || add_overflow(b, size, &end))
		return "not naturally aligned";
	if (sc->h->windows && !pci_host_window(sc->h, d, b, end))
		return "outside the host bridge windows (or over space already placed)";
	if (!sc->h->windows && sc->h->nfwwin && !pci_in_fwwin(sc->h, b, end))
		return "outside the host bridge's firmware windows (_CRS)";
	for (const struct pci_dev *br = d->parent; !sc->h->windows && br; br = br->parent)
		if (!pci_bridge_forwards(br, b, end)) {
			pci_bdf_str(br, name, sizeof(name));
			fmt_snprintf(why, n, "outside the window of bridge %s", name);
			return why;
		}
	return pci_space_taken(sc->s, d, i, b, size, why, n) ? why : NULL;
}

/* A free, aligned place in `w` for BAR i; 0 when there is none. */
static u64 pci_window_place(struct pci_scan *sc, struct pci_window *w, const struct pci_dev *d,
			    unsigned i, u64 size)
{
	char why[PCI_BAR_WHY_MAX];

	for (unsigned tries = 0; tries <= sc->s->nforbid + 6 * sc->s->ndevs; tries++) {
		u64 base = pci_window_alloc(w, size), skip;
		if (!base)
			return 0;
		if (!(skip = pci_space_taken(sc->s, d, i, base, size, why, sizeof(why))))
			return base;
		w->next = MAX(w->next, skip);
	}
	return 0;
}

/* 32-bit window first: it is forwarded by every bridge's non-prefetchable window. */
static u64 pci_bar_place(struct pci_scan *sc, const struct pci_dev *d, unsigned i, u64 size,
			 bool is64)
{
	u64 base;

	if (!sc->h->windows)
		return 0;
	size = MAX(size, PAGE_SIZE);
	base = pci_window_place(sc, &sc->h->mem32, d, i, size);
	if (!base && is64 && !d->parent)
		base = pci_window_place(sc, &sc->h->mem64, d, i, size);
	return base;
}

/* Keeps firmware's value when it passes the checks, moving the bump pointer past it. */
static bool pci_bar_keep(struct pci_scan *sc, struct pci_dev *d, unsigned i, u64 cur, u64 size,
			 char *why, size_t n)
{
	const char *bad = pci_bar_misplaced(sc, d, i, cur, size, why, n);
	struct pci_window *w;

	if (bad) {
		if (bad != why)
			fmt_snprintf(why, n, "%s", bad);
		return false;
	}
	if (sc->h->windows && (w = pci_host_window(sc->h, d, cur, cur + size)))
		w->next = cur + size;
	d->bar[i] = cur;
	d->bar_size[i] = size;
	return true;
}

/* Writes a placement and reads it back: a device that ignores the write keeps decoding the old. */
static bool pci_bar_write(struct pci_dev *d, u16 off, u64 base, bool is64)
{
	u64 got;

	pci_dev_write32(d, off, (u32)base);
	if (is64)
		pci_dev_write32(d, (u16)(off + 4), (u32)(base >> 32));
	got = pci_dev_read32(d, off) & ~0xfu;
	if (is64)
		got |= (u64)pci_dev_read32(d, (u16)(off + 4)) << 32;
	return got == base;
}

static void pci_bar_assign(struct pci_scan *sc, struct pci_dev *d, unsigned i, bool *is64)
{
	u16 off = (u16)(PCI_BAR0 + 4 * i);
	u32 v = pci_dev_read32(d, off);
	char name[16], why[PCI_BAR_WHY_MAX] = "unassigned";
	u64 size, cur, base;

	*is64 = !(v & PCI_BAR_IO) && (v & 6) == PCI_BAR_MEM_TYPE_64;
	if (v & PCI_BAR_IO || !(size = pci_bar_size(d, off, *is64)))
		return;
	cur = (v & ~0xfu) | (*is64 ? (u64)pci_dev_read32(d, (u16)(off + 4)) << 32 : 0);
	if (size == PCI_BAR_BAD_MASK) {
		pci_bdf_str(d, name, sizeof(name));
		pr_err("%s BAR%u 0x%llx: its size mask is not contiguous: function refused", name,
		       i, (unsigned long long)cur);
		d->refused = true;
		return;
	}
	if (cur && pci_bar_keep(sc, d, i, cur, size, why, sizeof(why)))
		return;
	base = pci_bar_place(sc, d, i, size, *is64);
	pci_bdf_str(d, name, sizeof(name));
	if (!base) {
		pr_err("%s BAR%u 0x%llx+0x%llx %s, no window space to place it: function refused",
		       name, i, (unsigned long long)cur, (unsigned long long)size, why);
		d->refused = true;
		return;
	}
	if (!pci_bar_write(d, off, base, *is64)) {
		pr_err("%s BAR%u does not take 0x%llx: function refused", name, i,
		       (unsigned long long)base);
		d->refused = true;
		return;
	}
	if (cur)
		pr_warn("%s BAR%u 0x%llx+0x%llx %s: placed at 0x%llx", name, i,
			(unsigned long long)cur, (unsigned long long)size, why,
			(unsigned long long)base);
	d->bar[i] = base;
	d->bar_size[i] = size;
}

void pci_bars_assign(struct pci_scan *sc, struct pci_dev *d, unsigned nbars)
{
	u16 cmd = pci_cfg_read16(d->host, d->bdf, PCI_COMMAND);
	bool any = false;

	for (const struct pci_dev *p = d->parent; p && !d->refused; p = p->parent)
		d->refused = p->refused; /* behind a refused bridge: not reachable */

	pci_cfg_write16(d->host, d->bdf, PCI_COMMAND, cmd & ~(PCI_COMMAND_MEM | PCI_COMMAND_IO));
	for (unsigned i = 0; i < nbars; i++) {
		bool is64 = false;
		pci_bar_assign(sc, d, i, &is64);
		any |= d->bar[i] != 0;
		if (is64)
			i++;
	}
	cmd &= ~(PCI_COMMAND_MEM | PCI_COMMAND_IO);
	if (any && !d->refused)
		cmd |= PCI_COMMAND_MEM;
	pci_cfg_write16(d->host, d->bdf, PCI_COMMAND, cmd);
}
