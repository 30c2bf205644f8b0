/* SPDX-License-Identifier: MIT */
/*
 * Table updates that keep the ownership record's mapping counts (core/own.h) true: every
 * stage-2 and IOMMU map path writes its lib/pt table through these. A map counts its pages
 * (and checks their owner) before the table is written; an unmapped page is uncounted only
 * once its entry is gone from the table and `sync` has flushed it from the TLBs. A sync that
 * fails leaves the pages counted: a count errs upwards only, never below the tables.
 */
#ifndef CORE_OWN_PT_H
#define CORE_OWN_PT_H

#include "core/own.h"
#include "lib/pt.h"

struct own_pt {
	struct pt *pt;
	struct pt_gather *g;
	/* Flushes `g` (pt_gather_sync and more); 0 when the TLBs no longer hold what left. */
	int (*sync)(struct own_pt *o);
	void *ctx;
};

/*
 * Maps [in, in + size) to `out` for `who` (own_map() first: -E_PERM, -E_NOSPC with nothing
 * changed). What was mapped there is replaced and uncounted after the sync. If the table
 * write fails, the range is left unmapped.
 */
int own_pt_map(struct own_pt *o, u64 in, paddr_t out, u64 size, u32 prot,
	       struct own_id who) __must_check;
/* Unmaps [in, in + size), syncs, and uncounts what left (in bounded batches). */
int own_pt_unmap(struct own_pt *o, u64 in, u64 size) __must_check;
/* Uncounts every page a table maps, before pt_destroy() of a table no hardware reaches. */
void own_pt_forget(const struct pt *pt);

#endif
