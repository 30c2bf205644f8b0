// SPDX-License-Identifier: MIT
/* core/dt_index.c: the one-pass parent index answers like libfdt's fdt_parent_offset(). */
#include <stdlib.h>

#include "test_util.h"

#include <libfdt.h>

#include "core/dt_index.h"

static void parents_match_libfdt_for_every_node(void **state)
{
	static const char *const blobs[] = { "virt2", "virt4_nested", "smmu_map", "pci_windows" };

	(void)state;
	for (unsigned b = 0; b < sizeof(blobs) / sizeof(blobs[0]); b++) {
		size_t n;
		void *fdt = test_load_dtb(blobs[b], &n);
		int node = 0, depth = 0, nodes = 0;

		dt_index_build(fdt);
		while ((node = fdt_next_node(fdt, node, &depth)) >= 0 && depth > 0) {
			assert_int_equal(dt_parent(fdt, node), fdt_parent_offset(fdt, node));
			nodes++;
		}
		assert_true(nodes > 0);
		assert_int_equal(dt_parent(fdt, 0), fdt_parent_offset(fdt, 0)); /* the root */
		assert_int_equal(dt_parent(fdt, 3), fdt_parent_offset(fdt, 3)); /* not a node */
		free(fdt);
	}
}

/* Another blob than the one indexed (or the same memory rebuilt) is never answered stale. */
static void other_blob_falls_back_to_libfdt(void **state)
{
	size_t n1, n2;
	void *a = test_load_dtb("virt2", &n1), *b = test_load_dtb("virt4_nested", &n2);
	int node = 0, depth = 0;

	(void)state;
	dt_index_build(a);
	while ((node = fdt_next_node(b, node, &depth)) >= 0 && depth > 0)
		assert_int_equal(dt_parent(b, node), fdt_parent_offset(b, node));
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parents_match_libfdt_for_every_node),
		cmocka_unit_test(other_blob_falls_back_to_libfdt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
