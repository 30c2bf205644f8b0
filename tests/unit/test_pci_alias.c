// SPDX-License-Identifier: MIT
/*
 * The requester IDs a function's DMA may carry upstream (pci/alias.c, issue 13 item 2) and
 * its path from the root bus, on the PCIe config-space model: a root port passes IDs through,
 * a PCIe-to-PCI bridge substitutes (secondary bus, 0, 0), a conventional bridge its own ID.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "lib/err.h"
#include "pci/pci.h"
#include "pcie/pcie_model.h"

#define ECAM_BASE 0x4010000000ull

static struct pcie_model model;
static struct pci_state st;
static struct pci_host host;

static int setup(void **state)
{
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 256ull << 20,
			       .bus_end = 255,
			       .mem32 = { { 0x10000000 }, 0x2eff0000 } };

	(void)state;
	test_log_capture();
	pm_init(&model, ECAM_BASE, 0, 255);
	memset(&st, 0, sizeof(st));
	return pm_attach(&model) || pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE);
}

static int teardown(void **state)
{
	(void)state;
	pm_detach(&model);
	return 0;
}

static struct pci_dev *find(u8 bus, u8 dev, u8 fn)
{
	for (unsigned i = 0; i < st.ndevs; i++)
		if (st.devs[i].bdf == PCI_BDF(bus, dev, fn))
			return &st.devs[i];
	fail_msg("%02x:%02x.%u not enumerated", bus, dev, fn);
	return NULL;
}

static struct pm_fn *pcie_bridge(u8 devfn, u8 type)
{
	struct pm_fn *f = pm_fn_new(devfn, 0x1b36, 0x000c, 0x060400, true);

	pm_fn_pcie(f, false);
	pm_fn_pcie_type(f, type);
	return f;
}

/*
 * 00:01.0 root port -> 01:00.0 PCIe-to-PCI bridge -> conventional 02:03.0, 02:04.0 and a
 * conventional PCI-to-PCI bridge 02:05.0 -> 03:00.0; 00:02.0 an endpoint on the root bus.
 */
static void build(void)
{
	struct pm_fn *rp = pcie_bridge(1 << 3, 4), *p2p = pcie_bridge(0, 7);
	struct pm_fn *br = pm_fn_new(5 << 3, 0x8086, 0x244e, 0x060400, true);
	struct pm_fn *ep = pm_fn_new(2 << 3, 0x1234, 0x11e8, 0x00ff00, false);

	pm_fn_pcie(ep, false);
	pm_bridge_add(br, pm_fn_new(0, 0x1234, 0x0003, 0x020000, false));
	pm_bridge_add(p2p, pm_fn_new(3 << 3, 0x1234, 0x0001, 0x020000, false));
	pm_bridge_add(p2p, pm_fn_new(4 << 3, 0x1234, 0x0002, 0x020000, false));
	pm_bridge_add(p2p, br);
	pm_bridge_add(rp, p2p);
	pm_add_root(&model, rp);
	pm_add_root(&model, ep);
	assert_int_equal(pci_enumerate(&st, &host), 0);
}

static void assert_aliases(const struct pci_dev *d, unsigned n, const u16 *want)
{
	u16 got[4];
	unsigned m;

	assert_int_equal(pci_dma_aliases(d, got, 4, &m), 0);
	assert_int_equal(m, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void pcie_to_pci_bridge_substitutes_its_secondary_bus(void **state)
{
	static const u16 behind[] = { 0x0200 }, deeper[] = { 0x0228, 0x0200 };

	(void)state;
	build();
	assert_aliases(find(0, 2, 0), 0, NULL);	  /* root bus: its own ID only */
	assert_aliases(find(2, 3, 0), 1, behind); /* both conventional devices ... */
	assert_aliases(find(2, 4, 0), 1, behind); /* ... arrive as 02:00.0: one group */
	assert_aliases(find(3, 0, 0), 2, deeper); /* the conventional bridge, then 02:00.0 */
	assert_aliases(find(1, 0, 0), 0, NULL);	  /* under a root port: passed through */
}

static void path_runs_from_the_root_bus(void **state)
{
	u8 root = 0xff, path[8];
	unsigned depth;

	(void)state;
	build();
	assert_int_equal(pci_dev_path(find(3, 0, 0), &root, path, 8, &depth), 0);
	assert_int_equal(root, 0);
	assert_int_equal(depth, 4);
	assert_int_equal(path[0], 1 << 3);
	assert_int_equal(path[1], 0);
	assert_int_equal(path[2], 5 << 3);
	assert_int_equal(path[3], 0);
	assert_int_equal(pci_dev_path(find(3, 0, 0), &root, path, 3, &depth), -E_NOSPC);
}

static void too_many_aliases_is_an_error(void **state)
{
	u16 got[1];
	unsigned n;

	(void)state;
	build();
	assert_int_equal(pci_dma_aliases(find(3, 0, 0), got, 1, &n), -E_NOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pcie_to_pci_bridge_substitutes_its_secondary_bus,
						setup, teardown),
		cmocka_unit_test_setup_teardown(path_runs_from_the_root_bus, setup, teardown),
		cmocka_unit_test_setup_teardown(too_many_aliases_is_an_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
