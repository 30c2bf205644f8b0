/* SPDX-License-Identifier: MIT */
/*
 * A page-table frame allocator for host tests and benchmarks: aligned malloc'd frames
 * (physical == virtual on arch/host), counted, with failure injection.
 */
#ifndef PT_ALLOC_HOST_H
#define PT_ALLOC_HOST_H

#include "lib/pt.h"

struct pt_host_alloc {
	struct pt_allocator a;
	u64 live;	 /* frames handed out and not yet freed */
	u64 allocs;	 /* successful allocations */
	long fail_after; /* < 0: never fail; else fail once this many more allocations succeeded */
};

void pt_host_alloc_init(struct pt_host_alloc *h);

#endif
