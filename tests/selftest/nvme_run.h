/* SPDX-License-Identifier: MIT */
/*
 * The NVMe self-test shared by the x86 IOMMU vendors (vtd_nvme.c, amdvi_nvme.c): QEMU's NVMe
 * controller as VM 1's device behind one unit. Its admin queues and an Identify buffer live at
 * guest-physical addresses of VM 1's view; the controller fetches commands, writes completions
 * and DMAs the Identify data through the unit. Checked: the Identify data reaches the VM's RAM
 * at the translated address; after the buffer page is unshared the next Identify cannot write
 * it (QEMU's controller still reports success: it ignores the failed DMA), and the vendor's
 * `after_unshare` checks what its unit recorded. Register layout: NVMe base specification 2.0,
 * section 3.1 (CAP, CC, CSTS, AQA, ASQ, ACQ, doorbells), 4.1/4.2 (queue entries), 5.17
 * (Identify).
 */
#ifndef MOAT_TESTS_SELFTEST_NVME_RUN_H
#define MOAT_TESTS_SELFTEST_NVME_RUN_H

#include "core/init.h"
#include "core/log.h"
#include "iommu/iommu.h"

#define NVME_ST_VM_ID 1
#define NVME_ST_GPA_BUF 0x2002000ULL /* the Identify buffer's guest-physical address */

struct nvtest;

struct nvme_selftest {
	const char *name; /* moat.selftest=<name>, and the log component */
	const struct iommu_driver *(*driver)(void); /* the unit it runs on */
	const char *rid_word, *did_word;	    /* "rid"/"DID" or "DeviceID"/"DomainID" */
	void (*after_unshare)(struct nvtest *st);   /* the unit's records of the blocked DMA */
};

struct nvtest {
	const struct nvme_selftest *t;
	struct moat_ctx *ctx;
	struct iommu *u;
	struct pci_dev *dev;
	u8 *bar;
	u32 rid, dstrd;
	u8 *sq, *cq, *buf;
	paddr_t buf_pa;
	unsigned tail, head, phase;
	u16 cid;
	int failed;
};

/* A failed check: logged under the test's name, counted. */
#define NVME_CHECK(st, cond, ...)                                      \
	do {                                                           \
		if (!(cond)) {                                         \
			log_emit(LOG_ERR, (st)->t->name, __VA_ARGS__); \
			(st)->failed++;                                \
		}                                                      \
	} while (0)

/* The MOAT_UNIT body: runs when moat.selftest names `t`, then halts with PASS or FAIL. */
int nvme_selftest_run(struct moat_ctx *ctx, const struct nvme_selftest *t);

#endif
