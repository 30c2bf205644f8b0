// SPDX-License-Identifier: MIT
/*
 * pci/ide.c against the IDE capability model (tests/models/pcie/pcie_ide_model.c) on a root
 * port and the endpoint below it: layout parsing, refusal of counts that overflow the
 * capability (with nothing written), programming, Enable, the bounded wait for Secure.
 */
#include <string.h>

#include "test_util.h"

#include "lib/err.h"
#include "pci/ide.h"
#include "pcie/pcie_ide_model.h"
#include "pcie/pcie_model.h"

#define ECAM_BASE 0x4010000000ull
#define MEM32 0x10000000ull

static struct {
	struct pcie_model model;
	struct pm_ide rp_ide, ep_ide;
	struct pm_fn *rp, *ep;
	struct pci_state st;
	struct pci_host host;
	bool keys[2]; /* 0: root port, 1: endpoint */
} F;

static bool keys_ready(void *ctx, uint8_t stream_id)
{
	return stream_id == 5 && *(bool *)ctx;
}

static void build(void)
{
	struct plat_ecam e = { .base = { ECAM_BASE },
			       .size = 2ull << 20,
			       .bus_end = 1,
			       .mem32 = { { MEM32 }, 0x1000000 } };

	pm_init(&F.model, ECAM_BASE, 0, 1);
	pm_fn_pcie(F.rp, false);
	pm_fn_pcie_type(F.rp, 4);
	pm_fn_ide(F.rp, &F.rp_ide);
	pm_fn_pcie(F.ep, true);
	pm_fn_bar(F.ep, 0, 0x4000, true);
	pm_fn_ide(F.ep, &F.ep_ide);
	pm_fn_ext_cap(F.ep, 0x000d, 1, 0x08); /* ACS right after: bounds the IDE capability */
	pm_bridge_add(F.rp, F.ep);
	pm_add_root(&F.model, F.rp);
	assert_int_equal(pm_attach(&F.model), 0);
	assert_int_equal(pci_host_init(&F.host, &e, (volatile u8 *)(uintptr_t)ECAM_BASE), 0);
	assert_int_equal(pci_enumerate(&F.st, &F.host), 0);
	assert_int_equal(F.st.ndevs, 2);
}

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	memset(&F, 0, sizeof(F));
	F.rp = pm_fn_new(0, 0x1b36, 0x000c, 0x060400, true);
	F.ep = pm_fn_new(0, 0x1b36, 0x0010, 0x010802, false);
	F.rp_ide = (struct pm_ide){ .selective = true, .nsel = 2, .naddr = { 1, 1 } };
	F.ep_ide = (struct pm_ide){ .link = true,
				    .nlink_tc = 2,
				    .selective = true,
				    .nsel = 3,
				    .naddr = { 0, 2, 1 },
				    .tee_limited = true };
	F.rp_ide.keys_ready = F.ep_ide.keys_ready = keys_ready;
	F.rp_ide.ctx = &F.keys[0];
	F.ep_ide.ctx = &F.keys[1];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pm_detach(&F.model);
	return 0;
}

static struct pci_dev *ep(void)
{
	return &F.st.devs[1];
}

static struct pci_ide_stream_cfg stream_cfg(void)
{
	return (struct pci_ide_stream_cfg){
		.stream_id = 5,
		.tc = 0,
		.default_stream = true,
		.rid_base = 0x0100,
		.rid_limit = 0x0107,
		.naddr = 1,
		.addr = { { MEM32, MEM32 + PCI_IDE_ADDR_GRANULE - 1 } },
	};
}

static void parses_the_layout_the_model_lays_out(void **state)
{
	struct pci_ide ide;

	(void)state;
	build();
	assert_int_not_equal(ep()->ide_cap, 0);
	assert_int_equal(pci_ide_probe(ep(), &ide), 0);
	assert_int_equal(ide.off, F.ep_ide.off);
	assert_int_equal(ide.nlink_tc, 2);
	assert_int_equal(ide.nsel, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(ide.sel_off[i], F.ep_ide.sel_off[i]);
		assert_int_equal(ide.sel_naddr[i], F.ep_ide.naddr[i]);
	}
	assert_true(ide.cap & PCI_IDE_CAP_TEE_LIMITED);
	assert_int_equal(PCI_IDE_CAP_ALGS(ide.cap), PCI_IDE_ALG_AES_GCM_256);
	assert_int_equal(ide.limit,
			 F.ep_ide.off + 0x40 > F.ep_ide.end ? F.ep_ide.off + 0x40 : F.ep_ide.end);
	assert_ptr_equal(pci_root_port(ep()), &F.st.devs[0]);
	assert_null(pci_root_port(&F.st.devs[0]));
}

static void counts_past_the_capability_are_refused_and_nothing_written(void **state)
{
	struct pci_ide ide;
	u16 cap;

	(void)state;
	build();
	cap = F.ep_ide.off + PCI_IDE_CAP;
	F.ep->cfg[cap + 2] = 0xff; /* 256 selective streams */
	assert_int_equal(pci_ide_probe(ep(), &ide), -E_RANGE);
	F.ep->cfg[cap + 2] = 2;
	F.ep->cfg[F.ep_ide.sel_off[2]] = 0xf; /* the last block claims 15 address blocks */
	assert_int_equal(pci_ide_probe(ep(), &ide), -E_RANGE);
	F.ep->cfg[F.ep_ide.sel_off[2]] = 1;
	F.ep->cfg[cap + 1] |= 0xe0; /* 8 link TCs */
	assert_int_equal(pci_ide_probe(ep(), &ide), -E_RANGE);
	assert_int_equal(F.ep_ide.writes, 0);
}

static u32 buf_read(void *ctx, u16 off)
{
	u32 v;

	memcpy(&v, (u8 *)ctx + off, 4);
	return v;
}

static void parser_stays_inside_config_space(void **state)
{
	static u8 cfg[4096 + 4];
	struct pci_ide ide;

	(void)state;
	memset(cfg, 0xff, sizeof(cfg));
	cfg[0xff0] = 0x30;
	cfg[0xff1] = 0x00;
	assert_int_equal(pci_ide_parse(buf_read, cfg, 0xff0, 0x1000, &ide), -E_RANGE);
	cfg[0xff4] = 0x02; /* selective only, 1 stream: needs 0x0c + 0x14 bytes */
	memset(cfg + 0xff5, 0, 3);
	assert_int_equal(pci_ide_parse(buf_read, cfg, 0xfe0, 0x1000, &ide), -E_INVAL);
	assert_int_equal(pci_ide_parse(buf_read, cfg, 0xff0, 0x1000, &ide), -E_RANGE);
	assert_int_equal(pci_ide_parse(buf_read, cfg, 0x100, 0x1001, &ide), -E_INVAL);
	assert_int_equal(pci_ide_parse(buf_read, cfg, 0x102, 0x1000, &ide), -E_INVAL);
}

static void programs_a_stream_and_waits_for_secure(void **state)
{
	struct pci_ide ide;
	struct pci_ide_stream_cfg c = stream_cfg();
	unsigned block = 9;

	(void)state;
	build();
	assert_int_equal(pci_ide_probe(ep(), &ide), 0);
	assert_int_equal(pci_ide_sel_find_free(ep(), &ide, &block), 0);
	assert_int_equal(block, 0);
	block = 1;
	c.tee_limited = true;
	assert_int_equal(pci_ide_sel_program(ep(), &ide, block, &c), 0);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x04), 0x05c00000u); /* ID 5, default, TEE */
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x0c), 0x010700u);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x10), 0x010001u);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x14), 0x10010001u); /* base = limit = 0x100 */
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x18), 0);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x20), 0); /* the unused block: not valid */
	assert_int_equal(pci_ide_sel_state(ep(), &ide, block), PCI_IDE_STATE_INSECURE);
	F.keys[1] = true;
	assert_int_equal(pci_ide_sel_enable(ep(), &ide, block), 0);
	assert_int_equal(pci_ide_sel_wait_secure(ep(), &ide, block, PCI_IDE_SECURE_WAIT_NS), 0);
	assert_int_equal(pci_ide_sel_state(ep(), &ide, block), PCI_IDE_STATE_SECURE);
	assert_int_equal(pci_ide_sel_find_free(ep(), &ide, &block), 0);
	assert_int_equal(block, 0);
	/* association registers must not change under a live stream */
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 1, &c), -E_BUSY);
	pci_ide_sel_disable(ep(), &ide, 1);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x04) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x10) & 1, 0);
	assert_int_equal(pm_ide_sel_read(F.ep, 1, 0x14) & 1, 0);
	assert_int_equal(pci_ide_sel_state(ep(), &ide, 1), PCI_IDE_STATE_INSECURE);
	assert_int_equal(F.ep_ide.assoc_writes_while_enabled, 0);
	assert_int_equal(F.ep_ide.enables, 1);
}

static void a_stream_that_never_becomes_secure_times_out(void **state)
{
	struct pci_ide ide;
	struct pci_ide_stream_cfg c = stream_cfg();

	(void)state;
	build();
	F.keys[1] = true;
	F.ep_ide.never_secure = true;
	assert_int_equal(pci_ide_probe(ep(), &ide), 0);
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 2, &c), 0);
	assert_int_equal(pci_ide_sel_enable(ep(), &ide, 2), 0);
	assert_int_equal(pci_ide_sel_wait_secure(ep(), &ide, 2, PCI_IDE_SECURE_WAIT_NS),
			 -E_TIMEOUT);
}

static void bad_stream_settings_write_nothing(void **state)
{
	struct pci_ide ide, rp_ide;
	struct pci_ide_stream_cfg c = stream_cfg();

	(void)state;
	build();
	assert_int_equal(pci_ide_probe(ep(), &ide), 0);
	assert_int_equal(pci_ide_probe(&F.st.devs[0], &rp_ide), 0);
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 0, &c), -E_NOSPC); /* no addr blocks */
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 3, &c), -E_RANGE);
	c.alg = 1;
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 1, &c), -E_NOTSUP);
	c = stream_cfg();
	c.tee_limited = true; /* the root port cannot */
	assert_int_equal(pci_ide_sel_program(&F.st.devs[0], &rp_ide, 0, &c), -E_NOTSUP);
	c = stream_cfg();
	c.addr[0].base += 0x1000; /* not on the 1 MiB granule */
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 1, &c), -E_INVAL);
	c = stream_cfg();
	c.tc = 8;
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 1, &c), -E_INVAL);
	c = stream_cfg();
	c.rid_limit = 0x00ff;
	assert_int_equal(pci_ide_sel_program(ep(), &ide, 1, &c), -E_INVAL);
	assert_int_equal(F.ep_ide.writes + F.rp_ide.writes, 0);
	assert_int_equal(pci_ide_sel_enable(ep(), &ide, 3), -E_RANGE);
	assert_int_equal(pci_ide_sel_state(ep(), &ide, 3), -E_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parses_the_layout_the_model_lays_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			counts_past_the_capability_are_refused_and_nothing_written, setup,
			teardown),
		cmocka_unit_test(parser_stays_inside_config_space),
		cmocka_unit_test_setup_teardown(programs_a_stream_and_waits_for_secure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_stream_that_never_becomes_secure_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_stream_settings_write_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
