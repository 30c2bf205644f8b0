// SPDX-License-Identifier: MIT
#define LOG_COMPONENT "frame"
#include "core/frame.h"

#include <string.h>

#include <arch/mm.h>

#include "core/log.h"
#include "lib/pt.h"
#include "lib/err.h"

static bool bm_test(const u64 *bm, u64 i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

static void bm_set_run(u64 *bm, u64 i, u64 n, bool v)
{
	for (u64 k = i; k < i + n; k++) {
		if (v)
			bm[k / 64] |= 1ULL << (k % 64);
		else
			bm[k / 64] &= ~(1ULL << (k % 64));
	}
}

/* Clips [b, e) by every hole; emits the pieces that remain through `emit`. */
struct piece_sink {
	struct frame_alloc *fa;
	int err;
};

static void frame_add_region(struct piece_sink *ps, u64 b, u64 e)
{
	struct frame_alloc *fa = ps->fa;
	struct frame_region *r;
	u64 nframes = (e - b) >> PAGE_SHIFT, bm_bytes, bm_frames;

	bm_bytes = (nframes + 63) / 64 * 8;
	bm_frames = (bm_bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (nframes <= bm_frames)
		return; /* too small to be worth a bitmap */
	if (fa->nregions >= FRAME_MAX_REGIONS) {
		ps->err = -E_NOSPC;
		return;
	}
	r = &fa->region[fa->nregions++];
	r->base = pa(b);
	r->nframes = nframes;
	r->bitmap = phys_to_virt(pa(b));
	memset(r->bitmap, 0, bm_bytes);
	bm_set_run(r->bitmap, 0, bm_frames, true);
	r->free = nframes - bm_frames;
	r->hint = bm_frames;
}

static void frame_clip(struct piece_sink *ps, u64 b, u64 e, const struct pa_range *holes,
		       unsigned nholes)
{
	for (unsigned i = 0; i < nholes && b < e; i++) {
		u64 hb = ALIGN_DOWN(holes[i].base.v, PAGE_SIZE), he;

		if (add_overflow(holes[i].base.v, holes[i].size, &he) ||
		    add_overflow(he, PAGE_SIZE - 1, &he))
			he = ~0ULL;
		else
			he = ALIGN_DOWN(he, PAGE_SIZE);
		if (he <= b || hb >= e)
			continue;
		if (hb > b)
			frame_clip(ps, b, hb, holes + i + 1, nholes - i - 1);
		b = he;
	}
	if (b < e)
		frame_add_region(ps, b, e);
}

int frame_init(struct frame_alloc *fa, const struct pa_range *ram, unsigned nram,
	       const struct pa_range *holes, unsigned nholes)
{
	struct piece_sink ps = { fa, 0 };

	memset(fa, 0, sizeof(*fa));
	if (nholes > FRAME_MAX_HOLES)
		return trace_err(-E_INVAL);
	for (unsigned i = 0; i < nram && !ps.err; i++) {
		u64 b, e;

		if (add_overflow(ram[i].base.v, ram[i].size, &e) ||
		    add_overflow(ram[i].base.v, PAGE_SIZE - 1, &b))
			return trace_err(-E_OVERFLOW);
		b = ALIGN_DOWN(b, PAGE_SIZE);
		e = ALIGN_DOWN(e, PAGE_SIZE);
		/* Overlap with an earlier RAM range would hand out frames twice. */
		for (unsigned k = 0; k < i; k++) {
			u64 kb = ram[k].base.v, ke = kb + ram[k].size;
			if (b < ke && kb < e)
				return trace_err(-E_INVAL);
		}
		if (b < e)
			frame_clip(&ps, b, e, holes, nholes);
	}
	if (ps.err)
		return ps.err;
	return fa->nregions ? 0 : -E_NOMEM;
}

static bool run_free(const struct frame_region *r, u64 i, u64 count)
{
	for (u64 k = i; k < i + count; k++)
		if (bm_test(r->bitmap, k))
			return false;
	return true;
}

static int region_alloc(struct frame_region *r, u64 count, u64 align, paddr_t *out)
{
	u64 step = align >> PAGE_SHIFT;

	if (r->free < count || count > r->nframes)
		return trace_err(-E_NOMEM);
	for (u64 pass = 0; pass < 2; pass++) {
		u64 start = pass ? 0 : r->hint;
		for (u64 i = start; i + count <= r->nframes; i++) {
			u64 addr = r->base.v + (i << PAGE_SHIFT);
			if (!IS_ALIGNED(addr, align)) {
				i += step - ((addr & (align - 1)) >> PAGE_SHIFT) - 1;
				continue;
			}
			if (!run_free(r, i, count))
				continue;
			bm_set_run(r->bitmap, i, count, true);
			r->free -= count;
			r->hint = i + count;
			*out = pa(addr);
			return 0;
		}
	}
	return trace_err(-E_NOMEM);
}

int frame_alloc_run(struct frame_alloc *fa, u64 count, u64 align, paddr_t *out)
{
	int err = -E_NOMEM;

	if (!count || !IS_POW2(align) || align < PAGE_SIZE)
		return trace_err(-E_INVAL);
	spin_lock(&fa->lock);
	for (unsigned i = 0; i < fa->nregions && err; i++)
		if (!region_alloc(&fa->region[i], count, align, out))
			err = 0;
	spin_unlock(&fa->lock);
	return err ? trace_err(err) : 0;
}

int frame_alloc_one(struct frame_alloc *fa, paddr_t *out)
{
	return frame_alloc_run(fa, 1, PAGE_SIZE, out);
}

static int frame_free_run_locked(struct frame_alloc *fa, paddr_t base, u64 count)
{
	if (!count || !IS_ALIGNED(base.v, PAGE_SIZE))
		return trace_err(-E_INVAL);
	for (unsigned i = 0; i < fa->nregions; i++) {
		struct frame_region *r = &fa->region[i];
		u64 idx;

		if (base.v < r->base.v)
			continue;
		idx = (base.v - r->base.v) >> PAGE_SHIFT;
		if (idx >= r->nframes)
			continue;
		if (count > r->nframes - idx)
			return trace_err(-E_RANGE);
		for (u64 k = idx; k < idx + count; k++)
			if (!bm_test(r->bitmap, k)) {
				pr_err("double free of frame 0x%llx",
				       (unsigned long long)(r->base.v + (k << PAGE_SHIFT)));
				return trace_err(-E_STATE);
			}
		/* The bitmap's own frames are never freed: they are allocated from the start. */
		if (idx < (r->nframes + 64 * 512 - 1) / (64 * 512))
			return trace_err(-E_PERM);
		bm_set_run(r->bitmap, idx, count, false);
		r->free += count;
		return 0;
	}
	return trace_err(-E_RANGE);
}

u64 frame_free_count(const struct frame_alloc *fa)
{
	u64 n = 0;

	for (unsigned i = 0; i < fa->nregions; i++)
		n += fa->region[i].free;
	return n;
}

u64 frame_total_count(const struct frame_alloc *fa)
{
	u64 n = 0;

	for (unsigned i = 0; i < fa->nregions; i++)
		n += fa->region[i].nframes;
	return n;
}

/* The page-table library's table allocator over this one (lib/pt.h). */
static int pt_frames_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	return frame_alloc_run(a->frames, nframes, (u64)nframes * PAGE_SIZE, out);
}

static void pt_frames_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	if (frame_free_run(a->frames, base, nframes))
		panic("pt: freeing table frames at %#llx failed", (unsigned long long)base.v);
}

void pt_allocator_frames(struct pt_allocator *a, struct frame_alloc *fa)
{
	memset(a, 0, sizeof(*a));
	a->alloc = pt_frames_alloc;
	a->free = pt_frames_free;
	a->frames = fa;
}

int frame_free_run(struct frame_alloc *fa, paddr_t base, u64 count)
{
	int err;

	spin_lock(&fa->lock);
	err = frame_free_run_locked(fa, base, count);
	spin_unlock(&fa->lock);
	return err;
}
