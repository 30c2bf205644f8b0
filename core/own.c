// SPDX-License-Identifier: MIT
/*
 * The ownership record (core/own.h): a sorted table of disjoint page-aligned ranges, adjacent
 * ranges of one owner and one mapping count merged. Changes are built in a scratch table and
 * copied back only when they fit, so a failed add, transfer or count changes nothing.
 *
 * Mapping counts: a range added with a per-page array (own_add_counted: RAM, whose pages the
 * guest maps one by one) counts each page there, so a guest's page-granular sharing never splits
 * the table; any other range (BARs, mapped whole or in pieces Moat chooses) carries one count
 * for all its pages and splits where the counts differ.
 */
#define LOG_COMPONENT "own"
#include "core/own.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/lock.h"

struct own_range {
	u64 base, end; /* [base, end), page-aligned */
	struct own_id who;
	u32 maps; /* the count of each page (cnt == NULL) */
	u8 *cnt;  /* per-page counts from `base`, or NULL */
};

/* What own_rebuild() does to the part of a range inside [b, e). */
enum own_op {
	OWN_OP_GIVE,
	OWN_OP_MAP,
	OWN_OP_UNMAP
};

static struct {
	struct spinlock lock;
	unsigned n;
	struct own_range r[OWN_MAX_RANGES];
	unsigned m; /* scratch */
	struct own_range s[OWN_MAX_RANGES];
} own = { .lock = SPINLOCK_INIT };

const char *own_name(struct own_id who, char *buf, size_t size)
{
	switch (who.kind) {
	case OWN_MOAT: fmt_snprintf(buf, size, "moat"); break;
	case OWN_DOORBELL: fmt_snprintf(buf, size, "msi doorbell"); break;
	case OWN_VM: fmt_snprintf(buf, size, "vm %u", who.vm); break;
	case OWN_BAR:
		if (who.vm)
			fmt_snprintf(buf, size, "bar of vm %u", who.vm);
		else
			fmt_snprintf(buf, size, "unassigned bar");
		break;
	default: fmt_snprintf(buf, size, "nobody"); break;
	}
	return buf;
}

void own_reset(void)
{
	spin_lock(&own.lock);
	own.n = 0;
	spin_unlock(&own.lock);
}

/* [base, base + size) as a page-aligned, non-empty, non-wrapping range. */
static int own_range_of(paddr_t base, u64 size, u64 *end)
{
	if (!size || !IS_ALIGNED(base.v, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -E_INVAL;
	return add_overflow(base.v, size, end) ? -E_OVERFLOW : 0;
}

static u64 own_pages(u64 base, u64 end)
{
	return (end - base) >> PAGE_SHIFT;
}

/* The piece [base, end) of `x` (same owner, same counts). */
static struct own_range own_piece(const struct own_range *x, u64 base, u64 end)
{
	return (struct own_range){ base, end, x->who, x->maps,
				   x->cnt ? x->cnt + own_pages(x->base, base) : NULL };
}

static bool own_joins(const struct own_range *a, const struct own_range *b)
{
	if (a->end != b->base || !own_eq(a->who, b->who))
		return false;
	if (!a->cnt || !b->cnt)
		return !a->cnt && !b->cnt && a->maps == b->maps;
	return a->cnt + own_pages(a->base, a->end) == b->cnt; /* one array */
}

/* Appends to the scratch table, merging with the previous range; false when full. */
static bool own_push(struct own_range x)
{
	struct own_range *last = own.m ? &own.s[own.m - 1] : NULL;

	if (x.base == x.end)
		return true;
	if (last && own_joins(last, &x)) {
		last->end = x.end;
		return true;
	}
	if (own.m >= OWN_MAX_RANGES)
		return false;
	own.s[own.m++] = x;
	return true;
}

static int own_commit(bool ok)
{
	if (!ok)
		return -E_NOSPC;
	memcpy(own.r, own.s, own.m * sizeof(own.s[0]));
	own.n = own.m;
	return 0;
}

/* Calls `fn` on each page count of [b, e) (recorded); false as soon as `fn` says so. */
static bool own_each_count(u64 b, u64 e, bool (*fn)(const struct own_range *x, u64 page))
{
	for (unsigned i = 0; i < own.n; i++) {
		const struct own_range *x = &own.r[i];
		u64 lo = MAX(x->base, b), hi = MIN(x->end, e);

		for (u64 p = lo; p < hi; p += PAGE_SIZE) {
			if (!fn(x, p))
				return false;
			if (!x->cnt)
				break; /* one count for the whole range */
		}
	}
	return true;
}

static u32 own_count_at(const struct own_range *x, u64 page)
{
	return x->cnt ? x->cnt[own_pages(x->base, page)] : x->maps;
}

static bool own_unmapped_at(const struct own_range *x, u64 page)
{
	return own_count_at(x, page) == 0;
}

static bool own_can_map_at(const struct own_range *x, u64 page)
{
	return own_count_at(x, page) < (x->cnt ? OWN_MAX_MAPS_PAGE : OWN_MAX_MAPS);
}

static bool own_can_unmap_at(const struct own_range *x, u64 page)
{
	return own_count_at(x, page) > 0;
}

static bool own_inc_at(const struct own_range *x, u64 page)
{
	if (x->cnt)
		x->cnt[own_pages(x->base, page)]++;
	return true;
}

static bool own_dec_at(const struct own_range *x, u64 page)
{
	if (x->cnt)
		x->cnt[own_pages(x->base, page)]--;
	return true;
}

/* `x` (inside [b, e)) after `op`. Per-page counts change in place: only on success. */
static struct own_range own_apply(struct own_range x, enum own_op op, struct own_id to)
{
	if (op == OWN_OP_GIVE)
		x.who = to;
	else if (!x.cnt)
		x.maps = op == OWN_OP_MAP ? x.maps + 1 : x.maps - 1;
	return x;
}

/* Scratch = the record with the op applied to [b, e) (every page of it recorded). */
static bool own_rebuild(u64 b, u64 e, enum own_op op, struct own_id to)
{
	bool ok = true;

	own.m = 0;
	for (unsigned i = 0; i < own.n && ok; i++) {
		const struct own_range *x = &own.r[i];
		u64 lo = MAX(x->base, b), hi = MIN(x->end, e);

		if (x->end <= b || x->base >= e) {
			ok = own_push(*x);
			continue;
		}
		ok = own_push(own_piece(x, x->base, lo)) &&
		     own_push(own_apply(own_piece(x, lo, hi), op, to)) &&
		     own_push(own_piece(x, hi, x->end));
	}
	return ok;
}

/* Scratch = the record with the new range `y` (in no recorded page) inserted. */
static bool own_insert(struct own_range y)
{
	bool ok = true, placed = false;

	own.m = 0;
	for (unsigned i = 0; i < own.n && ok; i++) {
		if (!placed && own.r[i].base >= y.end) {
			ok = own_push(y);
			placed = true;
		}
		ok = ok && own_push(own.r[i]);
	}
	return ok && (placed || own_push(y));
}

/* True when every page of [b, e) is recorded with owner `who`; else the first that is not. */
static bool own_covers(u64 b, u64 e, struct own_id who, u64 *bad, struct own_id *bad_who)
{
	u64 at = b;

	for (unsigned i = 0; i < own.n && at < e; i++) {
		const struct own_range *x = &own.r[i];

		if (x->end <= at)
			continue;
		if (x->base > at)
			break; /* a hole: unrecorded */
		if (!own_eq(x->who, who)) {
			*bad_who = x->who;
			*bad = at;
			return false;
		}
		at = x->end;
	}
	if (at < e) {
		*bad_who = (struct own_id){ OWN_NONE, 0 };
		*bad = at;
		return false;
	}
	return true;
}

/* No page of [b, e) is unrecorded. */
static bool own_recorded(u64 b, u64 e)
{
	u64 at = b;

	for (unsigned i = 0; i < own.n && at < e; i++) {
		if (own.r[i].end <= at)
			continue;
		if (own.r[i].base > at)
			return false;
		at = own.r[i].end;
	}
	return at >= e;
}

static bool own_any(u64 b, u64 e)
{
	for (unsigned i = 0; i < own.n; i++)
		if (own.r[i].base < e && b < own.r[i].end)
			return true;
	return false;
}

int own_add_counted(paddr_t base, u64 size, struct own_id who, u8 *counts)
{
	u64 end;
	int err = own_range_of(base, size, &end);

	if (err || who.kind == OWN_NONE)
		return err ?: -E_INVAL;
	spin_lock(&own.lock);
	if (own_any(base.v, end))
		err = -E_EXIST;
	else
		err = own_commit(own_insert((struct own_range){ base.v, end, who, 0, counts }));
	spin_unlock(&own.lock);
	return err;
}

int own_add(paddr_t base, u64 size, struct own_id who)
{
	return own_add_counted(base, size, who, NULL);
}

int own_transfer(paddr_t base, u64 size, struct own_id from, struct own_id to)
{
	struct own_id bad_who;
	u64 end, bad;
	int err = own_range_of(base, size, &end);

	if (err || to.kind == OWN_NONE)
		return err ?: -E_INVAL;
	spin_lock(&own.lock);
	if (!own_covers(base.v, end, from, &bad, &bad_who))
		err = -E_PERM;
	else if (!own_each_count(base.v, end, own_unmapped_at))
		err = -E_BUSY; /* still in a stage-2 or IOMMU table */
	else
		err = own_commit(own_rebuild(base.v, end, OWN_OP_GIVE, to));
	spin_unlock(&own.lock);
	return err;
}

int own_check(paddr_t base, u64 size, struct own_id who)
{
	struct own_id bad_who;
	char a[24], b[24];
	u64 end, bad;
	bool ok;

	if (!size || add_overflow(base.v, size, &end))
		return -E_OVERFLOW;
	spin_lock(&own.lock);
	ok = own_covers(ALIGN_DOWN(base.v, PAGE_SIZE), end, who, &bad, &bad_who);
	spin_unlock(&own.lock);
	if (ok)
		return 0;
	pr_err("map refused: page 0x%llx belongs to %s, not to %s", (unsigned long long)bad,
	       own_name(bad_who, a, sizeof(a)), own_name(who, b, sizeof(b)));
	return -E_PERM;
}

static bool own_has_range_count(const struct own_range *x, u64 page)
{
	(void)page;
	return x->cnt != NULL; /* false (stop) at the first range counted as a whole */
}

/* The range-wide counts of [b, e) changed by `op`; RAM counted per page needs no rebuild. */
static int own_count_ranges(u64 b, u64 e, enum own_op op)
{
	if (own_each_count(b, e, own_has_range_count))
		return 0;
	return own_commit(own_rebuild(b, e, op, own_moat()));
}

/* [base, base + size) rounded out to pages: -E_OVERFLOW when it wraps. */
static int own_pages_of(paddr_t base, u64 size, u64 *b, u64 *e)
{
	if (!size || add_overflow(base.v, size, e) || add_overflow(*e, PAGE_SIZE - 1, e))
		return -E_OVERFLOW;
	*b = ALIGN_DOWN(base.v, PAGE_SIZE);
	*e = ALIGN_DOWN(*e, PAGE_SIZE);
	return 0;
}

int own_map(paddr_t base, u64 size, struct own_id who)
{
	struct own_id bad_who;
	char a[24], bn[24];
	u64 b, e, bad;
	int err = own_pages_of(base, size, &b, &e);

	if (err)
		return err;
	spin_lock(&own.lock);
	if (!own_covers(b, e, who, &bad, &bad_who))
		err = -E_PERM;
	else if (!own_each_count(b, e, own_can_map_at))
		err = -E_NOSPC;
	else if (!(err = own_count_ranges(b, e, OWN_OP_MAP)))
		own_each_count(b, e, own_inc_at);
	spin_unlock(&own.lock);
	if (err == -E_PERM)
		pr_err("map refused: page 0x%llx belongs to %s, not to %s", (unsigned long long)bad,
		       own_name(bad_who, a, sizeof(a)), own_name(who, bn, sizeof(bn)));
	else if (err)
		pr_err("map of 0x%llx refused: mapping count: %s", (unsigned long long)b,
		       err_str(err));
	return err;
}

int own_unmap(paddr_t base, u64 size)
{
	u64 b, e;
	int err = own_pages_of(base, size, &b, &e);

	if (err)
		return err;
	spin_lock(&own.lock);
	/* Every page recorded (by whoever) and counted: else the caller's books are wrong. */
	if (!own_recorded(b, e) || !own_each_count(b, e, own_can_unmap_at))
		err = -E_INVAL;
	else if (!(err = own_count_ranges(b, e, OWN_OP_UNMAP)))
		own_each_count(b, e, own_dec_at);
	spin_unlock(&own.lock);
	if (err)
		pr_err("unmap of 0x%llx (+0x%llx): mapping count: %s", (unsigned long long)b,
		       (unsigned long long)(e - b), err_str(err));
	return err;
}

u32 own_maps(paddr_t p)
{
	u32 n = 0;

	spin_lock(&own.lock);
	for (unsigned i = 0; i < own.n; i++)
		if (p.v >= own.r[i].base && p.v < own.r[i].end)
			n = own_count_at(&own.r[i], ALIGN_DOWN(p.v, PAGE_SIZE));
	spin_unlock(&own.lock);
	return n;
}

struct own_id own_owner(paddr_t p)
{
	struct own_id who = { OWN_NONE, 0 };

	spin_lock(&own.lock);
	for (unsigned i = 0; i < own.n; i++)
		if (p.v >= own.r[i].base && p.v < own.r[i].end)
			who = own.r[i].who;
	spin_unlock(&own.lock);
	return who;
}

void own_for_each(void (*fn)(void *ctx, paddr_t base, u64 size, struct own_id who), void *ctx)
{
	spin_lock(&own.lock);
	for (unsigned i = 0; i < own.n; i++)
		fn(ctx, pa(own.r[i].base), own.r[i].end - own.r[i].base, own.r[i].who);
	spin_unlock(&own.lock);
}
