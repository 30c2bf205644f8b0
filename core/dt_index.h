/* SPDX-License-Identifier: MIT */
/*
 * Parents of a device tree's nodes, found in one pass. libfdt's fdt_parent_offset() walks
 * from the root on every call, and platform discovery asks for parents of every node it
 * translates: on QEMU's virt tree that was 45% of 6.8 million boot instructions (issue 21).
 * Boot-time, single CPU: one index, rebuilt for each blob.
 */
#ifndef CORE_DT_INDEX_H
#define CORE_DT_INDEX_H

/* Indexes `fdt`, which dt_check_blob() accepted. Too many nodes: lookups fall back. */
void dt_index_build(const void *fdt);
/* fdt_parent_offset() from the index when it covers `fdt` and `node`. */
int dt_parent(const void *fdt, int node);

#endif
