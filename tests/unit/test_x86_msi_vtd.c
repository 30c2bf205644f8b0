// SPDX-License-Identifier: MIT
/*
 * Physical MSIs of an assigned function through VT-d interrupt remapping, by the IOMMU core's
 * vendor-neutral ops (iommu_irq_map / iommu_irq_unmap, iommu/vtd/vtd_ir.c) against the
 * register-level model (tests/models/vtd): an entry made for a requester delivers only the
 * vector and CPU given; a message with another source-id, a handle outside the table, or one
 * written after the unmap is blocked and recorded as a fault; every change is followed by an
 * interrupt-entry-cache invalidation before the call returns; requesters not attached for the
 * owner get no entry.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "unit_fixture.h"

#include "core/boot_info.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/own.h"
#include "iommu/iommu.h"
#include "iommu/vtd/vtd.h"
#include "lib/err.h"
#include "vtd/vtd_model.h"
#include "arch/host/irq_host.h"

#define VTD_BASE 0xfed90000ULL
#define RAM_SIZE (8ULL << 20)
#define SID 0x0008  /* 00:01.0 */
#define SID2 0x0010 /* 00:02.0 */
#define VM 2
#define QI_IEC 4 /* interrupt entry cache invalidate descriptor (VT-d 6.5.2.7) */

static struct {
	struct unit_fixture fx;
	struct vtd_model *m;
	struct iommu_domain s2;
} t;

static int setup(void **state)
{
	struct vtd_model_cfg cfg = vtd_model_qemu_sl();
	const struct plat_iommu desc = { .kind = IOMMU_KIND_VTD,
					 .base = pa(VTD_BASE),
					 .size = 0x1000,
					 .scoped = true,
					 .include_all = true };

	(void)state;
	memset(&t, 0, sizeof(t));
	test_log_capture();
	iommu_units_reset();
	vtd_units_reset();
	host_irq_reset();
	iommu_fault_notify_set(NULL);
	host_irq_fail = -E_NOTSUP; /* fault records by polling: the test drains them */
	if (unit_fixture_init(&t.fx, RAM_SIZE, VM, &desc))
		return -1;
	t.m = vtd_model_create(VTD_BASE, &cfg);
	vtd_model_add_ram(t.m, t.fx.r.base.v, RAM_SIZE);
	if (unit_fixture_attach(&t.fx) || iommu_domain_s2_init(&t.s2, t.fx.u, 48))
		return -1;
	t.s2.owner = VM;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	host_irq_fail = 0;
	if (t.fx.u)
		vtd_fini(&vtd_unit_of(t.fx.u)->dev);
	vtd_model_destroy(t.m);
	unit_fixture_free(&t.fx);
	return 0;
}

/* The one fault record the unit holds now: its reason and source-id. */
static void assert_one_fault(u32 reason, u32 sid)
{
	struct iommu_fault f;

	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.vendor_code, reason);
	assert_int_equal(f.tag, sid);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), -E_NOENT);
}

static void an_entry_delivers_only_its_vector_from_its_requester(void **state)
{
	struct iommu_dev dev = { .rid = SID };
	struct iommu_irq r = { .owner = VM, .vector = 0x51, .dest = 0, .allowed = 1 };
	struct iommu_msi msi;
	struct vtdm_irq irq;
	unsigned iec;

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	iec = vtd_model_count(t.m, QI_IEC, NULL);
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), 0);
	assert_int_equal(r.tag, SID); /* source-id = the function's requester ID */
	assert_int_equal(vtd_model_count(t.m, QI_IEC, NULL), iec + 1);
	assert_int_equal(msi.addr >> 20, 0xfee);
	assert_true(msi.addr & (1u << 4)); /* remappable format */
	assert_int_equal(vtd_model_msi(t.m, SID, msi.addr, msi.data, &irq), 0);
	assert_int_equal(irq.vector, 0x51);
	assert_int_equal(irq.dest, 0);
	/* the same message from another function: blocked by source-id, recorded */
	assert_int_equal(vtd_model_msi(t.m, SID2, msi.addr, msi.data, &irq), VTDM_FR_IR_SID);
	assert_one_fault(VTDM_FR_IR_SID, SID2);
	/* a handle outside the table: blocked, recorded */
	assert_int_equal(
		vtd_model_msi(t.m, SID, (msi.addr & ~0xfffffULL) | 300u << 5 | 1u << 4, 0, &irq),
		VTDM_FR_IR_INDEX);
	assert_one_fault(VTDM_FR_IR_INDEX, SID);
	/* a compatibility-format message naming any vector: blocked */
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee00000, 0x51, &irq), VTDM_FR_IR_COMPAT);
	assert_one_fault(VTDM_FR_IR_COMPAT, SID);
	/* unmapped: the entry cache invalidated before the call returns, the message blocked */
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), 0);
	assert_int_equal(vtd_model_count(t.m, QI_IEC, NULL), iec + 2);
	assert_int_equal(vtd_model_msi(t.m, SID, msi.addr, msi.data, &irq), VTDM_FR_IR_NOT_PRESENT);
	assert_one_fault(VTDM_FR_IR_NOT_PRESENT, SID);
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), -E_PERM); /* not owned any more */
}

static void entries_are_only_for_attached_requesters_of_the_owner(void **state)
{
	struct iommu_dev dev = { .rid = SID }, other = { .rid = SID2 };
	struct iommu_irq r = { .owner = VM, .vector = 0x51, .dest = 0, .allowed = 1 };
	struct iommu_msi msi, m2;

	(void)state;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_PERM); /* not attached */
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	r.owner = VM + 1;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_PERM); /* another VM's */
	r.owner = VM;
	assert_int_equal(iommu_irq_map(t.fx.u, &other, &r, &msi), -E_PERM);
	r.dest = 1;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_RANGE); /* CPU not allowed */
	r.dest = 0, r.vector = 0x0e;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), -E_RANGE); /* exception vector */
	r.vector = 0x52;
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &msi), 0);
	assert_int_equal(iommu_irq_map(t.fx.u, &dev, &r, &m2), 0);
	assert_int_not_equal(msi.cookie, m2.cookie); /* one entry per vector */
	r.owner = VM + 1;
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), -E_PERM);
	r.owner = VM;
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, msi.cookie), 0);
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, m2.cookie), 0);
	assert_int_equal(iommu_irq_unmap(t.fx.u, &r, 0x10000), -E_RANGE);
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
