// SPDX-License-Identifier: MIT
/* PCI enumeration, BAR and bus assignment, capability walks and FLR against the config model. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "lib/err.h"
#include "pci/pci.h"
#include "pcie/pcie_model.h"

#define ECAM_BASE 0x4010000000ull
#define MEM32_BASE 0x10000000ull
#define MEM32_SIZE 0x2eff0000ull

static struct pcie_model model;
static struct pci_state st;
static struct pci_host host;

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	pm_init(&model, ECAM_BASE, 0, 255);
	memset(&st, 0, sizeof(st));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pm_detach(&model);
	return 0;
}

static void host_up(void)
{
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 256ull << 20,
			       .bus_start = 0,
			       .bus_end = 255,
			       .mem32 = { { MEM32_BASE }, MEM32_SIZE } };

	assert_int_equal(pm_attach(&model), 0);
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
}

static struct pci_dev *find(u8 bus, u8 dev, u8 fn)
{
	for (unsigned i = 0; i < st.ndevs; i++)
		if (st.devs[i].bdf == PCI_BDF(bus, dev, fn))
			return &st.devs[i];
	return NULL;
}

/* 00:00.0 host bridge, 00:01.0 root port -> 01:00.0 switch port -> 02:00.0 endpoint. */
static void build_tree(struct pm_fn **ep_out, struct pm_fn **rp_out)
{
	struct pm_fn *hb = pm_fn_new(0, 0x1b36, 0x0008, 0x060000, false);
	struct pm_fn *rp = pm_fn_new(1 << 3, 0x1b36, 0x000c, 0x060400, true);
	struct pm_fn *sw = pm_fn_new(0, 0x1b36, 0x000d, 0x060400, true);
	struct pm_fn *ep = pm_fn_new(0, 0x8086, 0x1234, 0x010802, false);
	struct pm_fn *ep2 = pm_fn_new(2 << 3, 0x1234, 0x11e8, 0x00ff00, false);

	pm_fn_bar(ep, 0, 0x4000, true);
	pm_fn_bar(ep, 2, 0x1000, false);
	pm_fn_bar(ep2, 0, 0x100000, false);
	pm_bridge_add(sw, ep);
	pm_bridge_add(rp, sw);
	pm_add_root(&model, hb);
	pm_add_root(&model, rp);
	pm_add_root(&model, ep2);
	*ep_out = ep;
	*rp_out = rp;
}

static void assigns_bus_numbers_and_bars_behind_bridges(void **state)
{
	struct pm_fn *ep, *rp;

	(void)state;
	build_tree(&ep, &rp);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_int_equal(st.ndevs, 5);
	assert_non_null(find(2, 0, 0));
	assert_int_equal(rp->cfg[0x19], 1);
	assert_int_equal(rp->cfg[0x1a], 2);
	struct pci_dev *d = find(2, 0, 0);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->bar_size[0], 0x4000);
	assert_int_equal(d->bar_size[2], 0x1000);
	assert_true(d->bar[0] >= MEM32_BASE && d->bar[0] % 0x4000 == 0);
	assert_true(d->bar[2] >= MEM32_BASE && d->bar[2] + 0x1000 <= MEM32_BASE + MEM32_SIZE);
	assert_true(d->bar[2] >= d->bar[0] + 0x4000 || d->bar[0] >= d->bar[2] + 0x1000);
	/* The device really holds the addresses, and decodes memory. */
	assert_int_equal(pm_read32(ep, 0x10) & ~0xfu, (u32)d->bar[0]);
	assert_int_equal(pm_read32(ep, 0x14), (u32)(d->bar[0] >> 32));
	assert_true(ep->cfg[4] & 0x2);
	/* The root port's memory window covers the endpoint's BARs. */
	u64 base = (u64)(pm_read32(rp, 0x20) & 0xfff0) << 16;
	u64 limit = ((u64)(pm_read32(rp, 0x20) >> 16 & 0xfff0) << 16) | 0xfffff;
	assert_true(base <= d->bar[0] && d->bar[0] + 0x4000 - 1 <= limit);
	assert_true(base <= d->bar[2] && d->bar[2] + 0x1000 - 1 <= limit);
	struct pci_dev *e2 = find(0, 2, 0);
	assert_non_null(e2);
	assert_true(e2->bar[0] % 0x100000 == 0);
	assert_true(e2->bar[0] + 0x100000 <= base || e2->bar[0] > limit);
}

static void keeps_firmware_bus_numbers(void **state)
{
	struct pm_fn *ep, *rp;

	(void)state;
	build_tree(&ep, &rp);
	rp->cfg[0x19] = 5;
	rp->cfg[0x1a] = 9;
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_non_null(find(6, 0, 0)); /* switch on 5 got the next free bus */
	assert_int_equal(rp->cfg[0x19], 5);
}

static void keeps_firmware_assigned_bars_and_allocates_around_them(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);
	struct pm_fn *b = pm_fn_new(2 << 3, 0x1234, 0x0002, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, false);
	pm_fn_bar(b, 0, 0x10000, false);
	a->cfg[0x10 + 2] = 0x00; /* firmware put a's BAR at MEM32_BASE */
	a->cfg[0x10 + 3] = (uint8_t)(MEM32_BASE >> 24);
	pm_add_root(&model, a);
	pm_add_root(&model, b);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_int_equal(find(0, 1, 0)->bar[0], MEM32_BASE);
	assert_true(find(0, 2, 0)->bar[0] >= MEM32_BASE + 0x10000);
}

/* Firmware's value of memory BAR `i` (the low type bits stay as the model set them). */
static void fw_bar(struct pm_fn *f, unsigned i, uint64_t addr)
{
	uint16_t off = (uint16_t)(0x10 + 4 * i);
	uint32_t lo = (uint32_t)addr | (f->cfg[off] & 0xf);

	memcpy(&f->cfg[off], &lo, 4);
	if (f->cfg[off] & 0x4) {
		uint32_t hi = (uint32_t)(addr >> 32);
		memcpy(&f->cfg[off + 4], &hi, 4);
	}
}

static bool overlaps(u64 a, u64 as, u64 b, u64 bs)
{
	return a < b + bs && b < a + as;
}

/* Issue 13 item 1: a BAR firmware (or the device) put in RAM is not kept. */
static void firmware_bar_outside_the_host_window_is_reassigned(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, true);
	fw_bar(a, 0, 0x40000000ull); /* RAM, outside every window */
	pm_add_root(&model, a);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *d = find(0, 1, 0);
	assert_false(d->refused);
	assert_true(d->bar[0] >= MEM32_BASE && d->bar[0] + 0x10000 <= MEM32_BASE + MEM32_SIZE);
	assert_int_equal(pm_read32(a, 0x10) & ~0xfu, (u32)d->bar[0]);
	assert_true(test_log_has("BAR0 0x40000000+0x10000 outside the host bridge windows"));
}

/*
 * A misaligned BAR: its low bits are not the read-only zeros sizing needs, so the size mask
 * reads back with a hole. Before, the BAR was ignored while another BAR turned memory decode
 * on, so it decoded wherever the device pointed it.
 */
static void misaligned_firmware_bar_refuses_the_function(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, false);
	pm_fn_bar(a, 1, 0x1000, false);
	fw_bar(a, 0, MEM32_BASE + 0x1000); /* inside the window, not size-aligned */
	pm_add_root(&model, a);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *d = find(0, 1, 0);
	assert_true(d->refused);
	assert_int_equal(d->bar[0], 0);
	assert_false(a->cfg[4] & 0x2);
	assert_true(test_log_has("BAR0 0x10001000: its size mask is not contiguous"));
}

static void two_functions_claiming_one_address_do_not_both_keep_it(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);
	struct pm_fn *b = pm_fn_new(2 << 3, 0x1234, 0x0002, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, false);
	pm_fn_bar(b, 0, 0x10000, false);
	fw_bar(a, 0, MEM32_BASE + 0x100000);
	fw_bar(b, 0, MEM32_BASE + 0x100000);
	pm_add_root(&model, a);
	pm_add_root(&model, b);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *da = find(0, 1, 0), *db = find(0, 2, 0);
	assert_int_equal(da->bar[0], MEM32_BASE + 0x100000);
	assert_non_null(db->bar[0]);
	assert_false(overlaps(da->bar[0], 0x10000, db->bar[0], 0x10000));
	assert_int_equal(pm_read32(b, 0x10) & ~0xfu, (u32)db->bar[0]);
}

/* A device whose BAR ignores Moat's placement keeps decoding where it was: refused. */
static void a_bar_that_ignores_its_placement_refuses_the_function(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, false);
	fw_bar(a, 0, 0xc0000000ull); /* outside the window */
	a->wmask[0x13] = 0x3f; /* address bits 31:30 stuck at 1: sizing works, placing does not */
	pm_add_root(&model, a);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_true(find(0, 1, 0)->refused);
	assert_int_equal(find(0, 1, 0)->bar[0], 0);
	assert_false(a->cfg[4] & 0x2);
	assert_true(test_log_has("BAR0 does not take 0x10000000: function refused"));
}

/* A BAR the allocator would hand out inside RAM (a window that overlaps it) skips it. */
static void placement_skips_ram_inside_a_window(void **state)
{
	struct pm_fn *a = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);

	(void)state;
	pm_fn_bar(a, 0, 0x10000, false);
	pm_add_root(&model, a);
	host_up();
	assert_int_equal(pci_forbid_add(&st, pa(MEM32_BASE), 0x200000), 0);
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_true(find(0, 1, 0)->bar[0] >= MEM32_BASE + 0x200000);
}

/*
 * Without host windows (ACPI: no _CRS parsed) nothing can be reassigned: a firmware BAR over
 * RAM, outside the window of a bridge above it, or over another BAR refuses the function,
 * with memory decode off.
 */
static void without_windows_a_bad_firmware_bar_refuses_the_function(void **state)
{
	struct plat_ecam e = { .base = { ECAM_BASE }, .size = 256ull << 20, .bus_end = 255 };
	struct pm_fn *rp = pm_fn_new(1 << 3, 0x1b36, 0x000c, 0x060400, true);
	struct pm_fn *in = pm_fn_new(0, 0x1234, 0x0001, 0x020000, false);
	struct pm_fn *out = pm_fn_new(1 << 3, 0x1234, 0x0002, 0x020000, false);
	struct pm_fn *ram = pm_fn_new(2 << 3, 0x1234, 0x0003, 0x020000, false);
	struct pm_fn *dup = pm_fn_new(3 << 3, 0x1234, 0x0004, 0x020000, false);

	(void)state;
	pm_fn_bar(in, 0, 0x1000, false);
	pm_fn_bar(out, 0, 0x1000, false);
	pm_fn_bar(ram, 0, 0x1000, false);
	pm_fn_bar(dup, 0, 0x1000, false);
	rp->cfg[0x19] = 1;
	rp->cfg[0x1a] = 1;
	rp->cfg[0x20] = 0x00, rp->cfg[0x21] = 0xc0; /* memory window 0xc0000000-0xc00fffff */
	rp->cfg[0x22] = 0x00, rp->cfg[0x23] = 0xc0;
	fw_bar(in, 0, 0xc0000000);
	fw_bar(out, 0, 0xc0200000); /* behind the port, outside its window */
	fw_bar(ram, 0, 0x40001000);
	fw_bar(dup, 0, 0xc0000000); /* on the root bus, over the BAR behind the port */
	pm_bridge_add(rp, in);
	pm_bridge_add(rp, out);
	pm_add_root(&model, rp);
	pm_add_root(&model, ram);
	pm_add_root(&model, dup);
	assert_int_equal(pm_attach(&model), 0);
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_forbid_add(&st, pa(0x40000000), 0x40000000), 0);
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_false(find(1, 0, 0)->refused);
	assert_int_equal(find(1, 0, 0)->bar[0], 0xc0000000);
	assert_true(find(1, 1, 0)->refused);
	assert_true(find(0, 2, 0)->refused);
	assert_true(find(0, 3, 0)->refused);
	assert_int_equal(find(0, 2, 0)->bar[0], 0);
	assert_int_equal(find(0, 2, 0)->bar_size[0], 0);
	assert_false(ram->cfg[4] & 0x2);
	assert_false(dup->cfg[4] & 0x2);
	/* The firmware's bridge window is left as it was. */
	assert_int_equal(rp->cfg[0x21], 0xc0);
	assert_true(test_log_has("outside the window of bridge 0000:00:01.0"));
	assert_true(test_log_has("overlaps RAM, Moat or device registers"));
	assert_true(test_log_has("overlaps BAR0 of 0000:01:00.0"));
}

/*
 * Issue 13 item 4: on ACPI the host bridge's _CRS windows (core/acpi_aml.c) are known while
 * firmware's placement is kept: a BAR outside every one of them refuses its function. Before,
 * only the windows of bridges above were checked, so a root-bus BAR could be anywhere.
 */
static void firmware_bar_outside_the_acpi_host_windows_refuses_the_function(void **state)
{
	struct plat_ecam e = { .base = { ECAM_BASE }, .size = 256ull << 20, .bus_end = 255 };
	struct pm_fn *in = pm_fn_new(1 << 3, 0x1234, 0x0001, 0x020000, false);
	struct pm_fn *hi = pm_fn_new(2 << 3, 0x1234, 0x0002, 0x020000, false);
	struct pm_fn *out = pm_fn_new(3 << 3, 0x1234, 0x0003, 0x020000, false);

	(void)state;
	e.nfwwin = 2;
	e.fwwin[0] = (struct pa_range){ pa(0xc0000000), 0x10000000 };
	e.fwwin[1] = (struct pa_range){ pa(0x8000000000ull), 0x8000000000ull };
	pm_fn_bar(in, 0, 0x1000, false);
	pm_fn_bar(hi, 0, 0x100000, true);
	pm_fn_bar(out, 0, 0x1000, false);
	fw_bar(in, 0, 0xc0001000);
	fw_bar(hi, 0, 0x8000100000ull);
	fw_bar(out, 0, 0xd0000000); /* no RAM, no other BAR: only outside the windows */
	pm_add_root(&model, in);
	pm_add_root(&model, hi);
	pm_add_root(&model, out);
	assert_int_equal(pm_attach(&model), 0);
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_false(host.windows); /* firmware's placement is kept, nothing is placed again */
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_false(find(0, 1, 0)->refused);
	assert_int_equal(find(0, 1, 0)->bar[0], 0xc0001000);
	assert_false(find(0, 2, 0)->refused);
	assert_int_equal(find(0, 2, 0)->bar[0], 0x8000100000ull);
	assert_true(find(0, 3, 0)->refused);
	assert_false(out->cfg[4] & 0x2);
	assert_true(test_log_has("outside the host bridge's firmware windows (_CRS)"));
}

static struct pm_fn *port(uint8_t devfn, uint8_t type, bool acs)
{
	struct pm_fn *f = pm_fn_new(devfn, 0x1b36, 0x000c, 0x060400, true);

	pm_fn_pcie(f, false);
	pm_fn_pcie_type(f, type);
	if (acs)
		pm_fn_acs(f, 0x1f); /* SV, TB, RR, CR, UF */
	return f;
}

static uint16_t acs_ctrl(struct pm_fn *f)
{
	return (uint16_t)(f->cfg[0x106] | f->cfg[0x107] << 8);
}

/*
 * Issue 13 item 8. Root port -> switch (upstream port, two downstream ports) -> endpoints,
 * twice: behind the first switch both downstream ports have ACS, behind the second only
 * one. Before, nothing enabled ACS and nothing grouped functions: the endpoints of the second
 * switch could reach each other peer-to-peer, around the IOMMU, and forge each other's IDs.
 */
static void acs_is_enabled_above_a_function_and_groups_follow_it(void **state)
{
	struct pm_fn *rp1 = port(1 << 3, 4, true), *rp2 = port(2 << 3, 4, true);
	struct pm_fn *usp1 = port(0, 5, false), *usp2 = port(0, 5, false);
	struct pm_fn *d1a = port(0, 6, true), *d1b = port(1 << 3, 6, true);
	struct pm_fn *d2a = port(0, 6, true), *d2b = port(1 << 3, 6, false);
	struct pm_fn *ep[4];
	struct pm_fn *dsp[4] = { d1a, d1b, d2a, d2b };
	const struct pci_dev *bad;

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		ep[i] = pm_fn_new(0, 0x1234, (uint16_t)(0x10 + i), 0x020000, false);
		pm_fn_bar(ep[i], 0, 0x1000, false);
		pm_bridge_add(dsp[i], ep[i]);
	}
	pm_bridge_add(usp1, d1a);
	pm_bridge_add(usp1, d1b);
	pm_bridge_add(usp2, d2a);
	pm_bridge_add(usp2, d2b);
	pm_bridge_add(rp1, usp1);
	pm_bridge_add(rp2, usp2);
	pm_add_root(&model, rp1);
	pm_add_root(&model, rp2);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *e[4];
	for (unsigned i = 0, k = 0; i < st.ndevs; i++)
		if (st.devs[i].hdr_type == 0)
			e[k++] = &st.devs[i];
	/* Every downstream port above the first endpoint isolates: all four controls on. */
	assert_int_equal(pci_acs_enable_above(e[0], &bad), 0);
	assert_int_equal(acs_ctrl(d1a) & 0x1d, 0x1d);
	assert_int_equal(acs_ctrl(rp1) & 0x1d, 0x1d);
	assert_int_equal(acs_ctrl(d1b), 0); /* not above it */
	assert_int_equal(pci_acs_enable_above(e[3], &bad), -E_NOTSUP);
	assert_non_null(bad);
	assert_int_equal(bad->bdf, PCI_BDF(PCI_BUS(e[2]->bdf) - 1, 1, 0)); /* d2b */
	assert_int_equal(acs_ctrl(rp2) & 0x1d, 0x1d);
	/* Groups: separate behind the first switch, one behind the second. */
	assert_int_not_equal(pci_isolation_group(&st, e[0]), pci_isolation_group(&st, e[1]));
	assert_int_equal(pci_isolation_group(&st, e[2]), pci_isolation_group(&st, e[3]));
	assert_int_not_equal(pci_isolation_group(&st, e[0]), pci_isolation_group(&st, e[2]));
	/* A port whose controls do not stick is an error, not a silent success. */
	d1b->wmask[0x106] = 0;
	assert_int_equal(pci_acs_enable_above(e[1], &bad), -E_IO);
}

static void hostile_bridge_cannot_make_enumeration_loop(void **state)
{
	struct pm_fn *br = pm_fn_new(1 << 3, 0x1b36, 0x000c, 0x060400, true);

	(void)state;
	memset(br->wmask + 0x18, 0, 3); /* bus numbers read-only, stuck at 0 */
	pm_add_root(&model, br);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	assert_int_equal(st.ndevs, 1);
	assert_true(model.reads < 200000);
}

static void capability_walks_survive_loops_and_bad_pointers(void **state)
{
	struct pm_fn *f = pm_fn_new(0, 0x1234, 0x5678, 0x020000, false);
	uint16_t c1, e1;

	(void)state;
	c1 = pm_fn_cap(f, 0x05, 0x10);
	f->cfg[c1 + 1] = (uint8_t)c1; /* points to itself */
	pm_add_root(&model, f);
	host_up();
	unsigned before = model.reads;
	assert_int_equal(pci_find_cap(&host, 0, 0x10), 0);
	assert_true(model.reads - before <= 50);
	f->cfg[c1 + 1] = 0x3d; /* misaligned */
	assert_int_equal(pci_find_cap(&host, 0, 0x10), 0);
	f->cfg[c1 + 1] = 0x20; /* inside the header */
	assert_int_equal(pci_find_cap(&host, 0, 0x10), 0);
	e1 = pm_fn_ext_cap(f, 0x0001, 1, 0x40);
	f->cfg[e1 + 2] |= (uint8_t)((e1 << 4) & 0xf0); /* next = itself */
	f->cfg[e1 + 3] = (uint8_t)(e1 >> 4);
	before = model.reads;
	assert_int_equal(pci_find_ext_cap(&host, 0, 0x2e, 0), 0);
	assert_true(model.reads - before <= 1000);
	f->cfg[e1 + 3] = 0x00;
	f->cfg[e1 + 2] = (f->cfg[e1 + 2] & 0x0f) | 0x20; /* next = 0x002: below 0x100 */
	assert_int_equal(pci_find_ext_cap(&host, 0, 0x2e, 0), 0);
}

static void finds_extended_capabilities(void **state)
{
	struct pm_fn *f = pm_fn_new(0, 0x1234, 0x5678, 0x020000, false);
	static const uint16_t ids[] = { 0x0d, 0x0f, 0x10, 0x1b, 0x2e, 0x30 };
	uint16_t offs[6];

	(void)state;
	pm_fn_pcie(f, true);
	for (int i = 0; i < 6; i++)
		offs[i] = pm_fn_ext_cap(f, ids[i], 1, 0x40);
	pm_add_root(&model, f);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *d = find(0, 0, 0);
	assert_int_equal(d->acs_cap, offs[0]);
	assert_int_equal(d->ats_cap, offs[1]);
	assert_int_equal(d->sriov_cap, offs[2]);
	assert_int_equal(d->pasid_cap, offs[3]);
	assert_int_equal(d->doe_cap, offs[4]);
	assert_int_equal(d->ide_cap, offs[5]);
	assert_int_equal(pci_find_ext_cap(&host, 0, 0x2e, offs[4]), 0);
}

/* Enumeration walks the extended list once for all six capabilities, even when it loops. */
static void one_walk_finds_every_extended_capability(void **state)
{
	struct pm_fn *f = pm_fn_new(0, 0x1234, 0x5678, 0x020000, false);
	static const uint16_t ids[] = { 0x2e, 0x0d, 0x30, 0x0f, 0x2e, 0x77 };
	uint16_t offs[6], last = 0;
	unsigned before;

	(void)state;
	for (int i = 0; i < 4; i++)
		last = pm_fn_ext_cap(f, ids[i], 1, 0x40);
	pm_add_root(&model, f);
	host_up();
	before = model.reads;
	pci_find_ext_caps(&host, 0, ids, offs, 6);
	assert_int_equal(model.reads - before, 4); /* the list once, to its end */
	for (int i = 0; i < 6; i++) /* the first of each (0x2e twice), as the one-id walk */
		assert_int_equal(offs[i], pci_find_ext_cap(&host, 0, ids[i], 0));
	assert_int_equal(offs[4], offs[0]);
	assert_int_equal(offs[5], 0);
	/* the last entry points back to itself: the walk ends when it comes back, having read
	 * every entry once (not 960 reads, nor six times that), and finds what it found */
	f->cfg[last + 2] = (uint8_t)((f->cfg[last + 2] & 0x0f) | ((last << 4) & 0xf0));
	f->cfg[last + 3] = (uint8_t)(last >> 4);
	before = model.reads;
	pci_find_ext_caps(&host, 0, ids, offs, 6);
	assert_int_equal(model.reads - before, 4);
	for (int i = 0; i < 6; i++)
		assert_int_equal(offs[i], pci_find_ext_cap(&host, 0, ids[i], 0));
	assert_int_equal(offs[3], last);
	assert_int_equal(offs[5], 0);
}

static void flr_resets_and_restores_config(void **state)
{
	struct pm_fn *f = pm_fn_new(0, 0x1234, 0x5678, 0x020000, false);
	struct pm_fn *g = pm_fn_new(1 << 3, 0x1234, 0x5679, 0x020000, false);

	(void)state;
	pm_fn_pcie(f, true);
	pm_fn_bar(f, 0, 0x1000, false);
	pm_fn_pcie(g, false);
	pm_add_root(&model, f);
	pm_add_root(&model, g);
	host_up();
	assert_int_equal(pci_enumerate(&st, &host), 0);
	struct pci_dev *d = find(0, 0, 0);
	u32 bar = pm_read32(f, 0x10);
	assert_int_equal(pci_flr(d), 0);
	assert_int_equal(f->flr_count, 1);
	assert_int_equal(pm_read32(f, 0x10), bar);
	assert_true(f->cfg[4] & 0x2);
	assert_int_equal(pci_flr(find(0, 1, 0)), -E_NOTSUP);
	assert_true(test_log_has("FLR failed"));
}

static void out_of_range_access_reads_all_ones(void **state)
{
	struct plat_ecam e = {
		.base = { ECAM_BASE }, .size = 2ull << 20, .bus_start = 0, .bus_end = 1
	};

	(void)state;
	pm_add_root(&model, pm_fn_new(0, 0x1234, 0x5678, 0x020000, false));
	host_up();
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_cfg_read32(&host, PCI_BDF(2, 0, 0), 0), 0xffffffffu);
	assert_int_equal(pci_cfg_read32(&host, 0, 0x1000), 0xffffffffu);
	assert_int_equal(pci_cfg_read32(&host, 0, 0x2), 0xffffffffu);
	assert_int_equal(pci_cfg_read16(&host, 0, 0), 0x1234);
	e.size = 1ull << 20; /* smaller than the bus range claims */
	assert_int_equal(pci_host_init(&host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), -E_INVAL);
}

static void platform_gives_host_bridge_windows(void **state)
{
	struct platform plat;
	size_t n;
	void *dtb = test_load_dtb("pci_windows", &n);

	(void)state;
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.necam, 1);
	assert_int_equal(plat.ecam[0].mem32.base.v, 0x10000000);
	assert_int_equal(plat.ecam[0].mem32.size, 0x2eff0000);
	assert_int_equal(plat.ecam[0].mem64.base.v, 0x8000000000ull);
	assert_int_equal(plat.ecam[0].mem64.size, 0x8000000000ull);
	free(dtb);
	dtb = test_load_dtb("virt2", &n); /* no ranges: no windows, nothing assigned */
	assert_int_equal(platform_from_dt(dtb, n, &plat), 0);
	assert_int_equal(plat.ecam[0].mem32.size, 0);
	free(dtb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(assigns_bus_numbers_and_bars_behind_bridges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(keeps_firmware_bus_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(
			keeps_firmware_assigned_bars_and_allocates_around_them, setup, teardown),
		cmocka_unit_test_setup_teardown(firmware_bar_outside_the_host_window_is_reassigned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(misaligned_firmware_bar_refuses_the_function, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			two_functions_claiming_one_address_do_not_both_keep_it, setup, teardown),
		cmocka_unit_test_setup_teardown(placement_skips_ram_inside_a_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			a_bar_that_ignores_its_placement_refuses_the_function, setup, teardown),
		cmocka_unit_test_setup_teardown(
			without_windows_a_bad_firmware_bar_refuses_the_function, setup, teardown),
		cmocka_unit_test_setup_teardown(
			firmware_bar_outside_the_acpi_host_windows_refuses_the_function, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			acs_is_enabled_above_a_function_and_groups_follow_it, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_bridge_cannot_make_enumeration_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(capability_walks_survive_loops_and_bad_pointers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(finds_extended_capabilities, setup, teardown),
		cmocka_unit_test_setup_teardown(one_walk_finds_every_extended_capability, setup,
						teardown),
		cmocka_unit_test_setup_teardown(flr_resets_and_restores_config, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_range_access_reads_all_ones, setup,
						teardown),
		cmocka_unit_test_setup_teardown(platform_gives_host_bridge_windows, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
