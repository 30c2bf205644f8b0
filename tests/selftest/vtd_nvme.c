// SPDX-License-Identifier: MIT
/*
 * moat.selftest=vtd-nvme (test image only): QEMU's NVMe controller as VM 1's device behind
 * the intel-iommu, the second device of issue 19 item 6; the run is nvme_run.c's. VT-d's part:
 * after the buffer page is unshared, the Identify that cannot write it must leave a fault
 * record with the right reason (0x05, write to a not-present or read-only entry) in VM 1's
 * ring.
 */
#define LOG_COMPONENT "vtd-nvme"
#include "iommu/vtd/vtd.h"
#include "tests/selftest/nvme_run.h"

static void vtd_nvme_fault_expect(struct nvtest *st)
{
	struct iommu_fault f, got = { 0 };
	bool found = false;

	NVME_CHECK(st, !st->u->drv->ops->fault_poll(st->u), "fault poll failed");
	while (!iommu_fault_pop(st->u, &f))
		if (!found && f.tag == st->rid)
			got = f, found = true;
	NVME_CHECK(st, found, "unshare: no fault record for the controller");
	NVME_CHECK(st,
		   !found || (got.vendor_code == 0x05 && got.addr == NVME_ST_GPA_BUF &&
			      got.owner == NVME_ST_VM_ID),
		   "unshare: unexpected fault: reason 0x%x owner %u addr 0x%llx", got.vendor_code,
		   got.owner, (unsigned long long)got.addr);
	pr_info("unshare: Identify into the unshared page: fault reason 0x%x rid 0x%x owner %u "
		"addr 0x%llx",
		got.vendor_code, got.rid, got.owner, (unsigned long long)got.addr);
}

static const struct nvme_selftest vtd_nvme = {
	.name = "vtd-nvme",
	.driver = vtd_driver,
	.rid_word = "rid",
	.did_word = "DID",
	.after_unshare = vtd_nvme_fault_expect,
};

static int vtd_nvme_selftest(struct moat_ctx *ctx)
{
	return nvme_selftest_run(ctx, &vtd_nvme);
}

MOAT_UNIT("vtd-nvme-selftest", INIT_LATE, vtd_nvme_selftest);
