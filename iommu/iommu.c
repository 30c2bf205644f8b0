// SPDX-License-Identifier: MIT
/*
 * IOMMU core: units and their drivers, domains, stage-2 updates with their invalidation
 * (and the invalidation owed after a failure). Attach bookkeeping by hardware tag is in
 * attach.c, requester scopes in scope.c, guest invalidations and fault rings in inv.c.
 */
#define LOG_COMPONENT "iommu"
#include "iommu/iommu.h"

#include <string.h>

#include "core/init.h"
#include "core/log.h"
#include "core/own_pt.h"
#include "iommu/iommu_internal.h"
#include "lib/err.h"

/* Provided by the linker for the section named like a C identifier (image and host alike). */
extern const struct iommu_driver __start_moat_iommu_drivers[] __attribute__((weak));
extern const struct iommu_driver __stop_moat_iommu_drivers[] __attribute__((weak));

static struct iommu *iommu_units[IOMMU_MAX_UNITS];
static unsigned iommu_nunits;
static struct pt_allocator iommu_table_alloc;

/* ---- units and drivers ------------------------------------------------------------------- */

const struct iommu_driver *iommu_driver_find(enum iommu_kind kind)
{
	const struct iommu_driver *d = __start_moat_iommu_drivers;

	for (; d && d < __stop_moat_iommu_drivers; d++)
		if (d->kind == kind)
			return d;
	return NULL;
}

unsigned iommu_unit_count(void)
{
	return iommu_nunits;
}

struct iommu *iommu_unit(unsigned i)
{
	return i < iommu_nunits ? iommu_units[i] : NULL;
}

int iommu_irq_map(struct iommu *u, const struct iommu_dev *dev, struct iommu_irq *r,
		  struct iommu_msi *out)
{
	struct iommu_tagset ts;
	u32 rid, owner;
	int err;

	if (!u || !dev || !r || !out)
		return trace_err(-E_INVAL);
	if (!u->drv->ops->irq_map || !u->drv->ops->irq_unmap)
		return -E_NOTSUP;
	if ((err = iommu_dev_tags(u, dev, &ts)) || !ts.n)
		return trace_err(err ? err : -E_NOENT);
	/* the entry is the owner's only while the requester is attached for it */
	if (!iommu_tag_holder(u, &ts, &rid, &owner) || rid != dev->rid || owner != r->owner)
		return trace_err(-E_PERM);
	r->tag = ts.tag[0];
	return u->drv->ops->irq_map(u, r, out);
}

int iommu_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie)
{
	if (!u || !r)
		return trace_err(-E_INVAL);
	if (!u->drv->ops->irq_unmap)
		return -E_NOTSUP;
	return u->drv->ops->irq_unmap(u, r, cookie);
}

int iommu_unit_info(struct iommu *u, struct iommu_info *out)
{
	int err;

	if (!u || !out)
		return trace_err(-E_INVAL);
	memset(out, 0, sizeof(*out));
	if (!u->drv->ops->info)
		return trace_err(-E_NOTSUP);
	if ((err = u->drv->ops->info(u, out)))
		return trace_err(err);
	return 0;
}

void iommu_units_reset(void)
{
	memset(iommu_units, 0, sizeof(iommu_units));
	iommu_nunits = 0;
}

int iommu_unit_add(struct iommu *u, const struct iommu_driver *drv, const struct plat_iommu *desc,
		   struct pt_allocator *alloc)
{
	if (!u || !drv || !drv->ops || !alloc)
		return trace_err(-E_INVAL);
	if (iommu_nunits == IOMMU_MAX_UNITS)
		return trace_err(-E_NOSPC);
	u->drv = drv;
	u->desc = desc;
	u->alloc = alloc;
	u->index = iommu_nunits;
	spin_lock_init(&u->lock);
	u->nstreams = 0;
	memset(u->faults, 0, sizeof(u->faults));
	u->fault_seq = 0;
	u->faults_dropped = 0;
	u->domains = NULL;
	iommu_units[iommu_nunits++] = u;
	return 0;
}

int iommu_probe_all(struct moat_ctx *ctx)
{
	pt_allocator_frames(&iommu_table_alloc, ctx->frames);
	for (unsigned i = 0; i < ctx->plat->niommu; i++) {
		const struct plat_iommu *desc = &ctx->plat->iommu[i];
		const struct iommu_driver *drv = iommu_driver_find(desc->kind);
		struct iommu *u = NULL;
		int err;

		if (!drv) {
			pr_warn("no driver for %s at %#llx", iommu_kind_name(desc->kind),
				(unsigned long long)desc->base.v);
			continue;
		}
		err = drv->ops->probe(ctx, desc, &u);
		if (err == -E_NODEV)
			continue;
		if (!err)
			err = iommu_unit_add(u, drv, desc, &iommu_table_alloc);
		if (err) {
			pr_err("%s at %#llx: %s", drv->name, (unsigned long long)desc->base.v,
			       err_str(err));
			return err;
		}
	}
	return 0;
}

static int iommu_boot(struct moat_ctx *ctx)
{
	return iommu_probe_all(ctx);
}
MOAT_UNIT("iommu", INIT_IOMMU, iommu_boot);

/* ---- domains ------------------------------------------------------------------------------ */

/* The unit's domain list is walked under its lock (attach.c), so it changes under it too. */
static void iommu_domain_link(struct iommu_domain *d)
{
	struct iommu_locked l = iommu_lock(d->unit);

	d->next = d->unit->domains;
	d->unit->domains = d;
	iommu_unlock(l);
}

static void iommu_domain_unlink(struct iommu_domain *d)
{
	struct iommu_locked l = iommu_lock(d->unit);
	struct iommu_domain **p = &d->unit->domains;

	while (*p && *p != d)
		p = &(*p)->next;
	if (*p)
		*p = d->next;
	iommu_unlock(l);
}

int iommu_domain_s2_init(struct iommu_domain *d, struct iommu *u, unsigned gpa_bits)
{
	struct pt_config cfg = { 0 };
	int err;

	if (!u || !u->drv)
		return trace_err(-E_INVAL);
	err = u->drv->ops->s2_config(u, gpa_bits, &cfg);
	if (err)
		return trace_err(err);
	memset(d, 0, sizeof(*d));
	d->kind = IOMMU_DOMAIN_S2;
	d->unit = u;
	cfg.alloc = u->alloc;
	err = pt_init(&d->s2, &cfg);
	if (err)
		return trace_err(err);
	err = u->drv->ops->domain_init(u, d);
	if (err) {
		pt_destroy(&d->s2);
		return trace_err(err);
	}
	iommu_domain_link(d);
	return 0;
}

static int iommu_s1_check_vtd(const struct iommu_s1_vtd *s)
{
	if (!IS_ALIGNED(s->fsptptr.v, PAGE_SIZE) || (s->levels != 4 && s->levels != 5))
		return -E_INVAL;
	return 0;
}

static int iommu_s1_check_amd(const struct iommu_s1_amd *s)
{
	if (!IS_ALIGNED(s->gcr3_root.v, PAGE_SIZE) || s->glx > 1)
		return -E_INVAL;
	if (s->guest_levels != 4 && s->guest_levels != 5)
		return -E_INVAL;
	return 0;
}

static int iommu_s1_check_smmu(const struct iommu_s1_smmu *s)
{
	/* SMMUv3 5.2: S1ContextPtr is 64-byte aligned (bits 5:0 RES0), S1CDMax <= 20. */
	if (!IS_ALIGNED(s->s1ctxptr.v, 64) || s->s1cdmax > 20 || s->s1dss > 2)
		return -E_INVAL;
	if (s->s1fmt != IOMMU_SMMU_S1FMT_LINEAR && s->s1fmt != IOMMU_SMMU_S1FMT_4K_L2 &&
	    s->s1fmt != IOMMU_SMMU_S1FMT_64K_L2)
		return -E_INVAL;
	return 0;
}

/* Generic checks of a guest stage-1 description; the driver checks the rest. */
static int iommu_s1_check(const struct iommu_domain *parent, const struct iommu_s1 *s1)
{
	unsigned bits = parent->s2.cfg.ias;
	u64 root;

	if (s1->vendor != parent->unit->drv->vendor)
		return -E_INVAL;
	switch (s1->vendor) {
	case IOMMU_VENDOR_VTD:
		root = s1->vtd.fsptptr.v;
		return iommu_s1_check_vtd(&s1->vtd) ?: (bits < 64 && root >> bits ? -E_RANGE : 0);
	case IOMMU_VENDOR_AMDVI:
		root = s1->amd.gcr3_root.v;
		return iommu_s1_check_amd(&s1->amd) ?: (bits < 64 && root >> bits ? -E_RANGE : 0);
	case IOMMU_VENDOR_SMMUV3:
		root = s1->smmu.s1ctxptr.v;
		return iommu_s1_check_smmu(&s1->smmu) ?: (bits < 64 && root >> bits ? -E_RANGE : 0);
	}
	return -E_INVAL;
}

int iommu_domain_nested_init(struct iommu_domain *d, struct iommu_domain *parent,
			     const struct iommu_s1 *s1)
{
	struct iommu *u;
	int err;

	if (!parent || parent->kind != IOMMU_DOMAIN_S2 || !s1)
		return trace_err(-E_INVAL);
	err = iommu_s1_check(parent, s1);
	if (err)
		return trace_err(err);
	u = parent->unit;
	memset(d, 0, sizeof(*d));
	d->kind = IOMMU_DOMAIN_NESTED;
	d->unit = u;
	d->parent = parent;
	d->owner = parent->owner;
	d->s1 = *s1;
	err = u->drv->ops->domain_init(u, d);
	if (err)
		return trace_err(err);
	parent->nchildren++;
	iommu_domain_link(d);
	return 0;
}

int iommu_domain_fini(struct iommu_domain *d)
{
	struct iommu *u = d->unit;

	if (!d->kind)
		return trace_err(-E_STATE);
	if (d->nattach || d->nchildren)
		return trace_err(-E_BUSY);
	u->drv->ops->domain_fini(u, d);
	iommu_domain_unlink(d);
	if (d->kind == IOMMU_DOMAIN_S2) {
		own_pt_forget(&d->s2); /* unreachable now: its pages leave the counts */
		pt_destroy(&d->s2);
	} else
		d->parent->nchildren--;
	d->kind = 0;
	return 0;
}

struct iommu_domain *iommu_nested_next(const struct iommu_domain *parent,
				       const struct iommu_domain *prev)
{
	struct iommu_domain *d = prev ? prev->next : parent->unit->domains;

	while (d && d->parent != parent)
		d = d->next;
	return d;
}

/* ---- stage-2 updates ------------------------------------------------------------------------ */

struct iommu_gather {
	struct pt_gather g;
	struct iommu_domain *d;
	int err;
};

/* Remembers a range whose invalidation did not complete (merged with what is already owed). */
static void iommu_flush_owe(struct iommu_domain *d, u64 start, u64 end)
{
	if (!d->flush_owed) {
		d->owed_start = start;
		d->owed_end = end;
	} else {
		d->owed_start = MIN(d->owed_start, start);
		d->owed_end = (d->owed_end == 0 || end == 0) ? 0 : MAX(d->owed_end, end);
	}
	d->flush_owed = true;
}

static void iommu_gather_flush(struct pt_gather *g, struct pt *pt)
{
	struct iommu_gather *ig = container_of(g, struct iommu_gather, g);
	struct iommu *u = ig->d->unit;
	int err = u->drv->ops->flush_s2(u, ig->d, g);

	if (err) {
		g->flush_failed = true;
		iommu_flush_owe(ig->d, g->start, g->end);
		if (!ig->err)
			ig->err = err;
	}
}

/*
 * Issue 13 item 12: a failed invalidation is owed until it has been sent again successfully.
 * The resend covers the whole owed range, walk caches included (the failed gather may have
 * unlinked tables), before anything else on the domain may report success.
 */
int iommu_flush_owed(struct iommu_domain *d)
{
	struct iommu *u = d->unit;
	struct pt_gather g;
	int err;

	if (!d->flush_owed)
		return 0;
	pt_gather_init(&g, NULL);
	g.start = d->owed_start;
	g.end = d->owed_end;
	g.min_granule = PAGE_SIZE;
	g.tables_changed = true;
	err = u->drv->ops->flush_s2(u, d, &g);
	if (err) {
		pr_err("owed stage-2 invalidation still failing: %s", err_str(err));
		return trace_err(err);
	}
	d->flush_owed = false;
	return 0;
}

static int iommu_s2_finish(struct iommu_gather *ig, int err)
{
	pt_gather_sync(&ig->g, &ig->d->s2);
	if (ig->err)
		pr_err("stage-2 invalidation failed: %s (%llu table frames withheld)",
		       err_str(ig->err), (unsigned long long)ig->d->s2.leaked);
	return err ?: ig->err;
}

/* core/own_pt.h: pages leave the counts only once the unit's IOTLBs are flushed. */
static int iommu_own_sync(struct own_pt *o)
{
	struct iommu_gather *ig = o->ctx;

	pt_gather_sync(&ig->g, &ig->d->s2);
	return ig->err;
}

int iommu_s2_map(struct iommu_domain *d, gpa_t in, paddr_t out, u64 size, u32 prot)
{
	struct iommu_gather ig = { .d = d };
	struct own_pt o = { &d->s2, &ig.g, iommu_own_sync, &ig };
	int err;

	if (d->kind != IOMMU_DOMAIN_S2)
		return trace_err(-E_INVAL);
	if ((err = iommu_flush_owed(d)))
		return err;
	/* An x86-64-format stage 2 (VT-d first-stage-only units): device requests are user. */
	if (d->s2.cfg.fmt == PT_X86_64)
		prot |= PT_PROT_U;
	pt_gather_init(&ig.g, iommu_gather_flush);
	/* core/own.h: only the domain owner's RAM (Moat's for Moat's domains) enters it. */
	err = own_pt_map(&o, in.v, out, size, prot, d->owner ? own_vm(d->owner) : own_moat());
	return iommu_s2_finish(&ig, err);
}

int iommu_s2_map_msi(struct iommu_domain *d, gpa_t in, paddr_t doorbell)
{
	struct iommu_gather ig = { .d = d };
	struct own_pt o = { &d->s2, &ig.g, iommu_own_sync, &ig };
	int err;

	if (d->kind != IOMMU_DOMAIN_S2 || (in.v | doorbell.v) & (PAGE_SIZE - 1))
		return trace_err(-E_INVAL);
	if ((err = iommu_flush_owed(d)))
		return err;
	/* Only a page the record names a doorbell (core/own.h), counted like any mapping. */
	pt_gather_init(&ig.g, iommu_gather_flush);
	return iommu_s2_finish(&ig,
			       own_pt_map(&o, in.v, doorbell, PAGE_SIZE,
					  PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE, own_doorbell()));
}

int iommu_s2_unmap(struct iommu_domain *d, gpa_t in, u64 size)
{
	struct iommu_gather ig = { .d = d };
	struct own_pt o = { &d->s2, &ig.g, iommu_own_sync, &ig };
	int err;

	if (d->kind != IOMMU_DOMAIN_S2)
		return trace_err(-E_INVAL);
	if ((err = iommu_flush_owed(d)))
		return err;
	pt_gather_init(&ig.g, iommu_gather_flush);
	return iommu_s2_finish(&ig, own_pt_unmap(&o, in.v, size));
}
