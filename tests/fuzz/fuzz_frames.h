/* SPDX-License-Identifier: MIT */
/*
 * Page-table frames for the fuzz harnesses: one arena mapped once and handed out from a
 * bitmap, instead of an aligned malloc and free per table. The malloc path touched fresh
 * memory for every table of every input (ASan's quarantine never reuses it soon), and the page
 * faults were most of an input's cost. Free frames stay ASan-poisoned, so a table used after
 * the library gave it back is still reported. Allocated frames keep what they held: that the
 * library zeroes its tables is checked by the unit tests (pt_alloc_host.c fills with 0x5a).
 */
#ifndef FUZZ_FRAMES_H
#define FUZZ_FRAMES_H

#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/pt.h"

#define FZ_FRAMES 8192 /* 32 MiB: more than any input can hold (the harnesses cap their ops) */
#define FZ_ALIGN (16 * 4096) /* the largest request: a 16-table concatenated Arm S2 root */

struct fz_frames {
	struct pt_allocator a;
	long live; /* frames handed out and not given back */
};

static u8 *fz_arena;
static u64 fz_used[FZ_FRAMES / 64];

static bool fz_run_free(unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++)
		if (fz_used[i / 64] & BIT(i % 64))
			return false;
	return true;
}

static void fz_run_mark(unsigned first, unsigned n, bool used)
{
	for (unsigned i = first; i < first + n; i++) {
		if (used)
			fz_used[i / 64] |= BIT(i % 64);
		else
			fz_used[i / 64] &= ~BIT(i % 64);
	}
}

/* n contiguous frames aligned to n (rounded up to a power of two), first fit. */
static int fz_frames_alloc(struct pt_allocator *a, unsigned n, paddr_t *out)
{
	unsigned align = 1;

	while (align < n)
		align <<= 1;
	if (!n || align > FZ_ALIGN / 4096)
		return -E_INVAL;
	for (unsigned i = 0; i + n <= FZ_FRAMES; i += align) {
		if (fz_used[i / 64] == ~0ULL || !fz_run_free(i, n))
			continue;
		fz_run_mark(i, n, true);
		ASAN_UNPOISON_MEMORY_REGION(fz_arena + (size_t)i * 4096, (size_t)n * 4096);
		container_of(a, struct fz_frames, a)->live += n;
		*out = pa((u64)(uintptr_t)(fz_arena + (size_t)i * 4096));
		return 0;
	}
	return -E_NOMEM;
}

static void fz_frames_free(struct pt_allocator *a, paddr_t base, unsigned n)
{
	unsigned first = (unsigned)((base.v - (u64)(uintptr_t)fz_arena) / 4096);

	if (base.v < (u64)(uintptr_t)fz_arena || first + n > FZ_FRAMES ||
	    (fz_used[first / 64] & BIT(first % 64)) == 0)
		abort(); /* not ours, or freed twice */
	fz_run_mark(first, n, false);
	ASAN_POISON_MEMORY_REGION(fz_arena + (size_t)first * 4096, (size_t)n * 4096);
	container_of(a, struct fz_frames, a)->live -= n;
}

/* An allocator over the arena (mapped and poisoned on first use). */
static void fz_frames_init(struct fz_frames *f)
{
	if (!fz_arena) {
		fz_arena = aligned_alloc(FZ_ALIGN, (size_t)FZ_FRAMES * 4096);
		if (!fz_arena)
			abort();
		ASAN_POISON_MEMORY_REGION(fz_arena, (size_t)FZ_FRAMES * 4096);
	}
	f->a = (struct pt_allocator){ .alloc = fz_frames_alloc, .free = fz_frames_free };
	f->live = 0;
}

#endif
