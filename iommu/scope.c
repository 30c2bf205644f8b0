// SPDX-License-Identifier: MIT
/*
 * Which unit translates a requester, and with which hardware tags (issue 13 items 2 and 10),
 * from the firmware's description of each unit (struct plat_scope, core/platform.h):
 * - SCOPE_RANGE (IORT root-complex ID mappings, DT iommu-map, IVRS select/range entries):
 *   requester ID r of the entry's segment, with the rid_ignore bits dropped, inside
 *   [rid_first, rid_last] arrives as out_base + (r - rid_first);
 * - SCOPE_ALIAS (IVRS alias entries): every requester ID of the range arrives as out_base;
 * - SCOPE_DEVICE / SCOPE_BRIDGE (DMAR device scopes): the function at that path, or anything
 *   below the bridge at that path, arrives with its requester ID (the VT-d source-id);
 * - include_all (DMAR INCLUDE_PCI_ALL, IVRS "all"): every requester of the unit's segment
 *   that no other unit names, with its requester ID.
 * A unit the firmware did not describe at all sees every requester with its requester ID.
 * Every requester key of a function (its own and its bridge aliases) must resolve on the
 * unit, or the unit cannot confine all of its DMA and does not count as its unit.
 */
#define LOG_COMPONENT "iommu"
#include "iommu/iommu.h"

#include "core/log.h"
#include "lib/err.h"

enum scope_level {
	LEVEL_NONE = -1,
	LEVEL_IDENTITY, /* no description */
	LEVEL_ALL,	/* the whole segment */
	LEVEL_NAMED,	/* a scope entry names it */
};

#define ALIAS_REPORT_MAX 8 /* lines about alias groups per unit: a hostile table cannot flood */

static bool scope_by_id(const struct plat_scope *sc)
{
	return sc->kind == SCOPE_RANGE || sc->kind == SCOPE_ALIAS;
}

/* The output ID of requester `key` through a range or alias entry, if the entry covers it. */
static bool scope_id_hit(const struct plat_scope *sc, u32 key, u32 *tag)
{
	u16 bdf = IOMMU_RID_BDF(key), r = (u16)(bdf & ~sc->rid_ignore);

	if (IOMMU_RID_SEG(key) != sc->segment)
		return false;
	if (sc->kind == SCOPE_ALIAS && bdf >= sc->rid_first && bdf <= sc->rid_last) {
		*tag = sc->out_base;
		return true;
	}
	if (sc->kind != SCOPE_RANGE || r < sc->rid_first || r > sc->rid_last)
		return false;
	*tag = sc->out_base + (u32)(r - sc->rid_first); /* no overflow: iommu_scope_check */
	return true;
}

/* DMAR (VT-d 8.3.1): a device scope names one function, a bridge scope its sub-hierarchy. */
static bool scope_path_hit(const struct plat_scope *sc, const struct iommu_dev *dev)
{
	u8 one = (u8)IOMMU_RID_BDF(dev->rid);
	const u8 *path = dev->depth ? dev->path : &one;
	u8 depth = dev->depth ? dev->depth : 1;
	u8 bus = dev->depth ? dev->root_bus : (u8)(IOMMU_RID_BDF(dev->rid) >> 8);

	if (sc->kind != SCOPE_DEVICE && sc->kind != SCOPE_BRIDGE)
		return false;
	if (sc->segment != IOMMU_RID_SEG(dev->rid) || sc->bus != bus || !sc->npath)
		return false;
	if (sc->npath > depth || (sc->kind == SCOPE_DEVICE && sc->npath != depth))
		return false;
	for (unsigned i = 0; i < sc->npath; i++)
		if (sc->path[i] != path[i])
			return false;
	return true;
}

static enum scope_level scope_level_of(const struct plat_iommu *desc, const struct iommu_dev *dev)
{
	u32 tag;

	if (!desc)
		return LEVEL_IDENTITY;
	for (unsigned i = 0; i < desc->nscope && i < PLAT_MAX_SCOPE; i++) {
		const struct plat_scope *sc = &desc->scope[i];

		if ((scope_by_id(sc) && scope_id_hit(sc, dev->rid, &tag)) ||
		    scope_path_hit(sc, dev))
			return LEVEL_NAMED;
	}
	if (desc->include_all && desc->segment == IOMMU_RID_SEG(dev->rid))
		return LEVEL_ALL;
	if (!desc->scoped && !desc->nscope && !desc->include_all)
		return LEVEL_IDENTITY;
	return LEVEL_NONE;
}

static int tagset_add(struct iommu_tagset *ts, u32 tag)
{
	for (unsigned i = 0; i < ts->n; i++)
		if (ts->tag[i] == tag)
			return 0;
	if (ts->n == IOMMU_MAX_TAGS)
		return -E_NOSPC;
	ts->tag[ts->n++] = tag;
	return 0;
}

/*
 * The tags requester `key` arrives with. Every range or alias entry that covers it counts (an
 * inconsistent table gives several: all of them are owned). With none, a function the unit
 * takes by path, segment or identity arrives with its requester ID.
 */
static int scope_key_tags(const struct plat_iommu *desc, u32 key, bool by_rid,
			  struct iommu_tagset *ts)
{
	unsigned hits = 0;
	u32 tag;
	int err;

	for (unsigned i = 0; desc && i < desc->nscope && i < PLAT_MAX_SCOPE; i++) {
		const struct plat_scope *sc = &desc->scope[i];

		if (!scope_by_id(sc) || !scope_id_hit(sc, key, &tag))
			continue;
		hits++;
		if ((err = tagset_add(ts, tag)))
			return err;
	}
	if (hits)
		return 0;
	return by_rid ? tagset_add(ts, IOMMU_RID_BDF(key)) : -E_NOENT;
}

static bool scope_any_path_hit(const struct plat_iommu *desc, const struct iommu_dev *dev)
{
	for (unsigned i = 0; desc && i < desc->nscope && i < PLAT_MAX_SCOPE; i++)
		if (scope_path_hit(&desc->scope[i], dev))
			return true;
	return false;
}

static int scope_tags(const struct plat_iommu *desc, const struct iommu_dev *dev,
		      struct iommu_tagset *ts, enum scope_level *level)
{
	bool by_rid;
	int err;

	*level = scope_level_of(desc, dev);
	ts->n = 0;
	if (*level == LEVEL_NONE || dev->nalias > IOMMU_DEV_MAX_ALIAS)
		return -E_NOENT;
	by_rid = *level != LEVEL_NAMED || scope_any_path_hit(desc, dev);
	if ((err = scope_key_tags(desc, dev->rid, by_rid, ts)))
		return err;
	for (unsigned i = 0; i < dev->nalias; i++)
		if ((err = scope_key_tags(desc, dev->alias[i], by_rid, ts)))
			return err;
	return 0;
}

int iommu_dev_tags(const struct iommu *u, const struct iommu_dev *dev, struct iommu_tagset *out)
{
	enum scope_level level;

	return scope_tags(u->desc, dev, out, &level);
}

/*
 * The unit is chosen by the function's own requester ID; then all of its requester keys must
 * resolve there. A unit that names it but cannot take an alias does not hand the function to
 * a weaker claimant: its DMA would still arrive at the first one.
 */
int iommu_unit_for(const struct iommu_dev *dev, struct iommu **out)
{
	enum scope_level best = LEVEL_NONE, level;
	struct iommu_tagset ts;
	unsigned tied = 0;

	*out = NULL;
	for (unsigned i = 0; i < iommu_unit_count(); i++) {
		struct iommu *u = iommu_unit(i);

		level = scope_level_of(u->desc, dev);
		if (level == LEVEL_NONE || level < best)
			continue;
		tied = level == best ? tied + 1 : 1;
		best = level;
		*out = u;
	}
	if (!*out)
		return -E_NOENT;
	if (tied > 1) {
		*out = NULL;
		return -E_CORRUPT; /* two units claim the requester alike */
	}
	if (scope_tags((*out)->desc, dev, &ts, &level)) {
		*out = NULL;
		return -E_NOENT;
	}
	return 0;
}

/* ---- probe-time checks --------------------------------------------------------------------- */

/* The output IDs a range or alias entry produces: [*lo, *hi]. */
static void scope_outputs(const struct plat_scope *sc, u32 *lo, u32 *hi)
{
	*lo = sc->out_base;
	*hi = sc->kind == SCOPE_ALIAS ? sc->out_base
				      : sc->out_base + (u32)(sc->rid_last - sc->rid_first);
}

int iommu_scope_check(const struct plat_iommu *desc)
{
	u32 end;

	for (unsigned i = 0; desc && i < desc->nscope && i < PLAT_MAX_SCOPE; i++) {
		const struct plat_scope *sc = &desc->scope[i];

		if (!scope_by_id(sc))
			continue;
		if (sc->rid_last < sc->rid_first ||
		    (sc->kind == SCOPE_RANGE &&
		     add_overflow(sc->out_base, (u32)(sc->rid_last - sc->rid_first), &end))) {
			pr_err("requester IDs %04x:%04x-%04x -> 0x%x: range malformed or overflows",
			       sc->segment, sc->rid_first, sc->rid_last, sc->out_base);
			return -E_CORRUPT;
		}
	}
	return 0;
}

static bool scope_folds(const struct plat_scope *sc)
{
	if (sc->kind == SCOPE_ALIAS)
		return sc->rid_last > sc->rid_first;
	return sc->kind == SCOPE_RANGE && sc->rid_ignore;
}

/* One line per alias group the table creates (bounded): these requesters share tags. */
void iommu_scope_report_aliases(const struct plat_iommu *desc, const char *name)
{
	unsigned lines = 0, n = desc ? MIN(desc->nscope, (unsigned)PLAT_MAX_SCOPE) : 0;
	u32 alo, ahi, blo, bhi;

	for (unsigned i = 0; i < n && lines < ALIAS_REPORT_MAX; i++) {
		const struct plat_scope *a = &desc->scope[i];

		if (!scope_by_id(a))
			continue;
		if (scope_folds(a)) {
			lines++;
			pr_info("%s: requester IDs %04x:%04x-%04x share tags (mask 0x%x / alias): "
				"functions folded together are one assignable unit",
				name, a->segment, a->rid_first, a->rid_last, (u16)~a->rid_ignore);
		}
		scope_outputs(a, &alo, &ahi);
		for (unsigned j = i + 1; j < n && lines < ALIAS_REPORT_MAX; j++) {
			const struct plat_scope *b = &desc->scope[j];

			if (!scope_by_id(b))
				continue;
			scope_outputs(b, &blo, &bhi);
			if (alo > bhi || blo > ahi)
				continue;
			lines++;
			pr_info("%s: requester IDs %04x:%04x-%04x and %04x:%04x-%04x map onto the "
				"same tags (0x%x-0x%x): one alias group, assigned as one unit",
				name, a->segment, a->rid_first, a->rid_last, b->segment,
				b->rid_first, b->rid_last, MAX(alo, blo), MIN(ahi, bhi));
		}
	}
}
