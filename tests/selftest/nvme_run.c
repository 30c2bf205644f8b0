// SPDX-License-Identifier: MIT
/* The shared NVMe self-test (nvme_run.h): one controller, its admin queue, Identify. */
#include "tests/selftest/nvme_run.h"

#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/own.h"
#include "lib/err.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define NVME_CLASS 0x010802 /* mass storage, NVM, NVMe */
#define NVME_CAP 0x00
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DB 0x1000
#define CC_EN 1u
#define CC_IOSQES_64 (6u << 16)
#define CC_IOCQES_16 (4u << 20)
#define CSTS_RDY 1u
#define OPC_IDENTIFY 0x06
#define QDEPTH 4
#define NVME_TIMEOUT_NS 5000000000ULL

#define VM_ID NVME_ST_VM_ID
#define GPA_SQ 0x2000000ULL
#define GPA_CQ (GPA_SQ + 0x1000)
#define GPA_BUF NVME_ST_GPA_BUF
_Static_assert(GPA_BUF == GPA_SQ + 0x2000, "SQ, CQ and the Identify buffer are adjacent pages");

#define nv_info(st, ...) log_emit(LOG_INFO, (st)->t->name, __VA_ARGS__)
#define nv_err(st, ...) log_emit(LOG_ERR, (st)->t->name, __VA_ARGS__)

static int nv_wait(struct nvtest *st, u32 mask, u32 want)
{
	u64 start = arch_time_ns();

	while ((mmio_read32(st->bar + NVME_CSTS) & mask) != want) {
		if (arch_time_ns() - start > NVME_TIMEOUT_NS)
			return -E_TIMEOUT;
		cpu_relax();
	}
	return 0;
}

static int nv_find(struct nvtest *st)
{
	struct pci_state *ps = pci_boot_state();

	for (unsigned i = 0; i < ps->ndevs; i++) {
		struct pci_dev *d = &ps->devs[i];

		if ((d->class_rev >> 8) != NVME_CLASS || !d->bar[0])
			continue;
		st->dev = d;
		st->rid = d->bdf;
		if (!(st->bar = arch_map_device(pa(d->bar[0]), 0x2000)))
			return -E_NOMEM;
		pci_cfg_write16(d->host, d->bdf, PCI_COMMAND,
				pci_cfg_read16(d->host, d->bdf, PCI_COMMAND) | PCI_COMMAND_MEM |
					PCI_COMMAND_MASTER);
		return 0;
	}
	nv_err(st, "no NVMe controller (-device nvme)");
	return -E_NODEV;
}

static u8 *nv_page(struct nvtest *st, struct iommu_domain *d, u64 g, paddr_t *p)
{
	/* the page is the stand-in VM's before its domain may map it (core/own.h) */
	if (frame_alloc_one(st->ctx->frames, p) ||
	    own_transfer(*p, PAGE_SIZE, own_moat(), own_vm(VM_ID)))
		return NULL;
	memset(phys_to_virt(*p), 0, PAGE_SIZE);
	if (iommu_s2_map(d, gpa(g), *p, PAGE_SIZE, PT_PROT_R | PT_PROT_W))
		return NULL;
	return phys_to_virt(*p);
}

/* 7.6.1: disable, admin queues at guest-physical addresses, enable. */
static int nv_enable(struct nvtest *st, struct iommu_domain *d)
{
	paddr_t p;
	int err;

	st->dstrd = (u32)(mmio_read64(st->bar + NVME_CAP) >> 32) & 0xf;
	mmio_write32(st->bar + NVME_CC, 0);
	if ((err = nv_wait(st, CSTS_RDY, 0)))
		return err;
	st->sq = nv_page(st, d, GPA_SQ, &p);
	st->cq = nv_page(st, d, GPA_CQ, &p);
	st->buf = nv_page(st, d, GPA_BUF, &st->buf_pa);
	if (!st->sq || !st->cq || !st->buf)
		return -E_NOMEM;
	mmio_write32(st->bar + NVME_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
	mmio_write64(st->bar + NVME_ASQ, GPA_SQ);
	mmio_write64(st->bar + NVME_ACQ, GPA_CQ);
	mmio_write32(st->bar + NVME_CC, CC_EN | CC_IOSQES_64 | CC_IOCQES_16);
	st->phase = 1;
	return nv_wait(st, CSTS_RDY, CSTS_RDY);
}

/* Identify controller (CNS 1) into GPA_BUF; returns the completion status field. */
static int nv_identify(struct nvtest *st, u16 *status)
{
	u32 *cmd = (u32 *)(st->sq + st->tail * 64), *cqe;
	u64 start = arch_time_ns();

	memset(cmd, 0, 64);
	cmd[0] = OPC_IDENTIFY | (u32)++st->cid << 16;
	*(u64 *)&cmd[6] = GPA_BUF; /* PRP1 */
	cmd[10] = 1;		   /* CNS: the controller */
	st->tail = (st->tail + 1) % QDEPTH;
	mmio_write32(st->bar + NVME_DB, st->tail);
	cqe = (u32 *)(st->cq + st->head * 16);
	while (((__atomic_load_n(&cqe[3], __ATOMIC_ACQUIRE) >> 16) & 1) != st->phase) {
		if (arch_time_ns() - start > NVME_TIMEOUT_NS)
			return -E_TIMEOUT;
		cpu_relax();
	}
	*status = (u16)(cqe[3] >> 17);
	if (++st->head == QDEPTH)
		st->head = 0, st->phase ^= 1;
	mmio_write32(st->bar + NVME_DB + (4u << st->dstrd), st->head);
	return 0;
}

static int nv_run(struct nvtest *st, struct iommu_domain *d)
{
	u16 status, vid = pci_cfg_read16(st->dev->host, st->dev->bdf, PCI_VENDOR_ID);
	int err;

	if ((err = iommu_attach(d, st->rid, IOMMU_NO_PASID)) || (err = nv_enable(st, d)) ||
	    (err = nv_identify(st, &status)))
		return err;
	NVME_CHECK(st, !status && *(u16 *)st->buf == vid, "identify: status 0x%x, VID 0x%x", status,
		   *(u16 *)st->buf);
	nv_info(st,
		"identify: GPA 0x%llx -> PA 0x%llx: controller data (VID 0x%04x) landed in the "
		"VM's RAM",
		(unsigned long long)GPA_BUF, (unsigned long long)st->buf_pa.v, *(u16 *)st->buf);
	if ((err = iommu_s2_unmap(d, gpa(GPA_BUF), PAGE_SIZE)))
		return err;
	memset(st->buf, 0, PAGE_SIZE);
	if ((err = nv_identify(st, &status)))
		return err;
	/* QEMU's controller ignores the failed DMA (status 0): the page is what counts */
	NVME_CHECK(st, *(u16 *)st->buf == 0, "unshare: Identify wrote the unshared page");
	nv_info(st, "unshare: Identify completed (status 0x%x), the unshared page untouched",
		status);
	st->t->after_unshare(st);
	mmio_write32(st->bar + NVME_CC, 0);
	return nv_wait(st, CSTS_RDY, 0);
}

int nvme_selftest_run(struct moat_ctx *ctx, const struct nvme_selftest *t)
{
	static struct iommu_domain d;
	struct nvtest st = { .t = t, .ctx = ctx };
	char name[16];
	int err;

	if (!platform_bootarg(ctx->plat, "moat.selftest", name, sizeof(name)) ||
	    strcmp(name, t->name))
		return 0;
	for (unsigned i = 0; i < iommu_unit_count(); i++)
		if (iommu_unit(i)->drv == t->driver())
			st.u = iommu_unit(i);
	err = st.u ? nv_find(&st) : -E_NODEV;
	if (!err && !(err = iommu_domain_s2_init(&d, st.u, 48))) {
		d.owner = VM_ID;
		nv_info(&st, "NVMe at %s 0x%x; VM %u view: %s %u", t->rid_word, st.rid, VM_ID,
			t->did_word, d.tags.did);
		err = nv_run(&st, &d);
	}
	if (err)
		nv_err(&st, "aborted: %s", err_str(err));
	if (err || st.failed) {
		nv_err(&st, "FAIL (%d check(s) failed)", st.failed);
		arch_halt(false);
	}
	nv_info(&st, "PASS");
	arch_halt(true);
}
