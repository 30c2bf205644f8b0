// SPDX-License-Identifier: MIT
#define LOG_COMPONENT "pt"
/*
 * The format-independent page-table engine: map, unmap and lookup over the codecs of
 * pt_fmt.c. See lib/pt.h and docs/iommu.md for the rules kept here (single-store updates,
 * no transient non-present entry for ranges that stay mapped, deferred table freeing).
 *
 * map and unmap run in two passes over the same recursion. The "prepare" pass only makes the
 * table structure ready (allocates missing tables, splits blocks that straddle the range into
 * equivalent tables): it changes no translation, so running out of memory there leaves every
 * translation as it was. The "commit" pass writes leaves and clears entries and cannot fail.
 *
 * The library calls no C library function: the arm64 EL2 mapper runs it with the MMU off,
 * where memory is Device-nGnRnE and an optimised memset (DC ZVA) would fault.
 */
#include "lib/pt.h"

#include <arch/mm.h>

#include "lib/pt/pt_fmt.h"
#include "lib/err.h"

struct pt_op {
	struct pt *pt;
	const struct pt_fmt *f;
	struct pt_gather *g;
	bool commit;
	bool single;  /* one pass does both: see pt_run */
	u64 out_base; /* map: output address of input 0 of the range (wrapping arithmetic) */
	u32 prot;
};

static inline u64 *pt_table(u64 p)
{
	return phys_to_virt(pa(p));
}

static inline u64 pt_read(const u64 *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

/* Release: a table linked by this store was completely written before it. */
static inline void pt_write(u64 *e, u64 v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

static const struct pt_fmt *pt_fmt_of(const struct pt *pt)
{
	return pt_fmt_get(pt->cfg.fmt);
}

static unsigned pt_entries_at(const struct pt *pt, unsigned lvl)
{
	return lvl == pt->levels - 1 ? pt->root_entries : PT_ENTRIES;
}

static unsigned pt_index(const struct pt *pt, u64 in, unsigned lvl)
{
	return (in >> pt_level_shift(lvl)) & (pt_entries_at(pt, lvl) - 1);
}

/* ---- allocation and the gather ------------------------------------------------------------- */

/* Eight stores a step: the table is linked later by a release store (pt_write). */
static __no_coverage void pt_zero_table(u64 *t, unsigned nframes)
{
	for (u64 i = 0; i < (u64)nframes * PT_ENTRIES; i += 8)
		for (unsigned k = 0; k < 8; k++)
			__atomic_store_n(&t[i + k], 0, __ATOMIC_RELAXED);
}

static int pt_alloc_table(struct pt *pt, unsigned nframes, u64 *out)
{
	struct pt_allocator *a = pt->cfg.alloc;
	paddr_t p;
	int err = a->alloc(a, nframes, &p);

	if (err)
		return err;
	pt_zero_table(pt_table(p.v), nframes);
	pt->tables += nframes;
	a->in_use += nframes;
	*out = p.v;
	return 0;
}

static void pt_free_table(struct pt *pt, u64 p, unsigned nframes)
{
	struct pt_allocator *a = pt->cfg.alloc;

	pt->tables -= nframes;
	a->in_use -= nframes;
	a->free(a, pa(p), nframes);
}

void pt_gather_init(struct pt_gather *g, void (*flush)(struct pt_gather *g, struct pt *pt))
{
	/* Field by field: free[] past nfree is never read (and no memset, see the top). */
	g->start = g->end = g->min_granule = 0;
	g->leaf_only = true;
	g->tables_changed = false;
	g->nfree = 0;
	g->flush = flush;
	g->flush_failed = false;
}

bool pt_gather_empty(const struct pt_gather *g)
{
	return g->start == g->end && g->nfree == 0;
}

/*
 * Every table on the free list was unlinked either inside the current range or before the
 * previous flush (a subtree larger than the list is unlinked by one store, flushed once, and
 * freed over several syncs), so an empty range needs no flush before freeing.
 */
void pt_gather_sync(struct pt_gather *g, struct pt *pt)
{
	bool failed;

	if (g->flush && g->start != g->end)
		g->flush(g, pt);
	failed = g->flush_failed;
	for (unsigned i = 0; i < g->nfree; i++) {
		if (failed) { /* still possibly walked by hardware: never reuse */
			pt->tables--;
			pt->cfg.alloc->in_use--;
			pt->leaked++;
		} else {
			pt_free_table(pt, g->free[i].v, 1);
		}
	}
	pt_gather_init(g, g->flush);
	g->flush_failed = failed; /* sticky: later frees of this operation are unsafe too */
}

static void pt_gather_add(struct pt_gather *g, u64 in, u64 size, u64 granule, bool table)
{
	u64 end = in + size; /* callers stay below 2^64 - 1 + 1: an end of 0 means 2^64 */

	if (g->start == g->end) {
		g->start = in;
		g->end = end;
	} else {
		g->start = MIN(g->start, in);
		g->end = (g->end == 0 || end == 0) ? 0 : MAX(g->end, end);
	}
	if (!g->min_granule || granule < g->min_granule)
		g->min_granule = granule;
	if (table) {
		g->tables_changed = true;
		g->leaf_only = false;
	}
}

static void pt_gather_free(struct pt_gather *g, struct pt *pt, u64 table)
{
	if (g->nfree == PT_GATHER_MAX_FREE)
		pt_gather_sync(g, pt);
	g->free[g->nfree++] = pa(table);
}

/* Whether any of the eight entries from `e` is set. */
static __no_coverage bool pt_any_of_eight(const u64 *e)
{
	return pt_read(&e[0]) | pt_read(&e[1]) | pt_read(&e[2]) | pt_read(&e[3]) | pt_read(&e[4]) |
	       pt_read(&e[5]) | pt_read(&e[6]) | pt_read(&e[7]);
}

/* Hands every table below (and including) `table` at level `lvl` to the gather. */
static void pt_collect(struct pt_op *op, u64 table, unsigned lvl)
{
	u64 *t = pt_table(table);
	struct pt_desc d;

	for (unsigned i = 0; lvl > 0 && i < PT_ENTRIES; i++) {
		if (!pt_any_of_eight(&t[i & ~7u])) {
			i |= 7; /* zero is non-present in every format: no decode */
			continue;
		}
		if (!pt_read(&t[i]))
			continue;
		op->f->decode(pt_read(&t[i]), lvl, &d);
		if (d.kind == PT_DESC_TABLE)
			pt_collect(op, d.addr, d.next_lvl);
	}
	pt_gather_free(op->g, op->pt, table);
}

/* ---- configuration -------------------------------------------------------------------------- */

int pt_init(struct pt *pt, const struct pt_config *cfg)
{
	const struct pt_fmt *f = cfg ? pt_fmt_get(cfg->fmt) : NULL;
	unsigned levels, entries;
	u64 root;
	int err;

	if (!f || !cfg->alloc || !cfg->alloc->alloc || !cfg->alloc->free)
		return trace_err(-E_INVAL);
	if (cfg->oas < 32 || cfg->oas > f->max_oas)
		return trace_err(-E_INVAL);
	err = f->geometry(cfg->ias, &levels, &entries);
	if (err)
		return trace_err(err);
	if (cfg->max_leaf && !IS_POW2(cfg->max_leaf))
		return trace_err(-E_INVAL);
	*pt = (struct pt){ .cfg = *cfg, .levels = levels, .root_entries = entries };
	pt->root_frames = entries > PT_ENTRIES ? entries / PT_ENTRIES : 1;
	err = pt_alloc_table(pt, pt->root_frames, &root);
	if (err)
		return trace_err(err);
	pt->root = pa(root);
	return 0;
}

static void pt_free_tree(struct pt *pt, u64 table, unsigned lvl, unsigned n)
{
	const struct pt_fmt *f = pt_fmt_of(pt);
	u64 *t = pt_table(table);
	struct pt_desc d;

	if (lvl == 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (i + 8 <= n && !pt_any_of_eight(&t[i])) {
			i += 7; /* a sparse root is mostly empty: skip eight at a time */
			continue;
		}
		if (!pt_read(&t[i]))
			continue;
		f->decode(pt_read(&t[i]), lvl, &d);
		if (d.kind == PT_DESC_TABLE) {
			pt_free_tree(pt, d.addr, d.next_lvl, PT_ENTRIES);
			pt_free_table(pt, d.addr, 1);
		}
	}
}

void pt_destroy(struct pt *pt)
{
	if (!pt->root.v)
		return;
	pt_free_tree(pt, pt->root.v, pt->levels - 1, pt->root_entries);
	pt_free_table(pt, pt->root.v, pt->root_frames);
	pt->root = pa(0);
}

u32 pt_prot_mask(enum pt_format fmt)
{
	const struct pt_fmt *f = pt_fmt_get(fmt);

	return f ? f->prot_mask : 0;
}

const char *pt_format_name(enum pt_format fmt)
{
	const struct pt_fmt *f = pt_fmt_get(fmt);

	return f ? f->name : "?";
}

void pt_hw_describe(const struct pt *pt, struct pt_hw_desc *d)
{
	*d = (struct pt_hw_desc){ 0 };
	d->root = pt->root;
	d->levels = pt->levels;
	d->arm_t0sz = 64 - pt->cfg.ias;
	d->arm_start_level = 4 - pt->levels;
	d->arm_sl0 = pt->levels - 2; /* 4 KiB granule: SL0 0 = level 2, 1 = level 1, 2 = level 0 */
	d->vtd_aw = pt->levels - 2;
	d->amd_mode = pt->levels;
}

/* ---- argument checks ------------------------------------------------------------------------ */

/*
 * Inputs are [0, 2^ias); IA-32e only takes the lower canonical half (SDM 4.5: bits 63..ias-1
 * of a linear address are a sign extension), so [0, 2^(ias-1)).
 */
static unsigned pt_input_bits(const struct pt *pt)
{
	return pt->cfg.fmt == PT_X86_64 ? pt->cfg.ias - 1 : pt->cfg.ias;
}

static int pt_check_range(const struct pt *pt, u64 in, u64 size)
{
	unsigned bits = pt_input_bits(pt);
	u64 end;

	if (!size || !IS_ALIGNED(in, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -E_INVAL;
	if (add_overflow(in, size, &end))
		return -E_OVERFLOW;
	if (bits < 64 && end > (1ULL << bits))
		return -E_RANGE;
	return 0;
}

static int pt_check_map(const struct pt *pt, u64 in, paddr_t out, u64 size, u32 prot)
{
	const struct pt_fmt *f = pt_fmt_of(pt);
	u64 oend;
	int err = pt_check_range(pt, in, size);

	if (err)
		return err;
	if (!IS_ALIGNED(out.v, PAGE_SIZE))
		return -E_INVAL;
	if (add_overflow(out.v, size, &oend))
		return -E_OVERFLOW;
	if (oend > (1ULL << pt->cfg.oas))
		return -E_RANGE;
	if ((prot & ~f->prot_mask) || !(prot & PT_PROT_R))
		return -E_NOTSUP;
	return 0;
}

/* ---- the two-pass engine --------------------------------------------------------------------- */

static bool pt_covers(u64 in, u64 last, u64 base, unsigned lvl)
{
	return in <= base && last >= base + (pt_level_size(lvl) - 1);
}

/*
 * True when `table` has no entry left after entries lo..hi were cleared: those are checked
 * first (any still set means no), then the others, so that the common case stops early.
 */
static bool pt_table_empty(u64 table, unsigned lo, unsigned hi)
{
	const u64 *t = pt_table(table);

	for (unsigned i = lo; i <= hi; i++)
		if (pt_read(&t[i]))
			return false;
	for (unsigned i = 1; i < PT_ENTRIES - (hi - lo); i++)
		if (pt_read(&t[(hi + i) % PT_ENTRIES]))
			return false;
	return true;
}

/* Prepare pass: a table equivalent to the leaf `d` (same output, same permissions). */
static int pt_split(struct pt_op *op, u64 *e, unsigned lvl, const struct pt_desc *d, u64 *out)
{
	u64 sz = pt_level_size(lvl - 1), table;
	u64 *t;
	int err;

	if (d->leaf_size != pt_level_size(lvl) || !(op->f->leaf_levels & (1u << (lvl - 1))))
		return trace_err(-E_CORRUPT);
	err = pt_alloc_table(op->pt, 1, &table);
	if (err)
		return err;
	t = pt_table(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = op->f->mk_leaf(d->addr + i * sz, d->prot, lvl - 1);
	/* One store replaces the block by a table that translates exactly like it. */
	pt_write(e, op->f->mk_table(table, lvl - 1));
	*out = table;
	return 0;
}

/*
 * The table below entry `e` at level `lvl`. The prepare pass creates it (empty) or splits a
 * leaf into it when `split` allows; the commit pass only finds it.
 */
static int pt_descend(struct pt_op *op, u64 *e, unsigned lvl, bool split, u64 *out)
{
	struct pt_desc d;
	int err;

	op->f->decode(pt_read(e), lvl, &d);
	if (d.kind == PT_DESC_TABLE) {
		if (d.next_lvl != lvl - 1)
			return trace_err(-E_CORRUPT); /* skipped levels: never written by Moat */
		*out = d.addr;
		return 0;
	}
	if ((op->commit && !op->single) || d.kind == PT_DESC_BAD)
		return trace_err(-E_CORRUPT);
	if (d.kind == PT_DESC_LEAF)
		return split ? pt_split(op, e, lvl, &d, out) : -E_NOENT;
	err = pt_alloc_table(op->pt, 1, out);
	if (err)
		return err;
	pt_write(e, op->f->mk_table(*out, lvl - 1));
	return 0;
}

/* Level `lvl` may hold a leaf: the format allows it and it is not above cfg.max_leaf. */
static bool pt_leaf_level(const struct pt *pt, const struct pt_fmt *f, unsigned lvl)
{
	return (f->leaf_levels & (1u << lvl)) &&
	       (!pt->cfg.max_leaf || pt_level_size(lvl) <= pt->cfg.max_leaf);
}

/* Commit pass: `e` becomes the leaf mapping input `base`; a table there is merged away. */
static void pt_set_leaf(struct pt_op *op, u64 *e, unsigned lvl, u64 base)
{
	u64 sz = pt_level_size(lvl);
	u64 old = pt_read(e), nv = op->f->mk_leaf(op->out_base + base, op->prot, lvl);
	struct pt_desc d;

	if (old == nv)
		return;
	op->f->decode(old, lvl, &d);
	pt_write(e, nv);
	if (d.kind == PT_DESC_TABLE) {
		pt_gather_add(op->g, base, sz, PT_SIZE_4K, true);
		pt_collect(op, d.addr, d.next_lvl);
	} else {
		pt_gather_add(op->g, base, sz, sz, false);
	}
}

/* Entry i of a level lvl - 1 table continues the leaf `first` of entry 0. */
static bool pt_merge_entry_ok(const struct pt_op *op, const u64 *t, unsigned lvl,
			      const struct pt_desc *first, unsigned i)
{
	u64 sz = pt_level_size(lvl - 1);
	struct pt_desc d;

	op->f->decode(pt_read(&t[i]), lvl - 1, &d);
	return d.kind == PT_DESC_LEAF && d.leaf_size == sz && d.prot == first->prot &&
	       d.addr == first->addr + i * sz;
}

/*
 * Commit pass, after the table below `e` changed: if its 512 entries are leaves that together
 * translate like one leaf of this level, write that leaf over the table entry (true if so).
 */
static bool pt_try_merge(struct pt_op *op, u64 *e, unsigned lvl, u64 base, u64 table)
{
	u64 sz = pt_level_size(lvl - 1), *t = pt_table(table);
	struct pt_desc first;

	/* An empty last entry: a table being filled page by page is not full yet. */
	if (op->pt->cfg.no_merge || !pt_leaf_level(op->pt, op->f, lvl) ||
	    !pt_read(&t[PT_ENTRIES - 1]))
		return false;
	op->f->decode(pt_read(&t[0]), lvl - 1, &first);
	if (first.kind != PT_DESC_LEAF || first.leaf_size != sz ||
	    !IS_ALIGNED(first.addr, pt_level_size(lvl)))
		return false;
	/* The last entry before the others: filling from the top also fails in one step. */
	if (!pt_merge_entry_ok(op, t, lvl, &first, PT_ENTRIES - 1))
		return false;
	for (unsigned i = 1; i < PT_ENTRIES - 1; i++)
		if (!pt_merge_entry_ok(op, t, lvl, &first, i))
			return false;
	pt_write(e, op->f->mk_leaf(first.addr, first.prot, lvl));
	pt_gather_add(op->g, base, pt_level_size(lvl), sz, true);
	pt_gather_free(op->g, op->pt, table);
	return true;
}

/* Maps [in, last] (inclusive) inside `table` of level `lvl`, whose first input is tbase. */
static int pt_map_level(struct pt_op *op, u64 table, unsigned lvl, u64 in, u64 last, u64 tbase)
{
	u64 *t = pt_table(table), sz = pt_level_size(lvl);
	unsigned first = pt_index(op->pt, in, lvl), end = pt_index(op->pt, last, lvl);
	/* Leaves fit here if the level allows them and the output keeps the input's alignment. */
	bool leaves = pt_leaf_level(op->pt, op->f, lvl) && IS_ALIGNED(op->out_base, sz);

	for (unsigned i = first; i <= end; i++) {
		u64 base = tbase + (u64)i * sz, child;
		u64 cin = MAX(in, base), clast = MIN(last, base + (sz - 1));
		int err;

		if (leaves && pt_covers(in, last, base, lvl)) {
			if (op->commit)
				pt_set_leaf(op, &t[i], lvl, base);
			continue;
		}
		err = pt_descend(op, &t[i], lvl, true, &child);
		if (err)
			return err;
		err = pt_map_level(op, child, lvl - 1, cin, clast, base);
		if (err)
			return err;
		if (op->commit)
			pt_try_merge(op, &t[i], lvl, base, child);
	}
	return 0;
}

/* Commit pass of unmap: clears entry `e` (a leaf, or a table wholly inside the range). */
static void pt_clear_entry(struct pt_op *op, u64 *e, unsigned lvl, u64 base,
			   const struct pt_desc *d)
{
	pt_write(e, 0);
	if (d->kind == PT_DESC_TABLE) {
		pt_gather_add(op->g, base, pt_level_size(lvl), PT_SIZE_4K, true);
		pt_collect(op, d->addr, d->next_lvl);
	} else {
		pt_gather_add(op->g, base, pt_level_size(lvl), pt_level_size(lvl), false);
	}
}

static int pt_unmap_level(struct pt_op *op, u64 table, unsigned lvl, u64 in, u64 last, u64 tbase)
{
	u64 *t = pt_table(table), sz = pt_level_size(lvl);
	unsigned first = pt_index(op->pt, in, lvl), end = pt_index(op->pt, last, lvl);

	for (unsigned i = first; i <= end; i++) {
		if (i + 8 <= end + 1 && !pt_any_of_eight(&t[i])) {
			i += 7; /* eight empty entries (zero is non-present in every format) */
			continue;
		}
		if (!pt_read(&t[i]))
			continue;
		u64 base = tbase + (u64)i * sz, child;
		u64 cin = MAX(in, base), clast = MIN(last, base + (sz - 1));
		bool whole = pt_covers(in, last, base, lvl);
		struct pt_desc d;
		int err;

		op->f->decode(pt_read(&t[i]), lvl, &d);
		if (d.kind == PT_DESC_NONE)
			continue;
		if (d.kind == PT_DESC_BAD)
			return trace_err(-E_CORRUPT);
		if (whole) {
			if (op->commit)
				pt_clear_entry(op, &t[i], lvl, base, &d);
			continue;
		}
		err = pt_descend(op, &t[i], lvl, true, &child);
		if (err)
			return err;
		err = pt_unmap_level(op, child, lvl - 1, cin, clast, base);
		if (err)
			return err;
		if (op->commit && pt_table_empty(child, pt_index(op->pt, cin, lvl - 1),
						 pt_index(op->pt, clast, lvl - 1))) {
			op->f->decode(pt_read(&t[i]), lvl, &d);
			pt_clear_entry(op, &t[i], lvl, base, &d);
		}
	}
	return 0;
}

/*
 * A range inside one 2 MiB-aligned stretch (the one-page call of a DMA map) meets one entry
 * per level down to level 1, where it either writes a leaf or descends once into a table of
 * 4 KiB leaves. Every step that can fail (allocating or splitting on that path) then comes
 * before the first translation change, so a single pass keeps the rollback guarantee.
 */
static bool pt_single_pass(u64 in, u64 last)
{
	return (in >> pt_level_shift(1)) == (last >> pt_level_shift(1));
}

/*
 * The single pass of a map: the path down to level 1 as a loop (one entry per level, none
 * covered), pt_map_level for levels 1 and 0, then the merges back up as the recursion would,
 * stopping at the first level that did not merge.
 */
static int pt_map_single(struct pt_op *op, u64 in, u64 last)
{
	u64 *e[PT_MAX_LEVELS], table[PT_MAX_LEVELS + 1];
	struct pt_desc d;
	unsigned lvl;
	bool merged;
	int err;

	table[op->pt->levels - 1] = op->pt->root.v;
	for (lvl = op->pt->levels - 1; lvl > 1; lvl--) {
		e[lvl] = &pt_table(table[lvl])[pt_index(op->pt, in, lvl)];
		err = pt_descend(op, e[lvl], lvl, true, &table[lvl - 1]);
		if (err)
			return err;
	}
	err = pt_map_level(op, table[1], 1, in, last, ALIGN_DOWN(in, pt_level_size(2)));
	if (err)
		return err;
	/* A table can only become a block once the entry below it on the path is a leaf. */
	op->f->decode(pt_read(&pt_table(table[1])[pt_index(op->pt, in, 1)]), 1, &d);
	for (lvl = 2, merged = d.kind == PT_DESC_LEAF; merged && lvl < op->pt->levels; lvl++)
		merged = pt_try_merge(op, e[lvl], lvl, ALIGN_DOWN(in, pt_level_size(lvl)),
				      table[lvl - 1]);
	return 0;
}

static int pt_run(struct pt_op *op, u64 in, u64 last,
		  int (*level)(struct pt_op *, u64, unsigned, u64, u64, u64))
{
	struct pt *pt = op->pt;
	int err;

	if (pt_single_pass(in, last)) {
		op->commit = op->single = true;
		if (level == pt_map_level && pt->levels > 2)
			return pt_map_single(op, in, last);
		return level(op, pt->root.v, pt->levels - 1, in, last, 0);
	}
	op->commit = false;
	err = level(op, pt->root.v, pt->levels - 1, in, last, 0);
	if (err)
		return err;
	op->commit = true;
	err = level(op, pt->root.v, pt->levels - 1, in, last, 0);
	if (err)
		return trace_err(err); /* cannot happen: the prepare pass made the structure */
	return 0;
}

int pt_map(struct pt *pt, u64 in, paddr_t out, u64 size, u32 prot, struct pt_gather *g)
{
	struct pt_op op = { .pt = pt, .f = pt_fmt_of(pt), .g = g, .prot = prot };
	int err = pt_check_map(pt, in, out, size, prot);

	if (err)
		return trace_err(err);
	op.out_base = out.v - in;
	return pt_run(&op, in, in + (size - 1), pt_map_level);
}

int pt_unmap(struct pt *pt, u64 in, u64 size, struct pt_gather *g)
{
	struct pt_op op = { .pt = pt, .f = pt_fmt_of(pt), .g = g };
	int err = pt_check_range(pt, in, size);

	if (err)
		return trace_err(err);
	return pt_run(&op, in, in + (size - 1), pt_unmap_level);
}

/* Bits of `in` that the levels between `from` (exclusive) and `to` (exclusive) would index. */
static bool pt_skipped_bits_zero(u64 in, unsigned from, unsigned to)
{
	unsigned lo = pt_level_shift(to + 1), hi = pt_level_shift(from);
	u64 mask = (hi >= 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1);

	return !(in & mask);
}

int pt_lookup(const struct pt *pt, u64 in, struct pt_mapping *m)
{
	const struct pt_fmt *f = pt_fmt_of(pt);
	unsigned lvl = pt->levels - 1;
	u64 table = pt->root.v;
	u32 limit = ~0u;
	struct pt_desc d;

	if (pt_input_bits(pt) < 64 && in >> pt_input_bits(pt))
		return -E_RANGE;
	for (;;) {
		f->decode(pt_read(&pt_table(table)[pt_index(pt, in, lvl)]), lvl, &d);
		if (d.kind == PT_DESC_NONE)
			return -E_NOENT;
		if (d.kind == PT_DESC_BAD)
			return trace_err(-E_CORRUPT);
		if (d.kind == PT_DESC_LEAF)
			break;
		/* AMD-Vi may skip levels; the skipped index bits must be zero (2.2.3). */
		if (d.next_lvl + 1 < lvl && !pt_skipped_bits_zero(in, lvl, d.next_lvl))
			return -E_NOENT;
		limit &= d.prot;
		table = d.addr;
		lvl = d.next_lvl;
	}
	m->out = pa(d.addr + (in & (d.leaf_size - 1)));
	m->leaf_size = d.leaf_size;
	m->prot = d.prot & limit;
	return 0;
}

/* First input above the entry of level `lvl` holding `a`; 0 when that wraps past 2^64. */
static u64 pt_next_entry(u64 a, unsigned lvl)
{
	return ALIGN_DOWN(a, pt_level_size(lvl)) + pt_level_size(lvl);
}

/*
 * `a` found nothing at entry pt_index(a) of table `t` (level `lvl`): the input of the next
 * entry of that table that is set, eight empty ones at a time, or the input just past the
 * table's span (0 when that wraps past the top of a 64-bit space). One descent per table
 * crossed, not one per empty entry.
 */
static u64 pt_next_used(const struct pt *pt, const u64 *t, u64 a, unsigned lvl)
{
	unsigned n = pt_entries_at(pt, lvl), shift = pt_level_shift(lvl);
	unsigned j = pt_index(pt, a, lvl) + 1, span = shift + (unsigned)__builtin_ctz(n);
	u64 base = span >= 64 ? 0 : ALIGN_DOWN(a, 1ULL << span);

	while (j < n) {
		if (!(j & 7) && j + 8 <= n && !pt_any_of_eight(&t[j]))
			j += 8;
		else if (pt_read(&t[j]))
			break;
		else
			j++;
	}
	if (j == n)
		return span >= 64 ? 0 : base + (1ULL << span);
	return base + ((u64)j << shift);
}

/* One descent for `a`: the extent found, or the next input worth trying in *next. */
static int pt_extent_at(const struct pt *pt, u64 a, u64 end, struct pt_extent *x, u64 *next)
{
	const struct pt_fmt *f = pt_fmt_of(pt);
	unsigned lvl = pt->levels - 1;
	u64 table = pt->root.v, base;
	u32 limit = ~0u;
	struct pt_desc d;

	for (;;) {
		f->decode(pt_read(&pt_table(table)[pt_index(pt, a, lvl)]), lvl, &d);
		if (d.kind == PT_DESC_BAD)
			return trace_err(-E_CORRUPT);
		if (d.kind == PT_DESC_NONE) {
			*next = pt_next_used(pt, pt_table(table), a, lvl);
			return -E_NOENT;
		}
		if (d.kind == PT_DESC_TABLE && d.next_lvl + 1 < lvl &&
		    !pt_skipped_bits_zero(a, lvl, d.next_lvl)) {
			*next = pt_next_entry(a, lvl);
			return -E_NOENT;
		}
		if (d.kind == PT_DESC_LEAF)
			break;
		limit &= d.prot;
		table = d.addr;
		lvl = d.next_lvl;
	}
	base = ALIGN_DOWN(a, d.leaf_size);
	x->in = a;
	x->out = pa(d.addr + (a - base));
	x->size = (base + d.leaf_size - 1 < end - 1 ? base + d.leaf_size : end) - a;
	x->prot = d.prot & limit;
	return 0;
}

int pt_lookup_next(const struct pt *pt, u64 from, u64 end, struct pt_extent *x)
{
	unsigned bits = pt_input_bits(pt);
	u64 a = from, next;

	if (bits < 64 && end > (1ULL << bits))
		end = 1ULL << bits;
	while (a < end) {
		int err = pt_extent_at(pt, a, end, x, &next);

		if (err != -E_NOENT)
			return err;
		if (next <= a) /* wrapped past the top of a 64-bit space */
			break;
		a = next;
	}
	return -E_NOENT;
}

/*
 * Fills the holes: every part of [in, in + size) with no translation is mapped to the output
 * at the same offset; mapped parts keep theirs. Used by the hypervisor's own mappers, where a
 * later request (RAM) may overlap what is already mapped with other rights (the image, W^X).
 */
int pt_map_unmapped(struct pt *pt, u64 in, paddr_t out, u64 size, u32 prot, struct pt_gather *g)
{
	u64 end = in + size, a = in;
	int err = pt_check_map(pt, in, out, size, prot);

	if (err)
		return trace_err(err);
	while (a < end) {
		struct pt_extent x;
		u64 hole_end;

		err = pt_lookup_next(pt, a, end, &x);
		if (err && err != -E_NOENT)
			return trace_err(err);
		hole_end = err ? end : x.in;
		if (hole_end > a &&
		    (err = pt_map(pt, a, pa(out.v + (a - in)), hole_end - a, prot, g)))
			return trace_err(err);
		a = hole_end == end ? end : x.in + x.size;
	}
	return 0;
}
