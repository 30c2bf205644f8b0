// SPDX-License-Identifier: MIT
/*
 * Physical MSIs of an assigned function through AMD-Vi interrupt remapping, by the IOMMU
 * core's vendor-neutral ops (iommu_irq_map / iommu_irq_unmap, iommu/amdvi/amdvi_dte.c)
 * against the register-level model (tests/models/amdvi): the attached function's DTE points
 * at Moat's interrupt table (IV, IntTabLen, IntTabRootPtr, IntCtl remapped); an entry made
 * for it delivers only the vector and CPU given; the same message from another function, an
 * index outside the entries Moat set, or the message after the unmap is aborted; every change
 * is followed by INVALIDATE_INTERRUPT_TABLE and a completion wait before the call returns.
 * The model, like QEMU 10.0, writes no event for an aborted interrupt: blocking is checked.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "unit_fixture.h"

#include "amdvi/amdvi_model.h"
#include "core/boot_info.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/own.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "lib/err.h"

#define AMD_BASE 0xfed80000ULL
#define RAM_SIZE (8ULL << 20)
#define DEVID 0x0010  /* 00:02.0 */
#define DEVID2 0x0018 /* 00:03.0 */
#define VM 2
#define CMD_COMPLETION_WAIT 1
#define CMD_INV_INTR 5

static struct {
	struct unit_fixture fx;
	struct amdvi_model *m;
	struct iommu_domain s2;
	unsigned ncmd;
	u8 cmd[64]; /* opcodes in execution order */
	u16 cmd_devid[64];
} t;

static void on_cmd(struct amdvi_model *m, uint64_t *w, void *arg)
{
	(void)m, (void)arg;
	if (t.ncmd < 64) {
		t.cmd_devid[t.ncmd] = (u16)w[0];
		t.cmd[t.ncmd++] = (u8)(w[0] >> 60);
	}
}

static int setup(void **state)
{
	struct amdvi_model_cfg cfg = amdvi_model_qemu();
	const struct plat_iommu desc = { .kind = IOMMU_KIND_AMDVI,
					 .base = pa(AMD_BASE),
					 .size = 0x80000,
					 .scoped = true,
					 .include_all = true,
					 .features = cfg.efr };

	(void)state;
	memset(&t, 0, sizeof(t));
	test_log_capture();
	iommu_units_reset();
	amdvi_units_reset();
	iommu_fault_notify_set(NULL);
	if (unit_fixture_init(&t.fx, RAM_SIZE, VM, &desc))
		return -1;
	t.m = amdvi_model_create(AMD_BASE, &cfg);
	amdvi_model_add_ram(t.m, t.fx.r.base.v, RAM_SIZE);
	t.m->on_cmd = on_cmd;
	if (unit_fixture_attach(&t.fx) || iommu_domain_s2_init(&t.s2, t.fx.u, 48))
		return -1;
	t.s2.owner = VM;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (t.fx.u)
		amdvi_fini(&amdvi_unit_of(t.fx.u)->dev);
	amdvi_model_destroy(t.m);
	unit_fixture_free(&t.fx);
	return 0;
}

/* Since command `from`: INVALIDATE_INTERRUPT_TABLE of `devid`, then a completion wait. */
static void assert_intr_invalidated(unsigned from, u16 devid)
{
	bool inv = false;

	for (unsigned i = from; i < t.ncmd; i++) {
		if (t.cmd[i] == CMD_INV_INTR && t.cmd_devid[i] == devid)
			inv = true;
		else if (inv && t.cmd[i] == CMD_COMPLETION_WAIT)
			return;
	}
	fail_msg("no INVALIDATE_INTERRUPT_TABLE of 0x%x closed by a completion wait", devid);
}

static void an_entry_delivers_only_its_vector_from_its_requester(void **state)
{
	struct iommu_dev dev = { .rid = DEVID };
	struct iommu_irq r = { .owner = VM, .vector = 0x61, .dest = 0, .allowed = 1 };
	const u64 *q;
	struct iommu_msi msi;
	struct amdvim_irq irq;
	unsigned from;

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	/* DTE: IV, IntTabLen 8, IntCtl 10b (remapped) */
	q = (const u64 *)(uintptr_t)((t.m->devtab & 0x000ffffffffff000ULL) + DEVID * 32ULL);
	assert_int_equal(q[2] & 1, 1);
	assert_int_equal((q[2] >> 1) & 0xf, 8);
	assert_int_equal((q[2] >> 60) & 3, 2);
	assert_int_not_equal(q[2] & 0x000fffffffffffc0ULL, 0);
	from = t.ncmd;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), 0);
	assert_int_equal(r.tag, DEVID);
	assert_intr_invalidated(from, DEVID);
	assert_int_equal(msi.addr, 0xfee00000ULL);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, msi.addr, msi.data, &irq), AMDVIM_OK);
	assert_int_equal(irq.vector, 0x61);
	assert_int_equal(irq.dest, 0);
	/* another function's message with the same data: its own table has nothing there */
	assert_int_equal(amdvi_model_msi(t.m, DEVID2, msi.addr, msi.data, &irq), AMDVIM_IR_ABORT);
	/* an index Moat did not set, and one outside the table */
	assert_int_equal(amdvi_model_msi(t.m, DEVID, msi.addr, msi.data + 1, &irq),
			 AMDVIM_IR_ABORT);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, msi.addr, 0x1ff, &irq), AMDVIM_IR_ABORT);
	/* unmapped: invalidated and waited for before the call returns, then aborted */
	from = t.ncmd;
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), 0);
	assert_intr_invalidated(from, DEVID);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, msi.addr, msi.data, &irq), AMDVIM_IR_ABORT);
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), -E_RANGE); /* gone */
}

static void entries_are_only_for_attached_requesters_of_the_owner(void **state)
{
	struct iommu_dev dev = { .rid = DEVID }, other = { .rid = DEVID2 };
	struct iommu_irq r = { .owner = VM, .vector = 0x61, .dest = 0, .allowed = 1 };
	struct iommu_msi msi, m2;
	struct amdvim_irq irq;

	(void)state;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_PERM); /* not attached */
	assert_int_equal(iommu_attach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	r.owner = VM + 1;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_PERM);
	r.owner = VM;
	assert_int_equal(iommu_irq_map(t.fx.u, &other, &r, &msi), -E_PERM);
	r.dest = 3;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_RANGE);
	r.dest = 0, r.vector = 0x02; /* NMI's vector number */
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_RANGE);
	r.vector = 0x62;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), 0);
	r.vector = 0x63;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &m2), 0);
	assert_int_not_equal(msi.data, m2.data);
	assert_int_equal(amdvi_model_msi(t.m, DEVID, m2.addr, m2.data, &irq), AMDVIM_OK);
	assert_int_equal(irq.vector, 0x63);
	/* detached: the table goes with it, nothing is delivered */
	assert_int_equal(iommu_detach(&t.s2, DEVID, IOMMU_NO_PASID), 0);
	assert_int_not_equal(amdvi_model_msi(t.m, DEVID, m2.addr, m2.data, &irq), AMDVIM_OK);
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, m2.cookie), -E_PERM);
}

#define T(n) cmocka_unit_test_setup_teardown(n, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_entry_delivers_only_its_vector_from_its_requester),
		T(entries_are_only_for_attached_requesters_of_the_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
