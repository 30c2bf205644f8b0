// SPDX-License-Identifier: MIT
/*
 * Guest invalidations and faults. Each guest invalidation entry is checked and routed to the
 * domain that owns its tag (docs/architecture.md section 2, invalidation by hardware tag): VT-d entries go to the nested domain of their
 * (vDID, PASID), AMD-Vi entries to a nested domain of their vDID, SMMUv3 entries to the
 * nesting parent (the driver forces its VMID), ATC entries to a domain the device is
 * attached to. The guest tag is only compared, never passed to hardware as such.
 */
#define LOG_COMPONENT "iommu"
#include "iommu/iommu.h"

#include "core/log.h"
#include "iommu/iommu_internal.h"
#include "lib/err.h"

static bool iommu_pasid_ok(u32 pasid)
{
	return pasid <= IOMMU_PASID_MAX;
}

static bool iommu_is_nested_of(const struct iommu_domain *d, enum iommu_vendor v)
{
	return d->kind == IOMMU_DOMAIN_NESTED && d->s1.vendor == v;
}

/* VT-d 6.5.2.4: PASID-based IOTLB invalidation; addr aligned to 2^am pages. */
static int iommu_inv_check_vtd(const struct iommu_domain *d, const struct iommu_inv_vtd *e)
{
	if (!iommu_is_nested_of(d, IOMMU_VENDOR_VTD) || e->vdid != d->s1.vtd.vdid)
		return -E_PERM;
	if (!iommu_pasid_ok(e->pasid))
		return -E_RANGE;
	if (e->gran == IOMMU_VTD_INV_PASID_ALL)
		return e->addr || e->am || e->ih ? -E_INVAL : 0;
	if (e->gran != IOMMU_VTD_INV_PASID_ADDR || e->am > 52 - 12)
		return -E_INVAL;
	return IS_ALIGNED(e->addr, PAGE_SIZE << e->am) ? 0 : -E_INVAL;
}

/* AMD IOMMU 2.4.3 INVALIDATE_IOMMU_PAGES. */
static int iommu_inv_check_amd(const struct iommu_domain *d, const struct iommu_inv_amd *e)
{
	if (!iommu_is_nested_of(d, IOMMU_VENDOR_AMDVI) || e->vdid != d->s1.amd.vdid)
		return -E_PERM;
	if (e->gn ? !iommu_pasid_ok(e->pasid) : e->pasid != 0)
		return -E_RANGE;
	return IS_ALIGNED(e->addr, PAGE_SIZE) ? 0 : -E_INVAL;
}

static const struct iommu_attach *iommu_rid_behind(const struct iommu_domain *d, u32 rid);

/* SMMUv3 4.4.1: stage-1 TLB invalidations; the nesting parent supplies the VMID. */
static int iommu_inv_check_smmu(const struct iommu_domain *d, const struct iommu_inv_smmu *e)
{
	if (d->kind != IOMMU_DOMAIN_S2 || d->unit->drv->vendor != IOMMU_VENDOR_SMMUV3)
		return -E_PERM;
	switch (e->op) {
	case IOMMU_SMMU_TLBI_NH_ALL:
	case IOMMU_SMMU_TLBI_NH_ASID:
		return e->addr || e->num || e->scale || e->tg || e->ttl ? -E_INVAL : 0;
	case IOMMU_SMMU_TLBI_NH_VA:
	case IOMMU_SMMU_TLBI_NH_VAA:
		if (!IS_ALIGNED(e->addr, PAGE_SIZE) || e->addr >> 56)
			return -E_INVAL;
		return e->tg > 3 || e->ttl > 3 || e->num > 31 || e->scale > 31 ? -E_INVAL : 0;
	case IOMMU_SMMU_CFGI_CD:
		/* SMMUv3 4.3.2: the CD cache of one StreamID; only a device behind the parent.
		 * The TLBI fields mean nothing here and must be zero. */
		if (e->addr || e->leaf || e->num || e->scale || e->tg || e->ttl || e->asid)
			return -E_INVAL;
		return iommu_rid_behind(d, e->rid) ? 0 : -E_PERM;
	}
	return -E_INVAL;
}

/* The device must be attached to d, or (nesting parent) to a nested domain on it. */
static const struct iommu_attach *iommu_rid_behind(const struct iommu_domain *d, u32 rid)
{
	for (const struct iommu_domain *o = d->unit->domains; o; o = o->next) {
		if (o != d && o->parent != d)
			continue;
		for (unsigned i = 0; i < o->nattach; i++)
			if (o->attach[i].rid == rid)
				return &o->attach[i];
	}
	return NULL;
}

static int iommu_inv_check_atc(const struct iommu_domain *d, const struct iommu_inv_atc *e)
{
	if (!iommu_rid_behind(d, e->rid))
		return -E_PERM;
	if (e->pasid != IOMMU_NO_PASID && !iommu_pasid_ok(e->pasid))
		return -E_RANGE;
	if (e->size_order < 12 || e->size_order > 64)
		return -E_INVAL;
	return e->size_order == 64 ? (e->addr ? -E_INVAL : 0)
				   : (IS_ALIGNED(e->addr, 1ULL << e->size_order) ? 0 : -E_INVAL);
}

static int iommu_inv_check(const struct iommu_domain *d, const struct iommu_inv *inv)
{
	switch (inv->kind) {
	case IOMMU_INV_VTD: return iommu_inv_check_vtd(d, &inv->vtd);
	case IOMMU_INV_AMD: return iommu_inv_check_amd(d, &inv->amd);
	case IOMMU_INV_SMMU: return iommu_inv_check_smmu(d, &inv->smmu);
	case IOMMU_INV_ATC: return iommu_inv_check_atc(d, &inv->atc);
	}
	return -E_INVAL;
}

/* The requester the entry names, for the entries that go to its hardware tags. */
static u32 iommu_inv_rid(const struct iommu_inv *inv, bool *per_tag)
{
	*per_tag = inv->kind == IOMMU_INV_ATC ||
		   (inv->kind == IOMMU_INV_SMMU && inv->smmu.op == IOMMU_SMMU_CFGI_CD);
	return inv->kind == IOMMU_INV_ATC ? inv->atc.rid : inv->smmu.rid;
}

/* One checked entry: device-scoped ones once per hardware tag of the device. */
static int iommu_inv_run(struct iommu_domain *d, const struct iommu_inv *inv)
{
	struct iommu *u = d->unit;
	struct iommu_inv one = *inv;
	const struct iommu_attach *a;
	bool per_tag;
	u32 rid = iommu_inv_rid(inv, &per_tag);
	int err = 0;

	if (!per_tag)
		return u->drv->ops->invalidate(u, d, inv);
	a = iommu_rid_behind(d, rid); /* checked: non-NULL */
	for (unsigned k = 0; a && k < a->tags.n && !err; k++) {
		if (one.kind == IOMMU_INV_ATC)
			one.atc.tag = a->tags.tag[k];
		else
			one.smmu.tag = a->tags.tag[k];
		err = u->drv->ops->invalidate(u, d, &one);
	}
	return err;
}

int iommu_invalidate(struct iommu_domain *d, const struct iommu_inv *inv, unsigned n,
		     unsigned *done)
{
	unsigned i;
	int err = 0;

	if (!d->kind || (n && !inv))
		return trace_err(-E_INVAL);
	for (i = 0; i < n && !err; i++) {
		err = iommu_inv_check(d, &inv[i]);
		if (!err)
			err = iommu_inv_run(d, &inv[i]);
	}
	*done = err ? i - 1 : n;
	return err ? trace_err(err) : 0;
}

/* ---- faults ---------------------------------------------------------------------------------- */

static struct iommu_fault_ring *iommu_fault_ring(struct iommu_locked l, u32 owner)
{
	return &l.u->faults[owner < IOMMU_FAULT_OWNERS ? owner : 0];
}

void iommu_fault_report(struct iommu *u, const struct iommu_fault *f)
{
	struct iommu_locked l = iommu_lock(u);
	struct iommu_fault rec = *f;
	struct iommu_fault_ring *r;
	unsigned slot;

	iommu_fault_attribute(l, &rec);
	r = iommu_fault_ring(l, rec.owner);
	slot = (r->head + r->count) % IOMMU_FAULT_RING;
	if (r->count == IOMMU_FAULT_RING) {
		/* Full: this owner's oldest record goes; other owners' rings are untouched. */
		r->head = (r->head + 1) % IOMMU_FAULT_RING;
		r->dropped++;
		u->faults_dropped++;
	} else {
		r->count++;
	}
	r->rec[slot] = rec;
	r->seq[slot] = u->fault_seq++;
	iommu_unlock(l);
}

int iommu_fault_pop(struct iommu *u, struct iommu_fault *out)
{
	struct iommu_locked l = iommu_lock(u);
	struct iommu_fault_ring *oldest = NULL;

	for (unsigned o = 0; o < IOMMU_FAULT_OWNERS; o++) {
		struct iommu_fault_ring *r = &u->faults[o];

		if (r->count && (!oldest || r->seq[r->head] < oldest->seq[oldest->head]))
			oldest = r;
	}
	if (oldest) {
		*out = oldest->rec[oldest->head];
		oldest->head = (oldest->head + 1) % IOMMU_FAULT_RING;
		oldest->count--;
	}
	iommu_unlock(l);
	return oldest ? 0 : -E_NOENT;
}

unsigned iommu_faults_pending(struct iommu *u)
{
	struct iommu_locked l = iommu_lock(u);
	unsigned n = 0;

	for (unsigned o = 0; o < IOMMU_FAULT_OWNERS; o++)
		n += u->faults[o].count;
	iommu_unlock(l);
	return n;
}

static iommu_fault_notify_fn fault_notify;

void iommu_fault_notify_set(iommu_fault_notify_fn fn)
{
	__atomic_store_n(&fault_notify, fn, __ATOMIC_RELEASE);
}

void iommu_fault_notify(struct iommu *u)
{
	iommu_fault_notify_fn fn = __atomic_load_n(&fault_notify, __ATOMIC_ACQUIRE);

	if (fn)
		fn(u);
}
