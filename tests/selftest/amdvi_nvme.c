// SPDX-License-Identifier: MIT
/*
 * moat.selftest=amdvi-nvme (test image only): QEMU's NVMe controller as VM 1's device behind
 * the amd-iommu (pt=off), the second device of issue 20 item 6; the run is nvme_run.c's.
 * AMD-Vi's part: QEMU 10.0's amd-iommu logs no event, so the unshared page staying untouched
 * is what counts; events, if the unit logs any, must name the controller and VM 1.
 */
#define LOG_COMPONENT "amdvi-nvme"
#include "iommu/amdvi/amdvi.h"
#include "tests/selftest/nvme_run.h"

static void amdvi_nvme_events(struct nvtest *st)
{
	struct iommu_fault f;

	NVME_CHECK(st, !st->u->drv->ops->fault_poll(st->u), "event poll failed");
	while (!iommu_fault_pop(st->u, &f))
		NVME_CHECK(st, f.tag == st->rid && f.owner == NVME_ST_VM_ID,
			   "event for 0x%x owner %u", f.tag, f.owner);
}

static const struct nvme_selftest amdvi_nvme = {
	.name = "amdvi-nvme",
	.driver = amdvi_driver,
	.rid_word = "DeviceID",
	.did_word = "DomainID",
	.after_unshare = amdvi_nvme_events,
};

static int amdvi_nvme_selftest(struct moat_ctx *ctx)
{
	return nvme_selftest_run(ctx, &amdvi_nvme);
}

MOAT_UNIT("amdvi-nvme-selftest", INIT_LATE, amdvi_nvme_selftest);
