// SPDX-License-Identifier: MIT
#include "core/dt_index.h"

#include <libfdt.h>
#include <stdbool.h>

#define DT_INDEX_MAX 1024
#define DT_DEPTH_MAX 32

static struct {
	const void *fdt; /* NULL: no index */
	unsigned n;
	int off[DT_INDEX_MAX]; /* increasing: fdt_next_node() goes forward */
	int parent[DT_INDEX_MAX];
} idx;

void dt_index_build(const void *fdt)
{
	int stack[DT_DEPTH_MAX], depth = 0, node = 0;

	idx.fdt = NULL;
	idx.n = 0;
	stack[0] = 0;
	while ((node = fdt_next_node(fdt, node, &depth)) >= 0 && depth > 0) {
		if (depth >= DT_DEPTH_MAX || idx.n == DT_INDEX_MAX)
			return; /* deeper or larger than indexed: every lookup falls back */
		stack[depth] = node;
		idx.off[idx.n] = node;
		idx.parent[idx.n++] = stack[depth - 1];
	}
	idx.fdt = fdt; /* the root's end (depth 0 or below) or the blob's */
}

int dt_parent(const void *fdt, int node)
{
	unsigned lo = 0, hi = idx.n;

	if (fdt != idx.fdt || node <= 0)
		return fdt_parent_offset(fdt, node);
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (idx.off[mid] == node)
			return idx.parent[mid];
		if (idx.off[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return fdt_parent_offset(fdt, node); /* not a node start: libfdt's answer */
}
