// SPDX-License-Identifier: MIT
/*
 * The ownership record (core/own.h): a sorted table of disjoint page-aligned ranges, adjacent
 * ranges of one owner merged. Changes are built in a scratch table and copied back only when
 * they fit, so a failed add or transfer changes nothing.
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

/* Appends to the scratch table, merging with the previous range; false when full. */
static bool own_push(u64 base, u64 end, struct own_id who)
{
	struct own_range *last = own.m ? &own.s[own.m - 1] : NULL;

	if (base == end)
		return true;
	if (last && last->end == base && own_eq(last->who, who)) {
		last->end = end;
		return true;
	}
	if (own.m >= OWN_MAX_RANGES)
		return false;
	own.s[own.m++] = (struct own_range){ base, end, who };
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

/* Scratch = the record with [b, e) given to `to` (every page of it recorded or none). */
static int own_rebuild(u64 b, u64 e, struct own_id to)
{
	bool ok = true, placed = false;

	own.m = 0;
	for (unsigned i = 0; i < own.n && ok; i++) {
		const struct own_range *x = &own.r[i];

		if (!placed && x->base >= e) {
			ok = own_push(b, e, to);
			placed = true;
		}
		if (x->end <= b || x->base >= e) {
			ok = ok && own_push(x->base, x->end, x->who);
			continue;
		}
		ok = own_push(x->base, MAX(x->base, b), x->who) &&
		     own_push(MAX(x->base, b), MIN(x->end, e), to) &&
		     own_push(MIN(x->end, e), x->end, x->who);
		placed = true;
	}
	if (!placed && ok)
		ok = own_push(b, e, to);
	return own_commit(ok);
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

static bool own_any(u64 b, u64 e)
{
	for (unsigned i = 0; i < own.n; i++)
		if (own.r[i].base < e && b < own.r[i].end)
			return true;
	return false;
}

int own_add(paddr_t base, u64 size, struct own_id who)
{
	u64 end;
	int err = own_range_of(base, size, &end);

	if (err || who.kind == OWN_NONE)
		return err ?: -E_INVAL;
	spin_lock(&own.lock);
	err = own_any(base.v, end) ? -E_EXIST : own_rebuild(base.v, end, who);
	spin_unlock(&own.lock);
	return err;
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
	else
		err = own_rebuild(base.v, end, to);
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
