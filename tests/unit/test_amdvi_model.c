// SPDX-License-Identifier: MIT
/*
 * The AMD-Vi model on its own, with tables and commands written by hand from the spec's
 * layouts (48882; no driver code): register bring-up, the DTE cache and the IOTLB that make
 * a missing invalidation visible, v1 host translation, guest (GCR3) translation nested over
 * v1, the command buffer (completion-wait store, range encoding, illegal commands), the
 * event log (records, wrap, overflow and restart) and IRTE lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include <arch/mmio.h>

#include "amdvi/amdvi_model.h"

#define BASE 0xfed80000ULL
#define RAM (4ULL << 20)
#define DEVID 0x0010 /* 00:02.0 */

static struct {
	uint8_t *ram;
	size_t next;
	struct amdvi_model *m;
	uint64_t *devtab, *cmd, *evt;
	unsigned cmd_tail;
	unsigned msis;
} t;

static void *regs(uint32_t off)
{
	return (void *)(uintptr_t)(BASE + off);
}

static uint64_t *frame(void)
{
	uint64_t *p = (uint64_t *)(t.ram + t.next);

	t.next += 4096;
	memset(p, 0, 4096);
	return p;
}

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void on_msi(void *ctx, unsigned cause)
{
	(void)ctx, (void)cause;
	t.msis++;
}

/* Device table of 2 pages (DeviceIDs 0..255), 256-entry command buffer and event log. */
static void bring_up(void)
{
	t.devtab = frame();
	(void)frame();
	t.cmd = frame();
	t.evt = frame();
	mmio_write64(regs(0x00), pa(t.devtab) | 1);		 /* Size: 2 pages */
	mmio_write64(regs(0x08), pa(t.cmd) | 8ULL << 56);	 /* ComLen 8 */
	mmio_write64(regs(0x10), pa(t.evt) | 8ULL << 56);	 /* EventLen 8 */
	mmio_write64(regs(0x18), 1 | 1 << 2 | 1 << 3 | 1 << 12); /* IommuEn EvtLog EvtInt CmdBuf */
}

static int setup_cfg(struct amdvi_model_cfg c)
{
	memset(&t, 0, sizeof(t));
	t.ram = aligned_alloc(2 << 20, RAM);
	c.msi = on_msi;
	t.m = amdvi_model_create(BASE, &c);
	if (!t.ram || !t.m)
		return -1;
	amdvi_model_add_ram(t.m, pa(t.ram), RAM);
	bring_up();
	return 0;
}

static int setup(void **s)
{
	(void)s;
	return setup_cfg(amdvi_model_full());
}

static int setup_qemu(void **s)
{
	(void)s;
	return setup_cfg(amdvi_model_qemu());
}

static int teardown(void **s)
{
	(void)s;
	amdvi_model_destroy(t.m);
	free(t.ram);
	return 0;
}

/* Queues one command given as the spec's four dwords and moves the tail. */
static void cmd4(uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
	uint32_t *c = (uint32_t *)(t.cmd + t.cmd_tail * 2);

	c[0] = d0, c[1] = d1, c[2] = d2, c[3] = d3;
	t.cmd_tail = (t.cmd_tail + 1) % 256;
	mmio_write64(regs(0x2008), (uint64_t)t.cmd_tail << 4);
}

static void inv_dte(uint16_t devid)
{
	cmd4(devid, 0x2u << 28, 0, 0);
}

static void inv_all_pages(uint16_t domid)
{
	cmd4(0, 0x3u << 28 | domid, 0xfffff000u | 1, 0x7fffffffu); /* S, all addresses */
}

/* v1 table, Mode 3 (39 bits): PDEs PR | NextLevel | IR | IW; the leaf with `rw`. */
static uint64_t v1_next(uint64_t *e, unsigned nl)
{
	if (!*e)
		*e = pa(frame()) | 1 | (uint64_t)nl << 9 | 3ULL << 61;
	return *e & 0x000ffffffffff000ULL;
}

static void v1_set(uint64_t root, uint64_t in, uint64_t out, unsigned rw)
{
	uint64_t *l3 = (uint64_t *)(uintptr_t)root;
	uint64_t *l2 = (uint64_t *)(uintptr_t)v1_next(&l3[(in >> 30) & 511], 2);
	uint64_t *l1 = (uint64_t *)(uintptr_t)v1_next(&l2[(in >> 21) & 511], 1);

	l1[(in >> 12) & 511] = out | 1 | (uint64_t)rw << 61;
}

/* The DTE as the spec lays it out: V, TV, Mode, root, IR/IW in qword 0; DomainID in 1. */
static uint64_t *set_dte(uint16_t devid, uint64_t root, unsigned mode, uint16_t domid)
{
	uint64_t *q = t.devtab + devid * 4;

	q[1] = domid;
	q[0] = 1 | 2 | (uint64_t)mode << 9 | root | 3ULL << 61;
	return q;
}

static void model_registers_and_run_bits(void **s)
{
	(void)s;
	assert_int_equal(mmio_read64(regs(0x30)), amdvi_model_full().efr);
	assert_true(mmio_read64(regs(0x2020)) & (1 << 3 | 1 << 4)); /* EventLogRun, CmdBufRun */
	mmio_write64(regs(0x18), 1);
	assert_false(mmio_read64(regs(0x2020)) & (1 << 3 | 1 << 4));
	/* a dword write of the high half keeps the low one */
	mmio_write32(regs(0x24), 0x12);
	assert_int_equal(mmio_read64(regs(0x20)), 0x12ULL << 32);
}

static void model_completion_wait_stores(void **s)
{
	uint64_t *word = frame();

	(void)s;
	/* dword0: S | StoreAddr[31:3]; dword1: StoreAddr[51:32] | opcode 1; dwords 2-3: data */
	cmd4((uint32_t)pa(word) | 1, (uint32_t)(pa(word) >> 32) | 0x1u << 28, 0xcafe, 0xbeef);
	assert_int_equal(*word, 0x0000beef0000cafeULL);
	assert_int_equal(mmio_read64(regs(0x2000)), 16); /* head moved past it */
	/* I: the completion interrupt, gated by ComWaitIntEn */
	cmd4(2, 0x1u << 28, 0, 0);
	assert_true(mmio_read64(regs(0x2020)) & (1 << 2));
	assert_int_equal(t.msis, 0);
}

static void model_v0_passes_blocked_dte_does_not(void **s)
{
	uint64_t out;

	(void)s;
	/* V = 0: untranslated (that is why every DTE must be written before IommuEn) */
	assert_int_equal(amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x5000, true, &out),
			 AMDVIM_PASSTHROUGH);
	t.devtab[DEVID * 4] = 1 | 2; /* V, TV, Mode 0, IR = IW = 0 */
	inv_dte(DEVID);
	assert_int_equal(amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x5000, false, &out),
			 AMDVIM_BLOCKED);
}

static void model_v1_walk_iotlb_and_dte_cache(void **s)
{
	uint64_t root = pa(frame()), page = pa(frame()), page2 = pa(frame()), out;

	(void)s;
	v1_set(root, 0x40000000, page, 3);
	set_dte(DEVID, root, 3, 5);
	inv_dte(DEVID);
	assert_int_equal(amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000123, true, &out),
			 AMDVIM_OK);
	assert_int_equal(out, page + 0x123);
	/* a PTE change is not seen until INVALIDATE_IOMMU_PAGES of the DomainID */
	v1_set(root, 0x40000000, page2, 3);
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000000, false, &out),
		AMDVIM_OK);
	assert_int_equal(out, page);
	cmd4(0, 0x3u << 28 | 6, 0x40000000, 0); /* another domain: no effect */
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000000, false, &out),
		AMDVIM_OK);
	assert_int_equal(out, page);
	cmd4(0, 0x3u << 28 | 5, 0x40000000, 0); /* one page */
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000000, false, &out),
		AMDVIM_OK);
	assert_int_equal(out, page2);
	/* a DTE change is not seen until INVALIDATE_DEVTAB_ENTRY */
	t.devtab[DEVID * 4] = 1 | 2;
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000000, false, &out),
		AMDVIM_OK);
	inv_dte(DEVID);
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40000000, false, &out),
		AMDVIM_BLOCKED);
}

static void model_range_encoding(void **s)
{
	uint64_t root = pa(frame()), page = pa(frame()), out;

	(void)s;
	for (unsigned i = 0; i < 4; i++)
		v1_set(root, 0x40000000 + i * 4096ULL, page, 3);
	set_dte(DEVID, root, 3, 5);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID,
						       0x40000000 + i * 4096ULL, false, &out),
				 AMDVIM_OK);
	for (unsigned i = 0; i < 4; i++)
		v1_set(root, 0x40000000 + i * 4096ULL, 0, 0);
	/* S with address bit 12 clear: 8 KiB at 0x40000000 */
	cmd4(0, 0x3u << 28 | 5, 0x40000000 | 1, 0);
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40001000, false, &out),
		AMDVIM_PAGE_FAULT);
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40002000, false, &out),
		AMDVIM_OK); /* still cached */
	inv_all_pages(5);
	assert_int_equal(
		amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0x40003000, false, &out),
		AMDVIM_PAGE_FAULT);
}

/* GCR3 (GLX 0) -> guest CR3 -> 4-level guest table, every address a GPA over v1. */
static void model_guest_tables_nested_over_v1(void **s)
{
	uint64_t root = pa(frame()), gcr3 = pa(frame()), g4 = pa(frame()), g3 = pa(frame());
	uint64_t g2 = pa(frame()), g1 = pa(frame()), data = pa(frame()), out, *q;
	const uint64_t gpa = 0x10000; /* guest frames at GPA 0x10000 + n * 4 KiB */
	uint64_t spa[6] = { gcr3, g4, g3, g2, g1, data };

	(void)s;
	for (unsigned i = 0; i < 6; i++)
		v1_set(root, gpa + i * 4096ULL, spa[i], 3);
	((uint64_t *)(uintptr_t)gcr3)[3] = (gpa + 0x1000) | 1; /* PASID 3 -> CR3 = GPA of g4 */
	((uint64_t *)(uintptr_t)g4)[0] = (gpa + 0x2000) | 7;
	((uint64_t *)(uintptr_t)g3)[1] = (gpa + 0x3000) | 7;
	((uint64_t *)(uintptr_t)g2)[0] = (gpa + 0x4000) | 7;
	((uint64_t *)(uintptr_t)g1)[5] = (gpa + 0x5000) | 7;
	q = set_dte(DEVID, root, 3, 9);
	/* GV, GLX 0, GCR3 root GPA split: [14:12] in q0 60:58, [30:15] in q1 31:16 */
	q[0] |= 1ULL << 55 | ((gpa >> 12) & 7) << 58;
	q[1] |= ((gpa >> 15) & 0xffff) << 16;
	assert_int_equal(amdvi_model_translate(t.m, DEVID, 3, 0x40005010, true, &out), AMDVIM_OK);
	assert_int_equal(out, data + 0x10);
	/* PASID 4 has no GCR3 entry; no PASID: host translation of the IOVA */
	assert_int_equal(amdvi_model_translate(t.m, DEVID, 4, 0x40005010, true, &out),
			 AMDVIM_PAGE_FAULT);
	/* a GCR3 root the host tables do not map faults */
	q[1] = 9 | ((0x200000ULL >> 15) & 0xffff) << 16;
	q[0] &= ~(7ULL << 58);
	inv_dte(DEVID);
	assert_int_equal(amdvi_model_translate(t.m, DEVID, 3, 0x40005010, true, &out),
			 AMDVIM_OK); /* the IOTLB still holds it: tagged by DomainID and PASID */
	cmd4(3, 0x3u << 28 | 9, 0xfffff000u | 1 | 4, 0x7fffffffu); /* GN, PASID 3, all */
	assert_int_equal(amdvi_model_translate(t.m, DEVID, 3, 0x40005010, true, &out),
			 AMDVIM_PAGE_FAULT);
}

static void model_guest_fields_need_gt(void **s)
{
	uint64_t root = pa(frame()), out, *q;

	(void)s;
	t.m->cfg.efr &= ~(1ULL << 4);
	q = set_dte(DEVID, root, 3, 9);
	q[0] |= 1ULL << 55; /* GV on a unit without GTSup: illegal */
	assert_int_equal(amdvi_model_translate(t.m, DEVID, AMDVIM_NO_PASID, 0, false, &out),
			 AMDVIM_ILLEGAL_DTE);
	assert_int_equal(t.m->events, 1);
	assert_int_equal(t.evt[0] >> 60, AMDVIM_EV_ILLEGAL_DTE);
	assert_int_equal(t.evt[0] & 0xffff, DEVID);
}

static void model_event_log_wrap_and_overflow(void **s)
{
	uint64_t rec[2] = { 0x2ULL << 60, 0 };

	(void)s;
	/* 256 entries hold 255 records: head == tail means empty */
	for (unsigned i = 0; i < 255; i++) {
		rec[1] = i;
		assert_true(amdvi_model_event(t.m, rec));
	}
	assert_int_equal(mmio_read64(regs(0x2018)), 255 * 16);
	assert_int_equal(t.msis, 255);
	assert_false(amdvi_model_event(t.m, rec));
	assert_true(mmio_read64(regs(0x2020)) & 1);	    /* EventOverflow */
	assert_false(mmio_read64(regs(0x2020)) & (1 << 3)); /* EventLogRun stopped */
	/* software drains some, clears overflow and restarts the log: it wraps */
	mmio_write64(regs(0x2010), 16 * 16);
	mmio_write64(regs(0x2020), 1);
	mmio_write64(regs(0x18), 1 | 1 << 12);
	mmio_write64(regs(0x18), 1 | 1 << 2 | 1 << 12);
	rec[1] = 1000;
	assert_true(amdvi_model_event(t.m, rec));
	rec[1] = 1001;
	assert_true(amdvi_model_event(t.m, rec));
	assert_int_equal(t.evt[255 * 2 + 1], 1000);
	assert_int_equal(t.evt[0 * 2 + 1], 1001);
	assert_int_equal(mmio_read64(regs(0x2018)), 16);
}

static void model_illegal_command_stops_buffer(void **s)
{
	uint64_t *word = frame();

	(void)s;
	cmd4(0, 0xfu << 28, 0, 0); /* opcode 0xf: illegal */
	assert_int_equal(t.m->illegal_cmds, 1);
	assert_false(mmio_read64(regs(0x2020)) & (1 << 4));
	assert_int_equal(t.evt[0] >> 60, AMDVIM_EV_ILLEGAL_CMD);
	assert_int_equal(t.evt[1], pa(t.cmd));
	/* nothing behind it runs until the buffer is restarted past the bad command */
	cmd4((uint32_t)pa(word) | 1, (uint32_t)(pa(word) >> 32) | 0x1u << 28, 7, 0);
	assert_int_equal(*word, 0);
	mmio_write64(regs(0x18), 1 | 1 << 2);
	mmio_write64(regs(0x2000), 16);
	mmio_write64(regs(0x18), 1 | 1 << 2 | 1 << 12);
	assert_int_equal(*word, 7);
}

static void model_invalidate_all_needs_ia(void **s)
{
	(void)s;
	cmd4(0, 0x8u << 28, 0, 0);
	assert_int_equal(t.m->illegal_cmds, 0); /* QEMU: IASup */
	t.m->cfg.efr &= ~(1ULL << 6);
	cmd4(0, 0x8u << 28, 0, 0);
	assert_int_equal(t.m->illegal_cmds, 1);
}

static void model_irte_lookup(void **s)
{
	uint32_t *irt = (uint32_t *)frame();
	uint64_t *q = set_dte(DEVID, pa(frame()), 3, 5);
	struct amdvim_irq irq;

	(void)s;
	/* IV, IntTabLen 8 (256 entries), IntTabRootPtr, IntCtl 10b (remapped) */
	q[2] = 1 | 8 << 1 | pa(irt) | 2ULL << 60;
	irt[4] = 1 | 3 << 8 | 0x61 << 16; /* RemapEn, fixed, dest 3, vector 0x61 */
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 4, &irq), AMDVIM_OK);
	assert_int_equal(irq.vector, 0x61);
	assert_int_equal(irq.dest, 3);
	/* an entry Moat never set, an index past the table, an NMI: aborted */
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 5, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 0x0ff | 0x100, &irq),
			 AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 0x400, &irq), AMDVIM_IR_ABORT);
	/* IntCtl 00: abort everything */
	q[2] &= ~(3ULL << 60);
	inv_dte(DEVID);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, 0xfee00000, 4, &irq), AMDVIM_IR_ABORT);
	assert_true(t.m->events >= 2);
}

static void model_qemu_efr(void **s)
{
	uint64_t efr = mmio_read64(regs(0x30));

	(void)s;
	/* HATS 2 (6 levels), GTSup, IASup, as QEMU 10.0 reports them */
	assert_int_equal((efr >> 10) & 3, 2);
	assert_true(efr & (1 << 4));
	assert_true(efr & (1 << 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(model_registers_and_run_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(model_completion_wait_stores, setup, teardown),
		cmocka_unit_test_setup_teardown(model_v0_passes_blocked_dte_does_not, setup,
						teardown),
		cmocka_unit_test_setup_teardown(model_v1_walk_iotlb_and_dte_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(model_range_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(model_guest_tables_nested_over_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(model_guest_fields_need_gt, setup, teardown),
		cmocka_unit_test_setup_teardown(model_event_log_wrap_and_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(model_illegal_command_stops_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(model_invalidate_all_needs_ia, setup, teardown),
		cmocka_unit_test_setup_teardown(model_irte_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(model_qemu_efr, setup_qemu, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
