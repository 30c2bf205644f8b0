// SPDX-License-Identifier: MIT
/* core/dt_index.c: every lookup answers what the libfdt call it stands for answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include <libfdt.h>

#include "core/dt_index.h"

static const char *const blobs[] = {
	"virt2",     "virt4_nested", "smmu_map",	 "pci_windows",
	"smmu_irqs", "two_smmu",     "smmu_map_overlap", "mem_over_devices"
};

static const char *const compats[] = {
	"arm,pl011", "arm,gic-v3", "arm,smmu-v3",   "pci-host-ecam-generic",
	"arm,psci",  "arm,pl031",  "arm,primecell", "nothing,here",
	""
};

static const char *const prop_names[DT_NPROPS] = {
	"compatible",	  "status",	 "device_type",	     "reg",	"ranges",
	"#address-cells", "#size-cells", "interrupt-parent", "phandle", "linux,phandle",
};

static void props_match(const void *fdt, int node)
{
	for (int p = 0; p < DT_NPROPS; p++) {
		int l1 = 12345, l2 = 12345;
		const void *a = dt_getprop(fdt, node, (enum dt_prop)p, &l1);
		const void *b = fdt_getprop(fdt, node, prop_names[p], &l2);

		assert_ptr_equal(a, b);
		assert_int_equal(l1, l2);
	}
	assert_int_equal(dt_phandle(fdt, node), fdt_get_phandle(fdt, node));
	for (unsigned c = 0; c < sizeof(compats) / sizeof(compats[0]); c++) {
		assert_int_equal(dt_node_check_compatible(fdt, node, compats[c]),
				 fdt_node_check_compatible(fdt, node, compats[c]));
		assert_int_equal(dt_node_by_compatible(fdt, node, compats[c]),
				 fdt_node_offset_by_compatible(fdt, node, compats[c]));
	}
}

static void tree_matches(const void *fdt, int node)
{
	assert_int_equal(dt_parent(fdt, node), fdt_parent_offset(fdt, node));
	assert_int_equal(dt_first_subnode(fdt, node), fdt_first_subnode(fdt, node));
	assert_int_equal(dt_next_subnode(fdt, node), fdt_next_subnode(fdt, node));
	assert_int_equal(dt_node_by_phandle(fdt, dt_phandle(fdt, node)),
			 fdt_node_offset_by_phandle(fdt, fdt_get_phandle(fdt, node)));
}

/* The node's own path and spellings of it libfdt also resolves (or refuses). */
static void paths_match(const void *fdt, int node)
{
	char path[256], alt[300];
	const char *at;

	assert_int_equal(fdt_get_path(fdt, node, path, sizeof(path)), 0);
	/* Not always `node`: "/soc/uart" names "/soc/uart@1000" if that comes first. */
	assert_int_equal(dt_path_offset(fdt, path, (int)strlen(path)), fdt_path_offset(fdt, path));
	snprintf(alt, sizeof(alt), "%s/", path); /* a trailing slash */
	assert_int_equal(dt_path_offset(fdt, alt, (int)strlen(alt)), fdt_path_offset(fdt, alt));
	snprintf(alt, sizeof(alt), "/%s", path); /* doubled */
	assert_int_equal(dt_path_offset(fdt, alt, (int)strlen(alt)), fdt_path_offset(fdt, alt));
	snprintf(alt, sizeof(alt), "%s/none", path);
	assert_int_equal(dt_path_offset(fdt, alt, (int)strlen(alt)), fdt_path_offset(fdt, alt));
	at = strrchr(path, '@');
	if (at && !strchr(at, '/')) { /* the last name without its unit address */
		int n = (int)(at - path);
		assert_int_equal(dt_path_offset(fdt, path, n),
				 fdt_path_offset_namelen(fdt, path, n));
	}
	/* A prefix cut inside a name. */
	for (int n = 1; n <= (int)strlen(path); n++)
		assert_int_equal(dt_path_offset(fdt, path, n),
				 fdt_path_offset_namelen(fdt, path, n));
}

/* Every answer of the index against libfdt's, for every node of `fdt`. */
static void index_matches_libfdt(const void *fdt)
{
	int node = -1, depth = 0, lnode = -1, ldepth = 0, nodes = 0;

	for (;;) {
		node = dt_next_node(fdt, node, &depth);
		lnode = fdt_next_node(fdt, lnode, &ldepth);
		if (lnode < 0 || ldepth < 1) {
			assert_int_equal(node, -FDT_ERR_NOTFOUND);
			break;
		}
		assert_int_equal(node, lnode);
		assert_int_equal(depth, ldepth - 1);
		assert_int_equal(depth, fdt_node_depth(fdt, node));
		props_match(fdt, node);
		tree_matches(fdt, node);
		paths_match(fdt, node);
		nodes++;
	}
	assert_true(nodes > 1);
	assert_int_equal(dt_parent(fdt, 3), fdt_parent_offset(fdt, 3)); /* not a node */
	assert_int_equal(dt_getprop(fdt, 3, DT_REG, NULL), fdt_getprop(fdt, 3, "reg", NULL));
	for (unsigned c = 0; c < sizeof(compats) / sizeof(compats[0]); c++)
		assert_int_equal(dt_node_by_compatible(fdt, -1, compats[c]),
				 fdt_node_offset_by_compatible(fdt, -1, compats[c]));
	assert_int_equal(dt_node_by_phandle(fdt, 0), fdt_node_offset_by_phandle(fdt, 0));
	assert_int_equal(dt_node_by_phandle(fdt, ~0u), fdt_node_offset_by_phandle(fdt, ~0u));
	assert_int_equal(dt_node_by_phandle(fdt, 0x7777), fdt_node_offset_by_phandle(fdt, 0x7777));
	assert_int_equal(dt_path_offset(fdt, "/", 1), fdt_path_offset(fdt, "/"));
	assert_int_equal(dt_path_offset(fdt, "//", 2), fdt_path_offset(fdt, "//"));
}

static void every_answer_matches_libfdt_on_the_test_trees(void **state)
{
	(void)state;
	for (unsigned b = 0; b < sizeof(blobs) / sizeof(blobs[0]); b++) {
		size_t n;
		void *fdt = test_load_dtb(blobs[b], &n);

		dt_index_build(fdt);
		assert_true(dt_indexed(fdt));
		index_matches_libfdt(fdt);
		free(fdt);
	}
}

#define BLOB_SIZE (256 * 1024)

static const u8 phandle_be[4] = { 0, 0, 0x12, 0x34 }, phandle2_be[4] = { 0, 0, 0x56, 0x78 };

/*
 * What a firmware tree may also hold: a property after a subnode (libfdt does not see it),
 * a name twice (the first counts), only "linux,phandle", a phandle of the wrong length,
 * NOPs, unit addresses shared by names, an alias path, a status that is not a string.
 */
static void *odd_tree(void)
{
	void *fdt = calloc(1, BLOB_SIZE);

	assert_int_equal(fdt_create(fdt, BLOB_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_u32(fdt, "#address-cells", 2), 0);
	assert_int_equal(fdt_begin_node(fdt, "aliases"), 0);
	assert_int_equal(fdt_property_string(fdt, "serial0", "/soc/uart@1000"), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, "soc"), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", "simple-bus"), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", "second,ignored"), 0);
	assert_int_equal(fdt_begin_node(fdt, "uart@1000"), 0);
	assert_int_equal(fdt_property(fdt, "linux,phandle", phandle_be, 4), 0);
	assert_int_equal(fdt_property(fdt, "compatible", "arm,pl011\0arm,primecell", 24), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, "uart@2000"), 0);
	assert_int_equal(fdt_property(fdt, "phandle", phandle2_be, 3), 0); /* wrong length */
	assert_int_equal(fdt_property(fdt, "linux,phandle", phandle2_be, 4), 0);
	assert_int_equal(fdt_property(fdt, "status", "okay", 4), 0); /* no NUL */
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, "uart"), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	/* After the subnodes: libfdt's fdt_getprop() does not find these. */
	assert_int_equal(fdt_property_string(fdt, "status", "disabled"), 0);
	assert_int_equal(fdt_property_u32(fdt, "phandle", 0x99), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, "chosen"), 0);
	assert_int_equal(fdt_property_string(fdt, "stdout-path", "serial0:115200"), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	assert_int_equal(fdt_open_into(fdt, fdt, BLOB_SIZE), 0);
	/* A NOP where a property was. */
	assert_int_equal(fdt_nop_property(fdt, fdt_path_offset(fdt, "/aliases"), "serial0"), 0);
	assert_int_equal(fdt_setprop_string(fdt, fdt_path_offset(fdt, "/aliases"), "serial1",
					    "/soc/uart@2000"),
			 0);
	return fdt;
}

static void odd_trees_answer_as_libfdt(void **state)
{
	void *fdt = odd_tree();

	(void)state;
	dt_index_build(fdt);
	assert_true(dt_indexed(fdt));
	index_matches_libfdt(fdt);
	/* Aliases are libfdt's own. */
	assert_int_equal(dt_path_offset(fdt, "serial1", 7), fdt_path_offset(fdt, "serial1"));
	assert_true(dt_path_offset(fdt, "serial1", 7) >= 0);
	assert_int_equal(dt_node_by_phandle(fdt, 0x1234), fdt_path_offset(fdt, "/soc/uart@1000"));
	assert_int_equal(dt_node_by_phandle(fdt, 0x99), -FDT_ERR_NOTFOUND);
	free(fdt);
}

/* A chain of `depth` nested nodes, or `width` siblings, each with a compatible. */
static void *big_tree(int depth, int width)
{
	void *fdt = calloc(1, BLOB_SIZE);
	char name[32];

	assert_int_equal(fdt_create(fdt, BLOB_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	for (int i = 0; i < depth; i++) {
		snprintf(name, sizeof(name), "n@%d", i);
		assert_int_equal(fdt_begin_node(fdt, name), 0);
		assert_int_equal(fdt_property_string(fdt, "compatible", "deep"), 0);
	}
	for (int i = 0; i < depth; i++)
		assert_int_equal(fdt_end_node(fdt), 0);
	for (int i = 0; i < width; i++) {
		snprintf(name, sizeof(name), "virtio_mmio@%x", 0xa000000 + 0x200 * i);
		assert_int_equal(fdt_begin_node(fdt, name), 0);
		assert_int_equal(fdt_property_string(fdt, "compatible", "virtio,mmio"), 0);
		assert_int_equal(fdt_property_u32(fdt, "phandle", (u32)i + 1), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt;
}

/* Too deep or too many nodes for the index: nothing is indexed, libfdt answers. */
static void trees_beyond_the_index_fall_back(void **state)
{
	void *deep = big_tree(40, 0), *wide = big_tree(0, 1500), *fits = big_tree(20, 1000);

	(void)state;
	dt_index_build(deep);
	assert_false(dt_indexed(deep));
	index_matches_libfdt(deep);
	dt_index_build(wide);
	assert_false(dt_indexed(wide));
	assert_int_equal(dt_node_by_phandle(wide, 1500), fdt_node_offset_by_phandle(wide, 1500));
	assert_int_equal(dt_path_offset(wide, "/virtio_mmio", 12),
			 fdt_path_offset(wide, "/virtio_mmio"));
	dt_index_build(fits);
	assert_true(dt_indexed(fits));
	assert_int_equal(dt_node_by_phandle(fits, 1000), fdt_node_offset_by_phandle(fits, 1000));
	assert_int_equal(dt_node_by_compatible(fits, -1, "virtio,mmio"),
			 fdt_node_offset_by_compatible(fits, -1, "virtio,mmio"));
	free(deep);
	free(wide);
	free(fits);
}

/* Another blob than the one indexed (or the same memory rebuilt) is never answered stale. */
static void other_blob_falls_back_to_libfdt(void **state)
{
	size_t n1, n2;
	void *a = test_load_dtb("virt2", &n1), *b = test_load_dtb("virt4_nested", &n2);

	(void)state;
	dt_index_build(a);
	assert_false(dt_indexed(b));
	index_matches_libfdt(b);
	free(a);
	free(b);
}

/* A truncated structure block indexes nothing (and reads nothing past it: ASan). */
static void a_cut_structure_block_is_not_indexed(void **state)
{
	size_t n;
	void *fdt = test_load_dtb("virt2", &n);
	u32 size = fdt_size_dt_struct(fdt);

	(void)state;
	for (u32 cut = 0; cut < size; cut += 4) {
		fdt_set_size_dt_struct(fdt, cut);
		dt_index_build(fdt);
		assert_false(dt_indexed(fdt));
	}
	fdt_set_size_dt_struct(fdt, size);
	dt_index_build(fdt);
	assert_true(dt_indexed(fdt));
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_answer_matches_libfdt_on_the_test_trees),
		cmocka_unit_test(odd_trees_answer_as_libfdt),
		cmocka_unit_test(trees_beyond_the_index_fall_back),
		cmocka_unit_test(other_blob_falls_back_to_libfdt),
		cmocka_unit_test(a_cut_structure_block_is_not_indexed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
