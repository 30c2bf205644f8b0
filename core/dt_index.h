/* SPDX-License-Identifier: MIT */
/*
 * A device tree's nodes and the properties platform discovery asks for, found in one pass
 * over the structure block (DT spec 5.4). libfdt answers every lookup by walking tokens from
 * the root or the node, one fdt_offset_ptr() per character of every node name it passes:
 * on QEMU's virt tree (58 nodes, 32 of them virtio-mmio) each path, phandle or
 * compatible search was a whole-tree walk of about 0.15 million instructions, and the
 * discover phase 2.7 million of a 5.2 million instruction boot (issue 21).
 *
 * Each call below answers exactly what the libfdt call it names answers; from the index when
 * the index covers `fdt` (and the node asked about), else by calling libfdt. Boot-time, single
 * CPU: one index, rebuilt for each blob.
 */
#ifndef CORE_DT_INDEX_H
#define CORE_DT_INDEX_H

#include <stdbool.h>

#include "lib/types.h"

/* The properties the index keeps, by name (the first of each name, as fdt_getprop()). */
enum dt_prop {
	DT_COMPATIBLE,
	DT_STATUS,
	DT_DEVICE_TYPE,
	DT_REG,
	DT_RANGES,
	DT_ADDRESS_CELLS, /* "#address-cells" */
	DT_SIZE_CELLS,	  /* "#size-cells" */
	DT_INTERRUPT_PARENT,
	DT_PHANDLE,
	DT_LINUX_PHANDLE, /* "linux,phandle", the older name fdt_get_phandle() also reads */
	DT_NPROPS
};

/*
 * Indexes `fdt`, whose header fdt_check_header() accepted and whose fdt_totalsize() bytes
 * are readable: the walk checks every length and offset itself and indexes nothing it cannot
 * read. Answers are libfdt's, which trusts only what dt_check_blob() accepted. More nodes or
 * depth than the index holds: nothing is indexed and every call below is libfdt's.
 */
void dt_index_build(const void *fdt);
/* Whether the last dt_index_build() indexed `fdt`. */
bool dt_indexed(const void *fdt);

/* fdt_parent_offset() */
int dt_parent(const void *fdt, int node);
/* fdt_getprop() of the property `p` names */
const void *dt_getprop(const void *fdt, int node, enum dt_prop p, int *lenp);
/* fdt_get_phandle() */
u32 dt_phandle(const void *fdt, int node);
/* fdt_node_offset_by_phandle() */
int dt_node_by_phandle(const void *fdt, u32 phandle);
/* fdt_node_check_compatible() */
int dt_node_check_compatible(const void *fdt, int node, const char *compatible);
/* fdt_node_offset_by_compatible() */
int dt_node_by_compatible(const void *fdt, int from, const char *compatible);
/* fdt_first_subnode(), fdt_next_subnode() */
int dt_first_subnode(const void *fdt, int node);
int dt_next_subnode(const void *fdt, int node);
/* fdt_path_offset_namelen() */
int dt_path_offset(const void *fdt, const char *path, int namelen);
/*
 * The node after `node` in document order (node -1: the root) and its depth (the root's 0)
 * in *depth, which holds `node`'s on entry; -FDT_ERR_NOTFOUND after the last node. What
 * fdt_next_node() finds, with the depth absolute rather than relative.
 */
int dt_next_node(const void *fdt, int node, int *depth);

#define dt_for_each_subnode(node, fdt, parent)                        \
	for ((node) = dt_first_subnode((fdt), (parent)); (node) >= 0; \
	     (node) = dt_next_subnode((fdt), (node)))

#endif
