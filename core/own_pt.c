// SPDX-License-Identifier: MIT
/* Counted table updates (core/own_pt.h). */
#define LOG_COMPONENT "own"
#include "core/own_pt.h"

#include "core/log.h"
#include "lib/err.h"

/* Extents removed or replaced by one batch, contiguous ones merged. */
#define OWN_PT_BATCH 8

struct own_batch {
	unsigned n;
	u64 next; /* the input address after the last extent taken */
	struct pt_extent x[OWN_PT_BATCH];
};

/* Takes the mapped extents of [from, end) into `b` until it is full; false when none. */
static bool own_batch_fill(const struct pt *pt, u64 from, u64 end, struct own_batch *b)
{
	struct pt_extent x;

	b->n = 0;
	b->next = from;
	while (b->next < end && !pt_lookup_next(pt, b->next, end, &x)) {
		struct pt_extent *l = b->n ? &b->x[b->n - 1] : NULL;

		if (l && l->in + l->size == x.in && l->out.v + l->size == x.out.v)
			l->size += x.size;
		else if (b->n < OWN_PT_BATCH)
			b->x[b->n++] = x;
		else
			break;
		b->next = x.in + x.size;
	}
	return b->n > 0;
}

static void own_batch_uncount(const struct own_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		(void)own_unmap(b->x[i].out, b->x[i].size); /* a wrong count is logged there */
}

/* True when the whole of [from, end) is in `b` (nothing mapped after b->next). */
static bool own_batch_whole(const struct pt *pt, const struct own_batch *b, u64 end)
{
	struct pt_extent x;

	return b->next >= end || pt_lookup_next(pt, b->next, end, &x) == -E_NOENT;
}

int own_pt_unmap(struct own_pt *o, u64 in, u64 size)
{
	struct own_batch b;
	u64 end = in + size;
	int err = 0, serr;

	if (!size || end < in)
		return -E_OVERFLOW;
	while (!err && own_batch_fill(o->pt, in, end, &b)) {
		unsigned done = 0;

		for (; done < b.n && !err; done++)
			err = pt_unmap(o->pt, b.x[done].in, b.x[done].size, o->g);
		b.n = err ? done - 1 : done; /* the failed one may be partly mapped: keep it */
		if ((serr = o->sync(o)))
			return err ?: serr; /* not flushed: everything stays counted */
		own_batch_uncount(&b);
		in = b.next;
	}
	return err;
}

/* The write of a map failed: leave the range unmapped; uncount it once flushed. */
static int own_pt_map_undo(struct own_pt *o, const struct own_batch *old, u64 in, paddr_t out,
			   u64 size, int err)
{
	if (pt_unmap(o->pt, in, size, o->g) || o->sync(o))
		return err; /* still (maybe) mapped: the counts stay */
	own_batch_uncount(old);
	(void)own_unmap(out, size);
	return err;
}

int own_pt_map(struct own_pt *o, u64 in, paddr_t out, u64 size, u32 prot, struct own_id who)
{
	struct own_batch old;
	int err;

	if (!size || in + size < in)
		return -E_OVERFLOW;
	if ((err = own_map(out, size, who)))
		return err;
	/* What is there now is uncounted after the replacing write; too much: unmapped first. */
	if (own_batch_fill(o->pt, in, in + size, &old) &&
	    !own_batch_whole(o->pt, &old, in + size)) {
		if ((err = own_pt_unmap(o, in, size))) {
			(void)own_unmap(out, size);
			return err;
		}
		old.n = 0;
	}
	if ((err = pt_map(o->pt, in, out, size, prot, o->g)))
		return own_pt_map_undo(o, &old, in, out, size, err);
	if (old.n && !o->sync(o))
		own_batch_uncount(&old);
	return 0;
}

void own_pt_forget(const struct pt *pt)
{
	struct own_batch b;
	u64 at = 0, end = pt->cfg.ias >= 64 ? ~0ULL : 1ULL << pt->cfg.ias;

	while (own_batch_fill(pt, at, end, &b)) {
		own_batch_uncount(&b);
		at = b.next;
	}
}
