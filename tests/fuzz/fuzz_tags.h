/* SPDX-License-Identifier: MIT */
/*
 * The tag-ownership invariant for the firmware-table fuzzers (fuzz_smmu_dt, fuzz_acpi): given
 * a platform whose IOMMU scopes came from fuzzed firmware, requesters taken from the scopes'
 * edges are attached, each to the view of one of three owners, in an order the table
 * decides, detached and moved again. After every step, against a fake driver that keeps the
 * "hardware" table (tag -> domain, overwritten by every attach as a stream table would be):
 * - every attached requester's DMA, with every tag an independent reading of the scope gives
 *   it, reaches its own domain on its own unit: no tag is reachable by two owners;
 * - the unit the core chose is the one that reading names;
 * - once everything is detached, nothing is left in the hardware table or the core's.
 */
#ifndef FUZZ_TAGS_H
#define FUZZ_TAGS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "lib/err.h"

#define FT_OWNERS 3
#define FT_KEYS 48
#define FT_HW 256

struct ft_hw {
	u32 tag;
	struct iommu_domain *d;
};

static struct {
	struct iommu u[PLAT_MAX_IOMMU];
	struct ft_hw hw[PLAT_MAX_IOMMU][FT_HW];
	unsigned nhw[PLAT_MAX_IOMMU];
	struct iommu_domain dom[PLAT_MAX_IOMMU][FT_OWNERS];
	struct iommu_dev dev[FT_KEYS];
	struct iommu *at[FT_KEYS]; /* the unit a requester is attached on, NULL if none */
	unsigned ndev;
	struct pt_allocator alloc;
} ft;

static int ft_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	void *p = NULL;

	(void)a;
	if (posix_memalign(&p, (size_t)nframes * 4096, (size_t)nframes * 4096))
		return -E_NOMEM;
	memset(p, 0, (size_t)nframes * 4096);
	*out = pa((u64)(uintptr_t)p);
	return 0;
}

static void ft_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	(void)a, (void)nframes;
	free((void *)(uintptr_t)base.v);
}

static int ft_s2_config(struct iommu *u, unsigned bits, struct pt_config *cfg)
{
	(void)u;
	*cfg = (struct pt_config){ .fmt = PT_ARM_S2, .ias = bits, .oas = 48 };
	return 0;
}

static int ft_ok(struct iommu *u, struct iommu_domain *d)
{
	(void)u, (void)d;
	return 0;
}

static void ft_fini(struct iommu *u, struct iommu_domain *d)
{
	(void)u, (void)d;
}

static struct ft_hw *ft_hw_find(unsigned unit, u32 tag)
{
	for (unsigned i = 0; i < ft.nhw[unit]; i++)
		if (ft.hw[unit][i].tag == tag)
			return &ft.hw[unit][i];
	return NULL;
}

/* Like a stream table entry: the last attach of a tag wins. */
static int ft_attach(struct iommu *u, struct iommu_domain *d, u32 tag, u32 pasid)
{
	struct ft_hw *e = ft_hw_find(u->index, tag);

	(void)pasid;
	if (!e) {
		if (ft.nhw[u->index] == FT_HW)
			return -E_NOSPC;
		e = &ft.hw[u->index][ft.nhw[u->index]++];
		e->tag = tag;
	}
	e->d = d;
	return 0;
}

static int ft_detach(struct iommu *u, struct iommu_domain *d, u32 tag, u32 pasid)
{
	struct ft_hw *e = ft_hw_find(u->index, tag);

	(void)d, (void)pasid;
	if (e)
		*e = ft.hw[u->index][--ft.nhw[u->index]];
	return 0;
}

static int ft_flush(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g)
{
	(void)u, (void)d, (void)g;
	return 0;
}

static int ft_inv(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv)
{
	(void)u, (void)d, (void)inv;
	return 0;
}

static const struct iommu_ops ft_ops = { .s2_config = ft_s2_config,
					 .domain_init = ft_ok,
					 .domain_fini = ft_fini,
					 .attach = ft_attach,
					 .detach = ft_detach,
					 .flush_s2 = ft_flush,
					 .invalidate = ft_inv };
static const struct iommu_driver ft_drv = { "ft", IOMMU_KIND_SMMUV3, IOMMU_VENDOR_SMMUV3, &ft_ops };

/* ---- an independent reading of the scopes ---------------------------------------------- */

/* 2: an entry names the requester, 1: its segment is included whole, 0: no description. */
static int ft_level(const struct plat_iommu *m, const struct iommu_dev *dev)
{
	u16 seg = (u16)(dev->rid >> 16), bdf = (u16)dev->rid;

	for (unsigned i = 0; i < m->nscope; i++) {
		const struct plat_scope *s = &m->scope[i];
		u16 r = s->kind == SCOPE_RANGE ? (u16)(bdf & ~s->rid_ignore) : bdf;

		if (s->segment != seg)
			continue;
		if ((s->kind == SCOPE_RANGE || s->kind == SCOPE_ALIAS) && r >= s->rid_first &&
		    r <= s->rid_last)
			return 2;
		if ((s->kind == SCOPE_DEVICE || s->kind == SCOPE_BRIDGE) && s->npath == 1 &&
		    s->bus == bdf >> 8 && s->path[0] == (bdf & 0xff))
			return 2;
	}
	if (m->include_all && m->segment == seg)
		return 1;
	return !m->scoped && !m->nscope && !m->include_all ? 0 : -1;
}

/* The tags requester key `k` may arrive with through unit `m` (all entries that cover it). */
static unsigned ft_key_tags(const struct plat_iommu *m, u32 k, bool by_rid, u32 *out, unsigned n)
{
	unsigned found = 0;

	for (unsigned i = 0; i < m->nscope; i++) {
		const struct plat_scope *s = &m->scope[i];
		u16 bdf = (u16)k, r = (u16)(bdf & ~s->rid_ignore);

		if (s->segment != (u16)(k >> 16))
			continue;
		if (s->kind == SCOPE_RANGE && r >= s->rid_first && r <= s->rid_last)
			out[n + found++] = s->out_base + (r - s->rid_first);
		else if (s->kind == SCOPE_ALIAS && bdf >= s->rid_first && bdf <= s->rid_last)
			out[n + found++] = s->out_base;
	}
	if (!found && by_rid)
		out[n + found++] = (u16)k;
	return found;
}

static bool ft_path_hit(const struct plat_iommu *m, const struct iommu_dev *dev)
{
	u16 seg = (u16)(dev->rid >> 16), bdf = (u16)dev->rid;

	for (unsigned i = 0; i < m->nscope; i++) {
		const struct plat_scope *s = &m->scope[i];

		if ((s->kind == SCOPE_DEVICE || s->kind == SCOPE_BRIDGE) && s->npath == 1 &&
		    s->segment == seg && s->bus == bdf >> 8 && s->path[0] == (bdf & 0xff))
			return true;
	}
	return false;
}

static unsigned ft_tags(const struct plat_iommu *m, const struct iommu_dev *dev, u32 *out)
{
	bool by_rid = ft_level(m, dev) < 2 || ft_path_hit(m, dev);
	unsigned n = ft_key_tags(m, dev->rid, by_rid, out, 0);

	for (unsigned a = 0; a < dev->nalias; a++)
		n += ft_key_tags(m, dev->alias[a], by_rid, out, n);
	return n;
}

/* ---- the invariant ------------------------------------------------------------------------ */

static void ft_check(const struct platform *p)
{
	u32 tags[PLAT_MAX_SCOPE * (IOMMU_DEV_MAX_ALIAS + 1) + IOMMU_DEV_MAX_ALIAS + 1];

	for (unsigned k = 0; k < ft.ndev; k++) {
		struct iommu *u = ft.at[k];
		struct iommu_domain *mine = NULL;
		unsigned n;

		if (!u)
			continue;
		for (unsigned o = 0; o < FT_OWNERS; o++)
			if (iommu_domain_attached(&ft.dom[u->index][o], ft.dev[k].rid,
						  IOMMU_NO_PASID))
				mine = &ft.dom[u->index][o];
		if (!mine)
			abort(); /* attached per the harness, not per the core */
		n = ft_tags(&p->iommu[u->index], &ft.dev[k], tags);
		for (unsigned t = 0; t < n; t++) {
			struct ft_hw *e = ft_hw_find(u->index, tags[t]);

			if (!e || e->d != mine)
				abort(); /* its DMA would reach another owner's memory, or nothing */
		}
		for (unsigned i = 0; i < p->niommu; i++)
			if (i != u->index && ft_level(&p->iommu[i], &ft.dev[k]) >=
						     ft_level(&p->iommu[u->index], &ft.dev[k]))
				abort(); /* another unit claims it at least as strongly */
	}
}

static u32 ft_hash(u32 x)
{
	x *= 2654435761u;
	return x ^ (x >> 15);
}

static void ft_key_add(u32 key)
{
	for (unsigned i = 0; i < ft.ndev; i++)
		if (ft.dev[i].rid == key)
			return;
	if (ft.ndev < FT_KEYS)
		ft.dev[ft.ndev++] = (struct iommu_dev){ .rid = key };
}

/* Requesters at the edges of every scope entry, some with a bridge alias among them. */
static void ft_keys(const struct platform *p)
{
	static const u32 fixed[] = { 0x0000, 0x0008, 0x0009, 0x0100, 0x10008, 0xffff };

	ft.ndev = 0;
	for (unsigned i = 0; i < p->niommu; i++)
		for (unsigned j = 0; j < p->iommu[i].nscope; j++) {
			const struct plat_scope *s = &p->iommu[i].scope[j];
			u32 seg = (u32)s->segment << 16;

			ft_key_add(seg | s->rid_first);
			ft_key_add(seg | s->rid_last);
			ft_key_add(seg | (u16)(s->rid_first ^ s->rid_ignore));
			ft_key_add(seg | (u16)(s->rid_first + 1));
			ft_key_add(seg | (u16)(s->bus << 8 | s->path[0]));
		}
	for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++)
		ft_key_add(fixed[i]);
	for (unsigned i = 0; i < ft.ndev; i++)
		if (ft_hash(ft.dev[i].rid) & 1) {
			ft.dev[i].alias[0] = ft.dev[(i * 7 + 3) % ft.ndev].rid;
			ft.dev[i].nalias = ft.dev[i].alias[0] != ft.dev[i].rid;
		}
}

static void ft_attach_one(unsigned k, unsigned owner)
{
	struct iommu *u;

	ft.at[k] = NULL;
	if (iommu_unit_for(&ft.dev[k], &u))
		return;
	if (!iommu_attach_dev(&ft.dom[u->index][owner], &ft.dev[k], IOMMU_NO_PASID))
		ft.at[k] = u;
}

static void ft_detach_one(unsigned k)
{
	struct iommu *u = ft.at[k];

	for (unsigned o = 0; u && o < FT_OWNERS; o++)
		if (iommu_domain_attached(&ft.dom[u->index][o], ft.dev[k].rid, IOMMU_NO_PASID) &&
		    iommu_detach(&ft.dom[u->index][o], ft.dev[k].rid, IOMMU_NO_PASID))
			abort();
	ft.at[k] = NULL;
}

/* Runs the whole sequence over the scopes of `p` (its IOMMUs, whatever their kind). */
static void ft_run(const struct platform *p)
{
	unsigned n = MIN(p->niommu, (unsigned)PLAT_MAX_IOMMU);

	memset(&ft, 0, sizeof(ft));
	ft.alloc = (struct pt_allocator){ .alloc = ft_alloc, .free = ft_free };
	iommu_units_reset();
	for (unsigned i = 0; i < n; i++) {
		if (iommu_unit_add(&ft.u[i], &ft_drv, &p->iommu[i], &ft.alloc))
			abort();
		for (unsigned o = 0; o < FT_OWNERS; o++) {
			if (iommu_domain_s2_init(&ft.dom[i][o], &ft.u[i], 40))
				abort();
			ft.dom[i][o].owner = o + 1;
		}
	}
	ft_keys(p);
	for (unsigned k = 0; k < ft.ndev; k++)
		ft_attach_one(k, ft_hash(ft.dev[k].rid) % FT_OWNERS);
	ft_check(p);
	for (unsigned k = 0; k < ft.ndev; k += 2)
		ft_detach_one(k);
	ft_check(p);
	for (unsigned k = 0; k < ft.ndev; k += 2)
		ft_attach_one(k, (ft_hash(ft.dev[k].rid) + 1) % FT_OWNERS);
	ft_check(p);
	for (unsigned k = 0; k < ft.ndev; k++)
		ft_detach_one(k);
	for (unsigned i = 0; i < n; i++) {
		if (ft.nhw[i] || ft.u[i].nstreams)
			abort(); /* a tag left attached after everything was detached */
		for (unsigned o = 0; o < FT_OWNERS; o++)
			if (iommu_domain_fini(&ft.dom[i][o]))
				abort();
	}
	iommu_units_reset();
}

#endif
