/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator: one bitmap per RAM region, the bitmap stored in the first frames
 * of the region it describes. Contiguous, aligned runs are supported (IOMMU queues and tables
 * need them). Frames are 4 KiB.
 */
#ifndef CORE_FRAME_H
#define CORE_FRAME_H

#include "lib/compiler.h"
#include "lib/lock.h"
#include "lib/types.h"

#define FRAME_MAX_REGIONS 16
#define FRAME_MAX_HOLES 48

struct frame_region {
	paddr_t base; /* first frame described */
	u64 nframes;  /* frames described */
	u64 *bitmap;  /* 1 = in use */
	u64 free;     /* free frames */
	u64 hint;     /* next-fit search start */
};

struct frame_alloc {
	struct spinlock lock; /* allocations come from every CPU (IOMMU and stage-2 tables) */
	unsigned nregions;
	struct frame_region region[FRAME_MAX_REGIONS];
};

/*
 * Builds the allocator over `ram` minus every range in `holes` (reserved memory, the image,
 * the device tree, firmware tables). Overlapping or unaligned inputs are handled: RAM is
 * trimmed inward to frame boundaries and holes are widened outward.
 */
int frame_init(struct frame_alloc *fa, const struct pa_range *ram, unsigned nram,
	       const struct pa_range *holes, unsigned nholes) __must_check;

/* Allocates `count` contiguous frames aligned to `align` bytes (a power of two >= 4 KiB). */
int frame_alloc_run(struct frame_alloc *fa, u64 count, u64 align, paddr_t *out) __must_check;
int frame_alloc_one(struct frame_alloc *fa, paddr_t *out) __must_check;
/* Frees a run; freeing a frame that is not allocated is refused and changes nothing. */
int frame_free_run(struct frame_alloc *fa, paddr_t base, u64 count) __must_check;

u64 frame_free_count(const struct frame_alloc *fa);
u64 frame_total_count(const struct frame_alloc *fa);

struct pt_allocator;
/* Backs a page-table allocator (lib/pt.h) with `fa`: images, and host tests over malloc'd RAM. */
void pt_allocator_frames(struct pt_allocator *a, struct frame_alloc *fa);

#endif
