// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for core/dt_index.c. Any blob with a readable header is indexed before it
 * is checked (as arm64_find_config() does on direct boot), and must be walked within its
 * bounds; a blob dt_check_blob() accepts is indexed again and every answer of the index must
 * be libfdt's, for every node.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "core/dt_check.h"
#include "core/dt_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const prop_names[DT_NPROPS] = {
	"compatible",	  "status",	 "device_type",	     "reg",	"ranges",
	"#address-cells", "#size-cells", "interrupt-parent", "phandle", "linux,phandle",
};

static const char *const compats[] = { "arm,pl011", "arm,gic-v3", "arm,smmu-v3", "a", "" };

static void same(long a, long b)
{
	if (a != b)
		abort();
}

static void node_same(const void *fdt, int node)
{
	char path[512];

	for (int p = 0; p < DT_NPROPS; p++) {
		int l1, l2;
		const void *a = dt_getprop(fdt, node, (enum dt_prop)p, &l1);
		const void *b = fdt_getprop(fdt, node, prop_names[p], &l2);

		same(a != b, 0);
		same(l1, l2);
	}
	same(dt_parent(fdt, node), fdt_parent_offset(fdt, node));
	same(dt_first_subnode(fdt, node), fdt_first_subnode(fdt, node));
	same(dt_next_subnode(fdt, node), fdt_next_subnode(fdt, node));
	same(dt_phandle(fdt, node), fdt_get_phandle(fdt, node));
	same(dt_node_by_phandle(fdt, dt_phandle(fdt, node)),
	     fdt_node_offset_by_phandle(fdt, fdt_get_phandle(fdt, node)));
	for (unsigned c = 0; c < sizeof(compats) / sizeof(compats[0]); c++) {
		same(dt_node_check_compatible(fdt, node, compats[c]),
		     fdt_node_check_compatible(fdt, node, compats[c]));
		same(dt_node_by_compatible(fdt, node, compats[c]),
		     fdt_node_offset_by_compatible(fdt, node, compats[c]));
	}
	if (fdt_get_path(fdt, node, path, sizeof(path)))
		return;
	for (int n = 1, end = (int)strlen(path); n <= end; n++) /* the path, cut at each name */
		if (n == end || path[n] == '/' || path[n] == '@')
			same(dt_path_offset(fdt, path, n), fdt_path_offset_namelen(fdt, path, n));
}

static void index_same(const void *fdt)
{
	int node = -1, depth = 0, lnode = -1, ldepth = 0;

	for (unsigned n = 0; n < 4096; n++) {
		node = dt_next_node(fdt, node, &depth);
		lnode = fdt_next_node(fdt, lnode, &ldepth);
		if (lnode < 0 || ldepth < 1) {
			same(node, -FDT_ERR_NOTFOUND);
			return;
		}
		same(node, lnode);
		same(depth, ldepth - 1);
		node_same(fdt, node);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, 8-byte aligned as the boot protocol guarantees. */
	void *blob = malloc(size ? size : 1);
	const char *why;
	int len;

	memcpy(blob, data, size);
	if (size >= sizeof(struct fdt_header) && !fdt_check_header(blob) &&
	    fdt_totalsize(blob) <= size) {
		dt_index_build(blob);
		if (dt_indexed(blob)) {
			int chosen = dt_path_offset(blob, "/chosen", 7);
			if (chosen >= 0)
				(void)dt_getprop(blob, chosen, DT_REG, &len);
		}
		if (!dt_check_blob(blob, size, &why)) {
			dt_index_build(blob);
			if (dt_indexed(blob))
				index_same(blob);
		}
	}
	free(blob);
	return 0;
}
