/* SPDX-License-Identifier: MIT */
/*
 * IO page tables: one library for the IOMMU drivers (VT-d, AMD-Vi, SMMUv3) and the CPU
 * stage-2. Formats (4 KiB granule everywhere):
 *
 *   PT_ARM_S1   Arm VMSAv8-64 stage 1 EL1&0 regime (SMMUv3 CDs, guests), 25..48 bits;
 *               UXN/PXN per PT_PROT_U, so not for the single-privilege EL2 regime
 *   PT_ARM_EL2  Arm VMSAv8-64 stage 1, EL2 regime with HCR_EL2.E2H = 0 (Moat's own tables):
 *               one privilege level, so AP[1] is RES1, XN is bit 54 and PXN is RES0
 *   PT_ARM_S2   Arm VMSAv8-64 stage 2 (CPU stage-2, SMMUv3 S2), 32..48-bit input, with the
 *               concatenated initial-level tables the architecture requires
 *   PT_X86_64   x86 IA-32e 4/5-level paging (VT-d first stage, AMD-Vi v2, AMD nested
 *               paging with PT_PROT_U on every leaf, Moat's own x86 tables), 48 or 57 bits
 *   PT_VTD_SS   VT-d second stage (EPT-like R/W/X), 39, 48 or 57 bits
 *   PT_AMD_V1   AMD-Vi v1 host page table (next-level fields), 39..64 bits in 9-bit steps
 *
 * Operations: map, unmap and lookup of 4 KiB-aligned ranges with 4K/2M/1G leaves (1G where the
 * format allows it at that level), splitting of blocks, merging into blocks, permissions.
 *
 * Safety rules the library keeps (see docs/iommu.md):
 * - Every descriptor change is one aligned 64-bit store. A new table is filled completely
 *   before the store that links it, so a walker sees either the old or the new translation.
 * - No part of a range that stays mapped ever goes through a non-present entry: splitting a
 *   block writes a table that translates exactly like the block, merging writes a block over a
 *   table; both are single stores. The gather records that walk caches must be invalidated.
 * - Arguments are overflow-checked; a failed call (bad argument, -E_NOMEM) leaves every
 *   translation as it was (it may leave empty or equivalent split tables linked in).
 * - Table frames that were unlinked are not freed until the gather is synced, i.e. after the
 *   caller has invalidated the TLBs and walk caches that may still point at them.
 *
 * The caller serialises calls on one pt (one lock per table); hardware walkers run
 * concurrently with it.
 */
#ifndef IOMMU_PT_H
#define IOMMU_PT_H

#include "lib/compiler.h"
#include "lib/types.h"

struct frame_alloc;

enum pt_format {
	PT_ARM_S1,
	PT_ARM_S2,
	PT_X86_64,
	PT_VTD_SS,
	PT_AMD_V1,
	PT_ARM_EL2,
	PT__FORMATS
};

/* Permissions and memory type of a mapping. Unsupported bits are refused (pt_prot_mask()). */
#define PT_PROT_R (1u << 0)
#define PT_PROT_W (1u << 1)
#define PT_PROT_X (1u << 2)
#define PT_PROT_U (1u << 3)	 /* stage 1: accessible at EL0 / user (U/S) */
#define PT_PROT_DEVICE (1u << 4) /* device memory: Arm Device-nGnRE, x86/VT-d uncached */

/* Leaf sizes. */
#define PT_SIZE_4K (1ULL << 12)
#define PT_SIZE_2M (1ULL << 21)
#define PT_SIZE_1G (1ULL << 30)

/* Arm stage-1 MAIR: AttrIndx 0 = Normal WB RA/WA, 1 = Device-nGnRE. Program MAIR with this. */
#define PT_ARM_S1_MAIR 0x04ffULL

/*
 * Table frame allocator. `alloc` returns `nframes` contiguous 4 KiB frames (the library zeroes
 * them) aligned to nframes * 4 KiB (the concatenated Arm stage-2 root needs up to 16). The
 * callbacks receive the allocator itself; embed it in a larger struct and use container_of for more
 * context.
 */
struct pt_allocator {
	int (*alloc)(struct pt_allocator *a, unsigned nframes, paddr_t *out);
	void (*free)(struct pt_allocator *a, paddr_t base, unsigned nframes);
	struct frame_alloc *frames; /* used by pt_allocator_frames() */
	u64 in_use;		    /* frames currently held by tables (maintained by the pt) */
};

/* pt_allocator_frames() in core/frame.h backs an allocator with the frame allocator. */

/*
 * An allocator over a fixed array of 4 KiB-aligned frames (the hypervisor's own page tables,
 * built before the frame allocator exists). One frame per call; freed frames are reused.
 */
struct pt_pool {
	struct pt_allocator a;
	void *frames;
	unsigned nframes, used;
	paddr_t free_list;
};

void pt_pool_init(struct pt_pool *p, void *frames, unsigned nframes);

struct pt_config {
	enum pt_format fmt;
	unsigned ias;  /* input address bits */
	unsigned oas;  /* output address bits (<= 52) */
	bool no_merge; /* never replace a table by a block when a map covers it */
	u64 max_leaf;  /* largest leaf to write (PT_SIZE_*; e.g. 2M without 1 GiB pages), 0: any */
	struct pt_allocator *alloc;
};

struct pt {
	struct pt_config cfg;
	paddr_t root;
	unsigned levels;      /* number of levels walked (root level = levels - 1, leaf = 0) */
	unsigned root_frames; /* 1, or the number of concatenated Arm stage-2 root tables */
	unsigned root_entries;
	u64 tables; /* table frames in use, root included */
	u64 leaked; /* table frames withheld because their flush failed (see pt_gather) */
};

/*
 * Invalidation gather. Each change adds the input range whose translation (or the walk path
 * to it) changed; the caller invalidates [start, end) on hardware and then calls
 * pt_gather_sync() so that unlinked table frames go back to the allocator. `flush` (optional)
 * is called by the library when the free list is full and by pt_gather_sync(); it must
 * invalidate TLBs and walk caches for [start, end) before returning.
 */
#define PT_GATHER_MAX_FREE 64

struct pt_gather {
	u64 start, end;	     /* end == start: nothing to invalidate */
	u64 min_granule;     /* smallest leaf size changed (TLBI stride); 0 if none */
	bool leaf_only;	     /* only leaf entries changed: last-level invalidation suffices */
	bool tables_changed; /* a table entry changed: walk caches must be invalidated too */
	unsigned nfree;
	paddr_t free[PT_GATHER_MAX_FREE];
	void (*flush)(struct pt_gather *g, struct pt *pt);
	/*
	 * Set by a flush that could not complete (e.g. an invalidation timed out): hardware may
	 * still walk the unlinked tables, so pt_gather_sync() leaks them (pt.leaked) rather
	 * than handing them back to the allocator. Cleared by pt_gather_init().
	 */
	bool flush_failed;
};

void pt_gather_init(struct pt_gather *g, void (*flush)(struct pt_gather *g, struct pt *pt));
/* Calls g->flush if anything changed, frees the unlinked tables, and empties the gather. */
void pt_gather_sync(struct pt_gather *g, struct pt *pt);
bool pt_gather_empty(const struct pt_gather *g);

/* Result of a lookup. */
struct pt_mapping {
	paddr_t out;   /* output address of the input address looked up */
	u64 leaf_size; /* size of the leaf that maps it */
	u32 prot;
};

/* Creates an empty table; -E_INVAL for a bad configuration, -E_NOMEM. */
int pt_init(struct pt *pt, const struct pt_config *cfg) __must_check;
/*
 * Frees every table. The caller must have made the table unreachable by hardware (and
 * invalidated) first.
 */
void pt_destroy(struct pt *pt);

/*
 * Maps [in, in + size) to [out, out + size) with `prot`. Whatever was mapped there is
 * replaced; parts not changed stay mapped throughout. 4 KiB alignment of in, out and size is
 * required. Leaves are the largest the alignment of in and out allows.
 */
int pt_map(struct pt *pt, u64 in, paddr_t out, u64 size, u32 prot,
	   struct pt_gather *g) __must_check;
/* Unmaps [in, in + size); unmapped parts are skipped. Splits blocks at the edges. */
int pt_unmap(struct pt *pt, u64 in, u64 size, struct pt_gather *g) __must_check;
/*
 * Maps only the parts of [in, in + size) that have no translation, each to `out` at the same
 * offset; what is mapped keeps its translation and rights. Same argument rules as pt_map.
 */
int pt_map_unmapped(struct pt *pt, u64 in, paddr_t out, u64 size, u32 prot,
		    struct pt_gather *g) __must_check;
/* -E_NOENT if `in` is not mapped, -E_RANGE if outside the input space. */
int pt_lookup(const struct pt *pt, u64 in, struct pt_mapping *m) __must_check;

/* A mapped stretch of input: part of one leaf. */
struct pt_extent {
	u64 in;
	paddr_t out;
	u64 size;
	u32 prot;
};

/*
 * The first mapped extent at or after `from` and below `end` (the part of one leaf that lies
 * in [from, end)); -E_NOENT when nothing in the range is mapped. Empty tables are skipped a
 * whole entry at a time, so iterating a sparse range is cheap.
 */
int pt_lookup_next(const struct pt *pt, u64 from, u64 end, struct pt_extent *x) __must_check;

/* Permission bits the format expresses; pt_map refuses others. */
u32 pt_prot_mask(enum pt_format fmt);
const char *pt_format_name(enum pt_format fmt);

/* Values for the hardware registers/entries that point at this table. */
struct pt_hw_desc {
	paddr_t root;
	unsigned levels;
	unsigned arm_t0sz;	  /* Arm: T0SZ = 64 - ias */
	unsigned arm_sl0;	  /* Arm stage 2, 4 KiB granule: SL0 encoding of the start level */
	unsigned arm_start_level; /* Arm numbering (0..3) */
	unsigned vtd_aw;	  /* VT-d second stage: AW/AGAW field (1: 3-level, 2: 4, 3: 5) */
	unsigned amd_mode;	  /* AMD-Vi DTE Mode (levels), x86 levels */
};
void pt_hw_describe(const struct pt *pt, struct pt_hw_desc *d);

#endif
