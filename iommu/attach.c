// SPDX-License-Identifier: MIT
/*
 * Attach bookkeeping by hardware tag (issue 13 item 2). Each unit keeps one record per tag in
 * use (struct iommu_stream): the domain that translates it and how many attaches hold it. A
 * tag belongs to one domain at a time: a requester whose tags are translated by another
 * domain (an alias of a device attached elsewhere) is refused, so an alias group can only
 * move as a whole and the hardware entry never follows "the last attach". Attaches of one
 * group to the same domain share the entry; the hardware sees it detached only when the last
 * one leaves. Tags of domains of different owners never mix, PASID-level attaches included.
 */
#define LOG_COMPONENT "iommu"
#include "iommu/iommu.h"

#include "core/log.h"
#include "iommu/iommu_internal.h"
#include "lib/err.h"

static int iommu_attach_find(const struct iommu_domain *d, u32 rid, u32 pasid)
{
	for (unsigned i = 0; i < d->nattach; i++)
		if (d->attach[i].rid == rid && d->attach[i].pasid == pasid)
			return (int)i;
	return -1;
}

bool iommu_domain_attached(const struct iommu_domain *d, u32 rid, u32 pasid)
{
	return iommu_attach_find(d, rid, pasid) >= 0;
}

/* True when a domain of the unit holds (rid, pasid). */
static bool iommu_attach_taken(const struct iommu *u, u32 rid, u32 pasid)
{
	for (const struct iommu_domain *o = u->domains; o; o = o->next)
		if (iommu_attach_find(o, rid, pasid) >= 0)
			return true;
	return false;
}

static struct iommu_stream *iommu_stream_find(struct iommu_locked l, u32 tag, u32 pasid)
{
	for (unsigned i = 0; i < l.u->nstreams; i++)
		if (l.u->streams[i].tag == tag && l.u->streams[i].pasid == pasid)
			return &l.u->streams[i];
	return NULL;
}

/* May d take `tag` (with pasid)? Not if another domain has it, or any use of it is foreign. */
static int iommu_stream_check(struct iommu_locked l, const struct iommu_domain *d, u32 tag,
			      u32 pasid)
{
	for (unsigned i = 0; i < l.u->nstreams; i++) {
		const struct iommu_stream *s = &l.u->streams[i];

		if (s->tag != tag)
			continue;
		if (s->dom->owner != d->owner || (s->pasid == pasid && s->dom != d))
			return -E_BUSY;
	}
	return 0;
}

/* Takes one reference on (tag, pasid) for d, programming the hardware on the first. */
static int iommu_stream_get(struct iommu_locked l, struct iommu_domain *d, u32 tag, u32 pasid)
{
	struct iommu *u = l.u;
	struct iommu_stream *s = iommu_stream_find(l, tag, pasid);
	int err;

	if (s) {
		s->refs++;
		return 0;
	}
	if (u->nstreams == IOMMU_MAX_STREAMS)
		return -E_NOSPC;
	if ((err = u->drv->ops->attach(u, d, tag, pasid)))
		return err;
	u->streams[u->nstreams++] = (struct iommu_stream){ tag, pasid, 1, d };
	return 0;
}

/* Drops one reference; the last one points the tag back at blocked. */
static int iommu_stream_put(struct iommu_locked l, struct iommu_domain *d, u32 tag, u32 pasid)
{
	struct iommu *u = l.u;
	struct iommu_stream *s = iommu_stream_find(l, tag, pasid);
	int err;

	if (!s || s->dom != d)
		return -E_CORRUPT; /* bookkeeping out of step: keep whatever the hardware has */
	if (s->refs > 1) {
		s->refs--;
		return 0;
	}
	if ((err = u->drv->ops->detach(u, d, tag, pasid)))
		return err;
	*s = u->streams[--u->nstreams];
	return 0;
}

static int iommu_attach_tags(struct iommu_locked l, struct iommu_domain *d,
			     const struct iommu_tagset *ts, u32 pasid)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < ts->n; i++)
		if ((err = iommu_stream_check(l, d, ts->tag[i], pasid)))
			return err;
	for (i = 0; i < ts->n; i++)
		if ((err = iommu_stream_get(l, d, ts->tag[i], pasid)))
			break;
	if (i == ts->n)
		return 0;
	/* Undo the ones taken: they were free or d's before, so this restores what was. */
	while (i--)
		if (iommu_stream_put(l, d, ts->tag[i], pasid))
			pr_err("tag 0x%x left attached after a failed attach", ts->tag[i]);
	return err;
}

int iommu_attach_dev(struct iommu_domain *d, const struct iommu_dev *dev, u32 pasid)
{
	struct iommu *u = d->unit;
	struct iommu_tagset ts;
	struct iommu_locked l;
	int err;

	if (!d->kind)
		return trace_err(-E_STATE);
	if (pasid != IOMMU_NO_PASID && pasid > IOMMU_PASID_MAX)
		return trace_err(-E_RANGE);
	if ((err = iommu_dev_tags(u, dev, &ts)))
		return trace_err(err);
	/* A device must not meet translations the stage 2 it joins still owes an invalidation of. */
	if ((err = iommu_flush_owed(d->parent ? d->parent : d)))
		return err;
	l = iommu_lock(u);
	if (iommu_attach_taken(u, dev->rid, pasid))
		err = -E_BUSY;
	else if (d->nattach == IOMMU_DOMAIN_MAX_ATTACH)
		err = -E_NOSPC;
	else
		err = iommu_attach_tags(l, d, &ts, pasid);
	if (!err)
		d->attach[d->nattach++] =
			(struct iommu_attach){ .rid = dev->rid, .pasid = pasid, .tags = ts };
	iommu_unlock(l);
	return err ? trace_err(err) : 0;
}

int iommu_attach(struct iommu_domain *d, u32 rid, u32 pasid)
{
	const struct iommu_dev dev = { .rid = rid };

	return iommu_attach_dev(d, &dev, pasid);
}

/*
 * Tags are released last to first and each one leaves the record as it goes: a detach the
 * hardware refused half-way keeps the rest, and a retry continues where it stopped.
 */
int iommu_detach(struct iommu_domain *d, u32 rid, u32 pasid)
{
	struct iommu_locked l = iommu_lock(d->unit);
	int i = iommu_attach_find(d, rid, pasid), err = 0;
	struct iommu_attach *a = i >= 0 ? &d->attach[i] : NULL;

	if (!a)
		err = -E_NOENT;
	while (a && a->tags.n && !err)
		if (!(err = iommu_stream_put(l, d, a->tags.tag[a->tags.n - 1], pasid)))
			a->tags.n--;
	if (a && !err)
		*a = d->attach[--d->nattach];
	iommu_unlock(l);
	return err ? trace_err(err) : 0;
}

static bool iommu_attach_has_tag(const struct iommu_attach *a, const struct iommu_tagset *ts)
{
	for (unsigned k = 0; k < a->tags.n; k++)
		for (unsigned j = 0; j < ts->n; j++)
			if (a->tags.tag[k] == ts->tag[j])
				return true;
	return false;
}

bool iommu_tag_holder(struct iommu *u, const struct iommu_tagset *ts, u32 *rid, u32 *owner)
{
	struct iommu_locked l = iommu_lock(u);
	bool found = false;

	for (const struct iommu_domain *o = u->domains; o && !found; o = o->next)
		for (unsigned i = 0; i < o->nattach && !found; i++)
			if ((found = iommu_attach_has_tag(&o->attach[i], ts))) {
				*rid = o->attach[i].rid;
				*owner = o->owner;
			}
	iommu_unlock(l);
	return found;
}

/* ---- fault attribution ------------------------------------------------------------------- */

/* The requester holding `tag` in d (the first attach with it). */
static u32 iommu_tag_rid(const struct iommu_domain *d, u32 tag)
{
	for (unsigned i = 0; i < d->nattach; i++)
		for (unsigned k = 0; k < d->attach[i].tags.n; k++)
			if (d->attach[i].tags.tag[k] == tag)
				return d->attach[i].rid;
	return IOMMU_RID_NONE;
}

void iommu_fault_attribute(struct iommu_locked l, struct iommu_fault *f)
{
	const struct iommu *u = l.u;
	const struct iommu_stream *s = NULL;

	/* The RID-level entry translates substream-less and substream traffic alike (SMMUv3). */
	for (unsigned i = 0; i < u->nstreams; i++)
		if (u->streams[i].tag == f->tag && (!s || u->streams[i].pasid == IOMMU_NO_PASID))
			s = &u->streams[i];
	f->rid = s ? iommu_tag_rid(s->dom, f->tag) : IOMMU_RID_NONE;
	f->owner = s ? s->dom->owner : 0;
}
