// SPDX-License-Identifier: MIT
/*
 * Device-assignment cases of a VM with one plain vdev (dev_cases.h), the same source on every
 * arch. edu (QEMU hw/misc/edu.c, its specification in docs/specs/edu.rst): a DMA engine that
 * moves up to 4 KiB between RAM and a device buffer at 0x40000 (registers 0x80 source, 0x88
 * destination, 0x90 count, 0x98 command: bit 0 start, bit 1 to RAM), 28-bit addresses. NVMe
 * (NVM Express Base 2.0, section 3.1 registers, 4 and 5 queues and Identify): the admin
 * queue pair in shared RAM and Identify Controller written where the case asks.
 */
#include "tests/guests/dev_cases.h"

#include <stdbool.h>

#include "tests/guests/guest_check.h"
#include "tests/guests/guest_out.h"

volatile uint64_t dev_fault_irqs;
volatile uint64_t dev_msi_irqs;

/* Offsets in the plan's shared RAM. */
#define S_LIST 0x00000ul
#define S_FQ 0x10000ul
#define S_SRC 0x20000ul
#define S_DST 0x21000ul
#define S_SQ 0x30000ul
#define S_CQ 0x31000ul
#define S_ID 0x32000ul

static const struct dev_plan *pl;
static struct moat_vdev_info dev;
static bool faults_expected = true;
static char line[160];

static void emit(char *p)
{
	*p++ = '\n';
	*p = 0;
	say(line);
}

static uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static void fill(uint64_t a, uint8_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		((volatile uint8_t *)a)[i] = v;
}

/* Bytes of [a, a + n) that are no longer `v`. */
static unsigned touched(uint64_t a, uint8_t v, unsigned n)
{
	unsigned t = 0;

	for (unsigned i = 0; i < n; i++)
		t += ((volatile uint8_t *)a)[i] != v;
	return t;
}

static struct moat_ret hc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct moat_ret r;

	for (unsigned i = 0; i < 10000; i++)
		if ((r = moat_call(fn, a1, a2, a3, 0, 0, 0)).status != MOAT_BUSY)
			break;
	return r;
}

static void fault_queue_drain(void)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(pl->shared + S_FQ);

	dev_fault_irqs = 0;
	q->head = q->tail;
}

/*
 * The DMA the case just made must have faulted: a record for this vdev at `iova` (a page
 * address: VT-d records page frames), stage 2, translation, and its interrupt.
 */
static void fault_expect(const char *what, uint64_t iova, unsigned access)
{
	struct moat_fault_queue *q = (struct moat_fault_queue *)(pl->shared + S_FQ);
	uint64_t end = dev_now_ms() + 3000;
	const struct moat_fault *f;
	char *p;

	if (!faults_expected)
		return;
	while ((!dev_fault_irqs || q->tail == q->head) && dev_now_ms() < end)
		dev_idle();
	check(what, q->tail != q->head, 1);
	check("fault interrupt", dev_fault_irqs > 0, 1);
	if (q->tail == q->head)
		return;
	f = &q->rec[q->head % q->nslots];
	check("fault record's vdev", f->vdev, dev.handle);
	check("fault address", (int64_t)(f->addr & ~0xfffull), (int64_t)iova);
	check("stage-2 translation fault", f->stage << 8 | f->kind, 2 << 8 | 1);
	check("fault access (bit 0 read, bit 1 write)", f->access & 3, access);
	p = put_str(line, "  fault queue: vdev ");
	p = put_hex(p, f->vdev);
	p = put_str(p, ", IOVA ");
	p = put_hex(p, f->addr);
	p = put_str(p, f->access & 2 ? ", write" : ", read");
	p = put_str(p, ", stage 2, kind 1 (translation)");
	emit(p);
	fault_queue_drain();
}

/* The vdev list (one function, no TDI) and the virtual ECAM's view of it. */
static bool dev_find(void)
{
	struct moat_vdev_info *vi = (struct moat_vdev_info *)(pl->shared + S_LIST);
	struct moat_ret r = hc(MOAT_HC_VDEV_LIST, (uint64_t)vi, 4 * sizeof(*vi), 0);
	uint64_t cfg;
	char *p;

	check("vdev list", r.status, MOAT_OK);
	check("one vdev", (int64_t)r.r1, 1);
	if (r.status != MOAT_OK || r.r1 < 1)
		return false;
	dev = *vi;
	check("no TDI", dev.tdi_state, MOAT_TDI_NONE);
	cfg = MOAT_GPA_ECAM + ((uint64_t)dev.vbdf << 12);
	check("virtual ECAM IDs", rd32(cfg), (int64_t)((uint32_t)dev.device << 16 | dev.vendor));
	check("virtual ECAM: nothing at the next device", rd32(cfg + 0x8000), 0xffffffff);
	p = put_str(line, "vdev ");
	p = put_hex(p, dev.handle);
	p = put_str(p, ": ");
	p = put_hex(p, dev.vendor);
	p = put_str(p, ":");
	p = put_hex(p, dev.device);
	p = put_str(p, ", BAR0 at ");
	p = put_hex(p, dev.bar_gpa[0]);
	p = put_str(p, ", no TDI");
	emit(p);
	return true;
}

static void fault_queue_register(void)
{
	check("fault queue", hc(MOAT_HC_VIOMMU_FAULTQ, pl->shared + S_FQ, pl->intid, 0).status,
	      MOAT_OK);
	dev_irq_enable(pl->intid);
	fault_queue_drain();
}

/* ---- edu ------------------------------------------------------------------------------- */

#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_START 1u
#define EDU_TO_RAM 2u
#define EDU_BUF 0x40000ul
#define EDU_LEN 64u

/* One edu DMA (100 ms of virtual time in QEMU), bounded: 0 once the engine is idle again. */
static int edu_dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
	volatile uint64_t *r = (volatile uint64_t *)dev.bar_gpa[0];
	uint64_t end = dev_now_ms() + 3000;

	r[EDU_DMA_SRC / 8] = src;
	r[EDU_DMA_DST / 8] = dst;
	r[EDU_DMA_CNT / 8] = EDU_LEN;
	r[EDU_DMA_CMD / 8] = cmd | EDU_START;
	while ((r[EDU_DMA_CMD / 8] & EDU_START) && dev_now_ms() < end)
		;
	return (r[EDU_DMA_CMD / 8] & EDU_START) ? -1 : 0;
}

/* edu writes its buffer to `iova`, which must stay untouched and fault. */
static void edu_dma_blocked(const char *what, uint64_t iova, bool in_vm)
{
	if (in_vm)
		fill(iova, 0x5a, EDU_LEN);
	check(what, edu_dma(EDU_BUF, iova, EDU_TO_RAM), 0);
	if (in_vm)
		check("blocked page untouched", touched(iova, 0x5a, EDU_LEN), 0);
	fault_expect("fault recorded", iova, 2);
}

static void edu_shared(void)
{
	int before = failures;

	check("edu ID register", rd32(dev.bar_gpa[0] + EDU_ID), 0x010000ed);
	for (unsigned i = 0; i < EDU_LEN; i++)
		((volatile uint8_t *)(pl->shared + S_SRC))[i] = (uint8_t)(0xc0 + i);
	fill(pl->shared + S_DST, 0, EDU_LEN);
	check("edu DMA from shared RAM", edu_dma(pl->shared + S_SRC, EDU_BUF, 0), 0);
	check("edu DMA to shared RAM", edu_dma(EDU_BUF, pl->shared + S_DST, EDU_TO_RAM), 0);
	check("data arrived", touched(pl->shared + S_DST, 0, EDU_LEN), EDU_LEN);
	for (unsigned i = 0; i < EDU_LEN; i++)
		check("data byte", ((volatile uint8_t *)(pl->shared + S_DST))[i],
		      (uint8_t)(0xc0 + i));
	result("edu DMA through the VM's IOMMU view into its shared RAM", before);
}

/* edu reads a private page (all 0x5a): none of it may reach the device's buffer. */
static void edu_read_blocked(void)
{
	unsigned leaked = 0;

	fill(pl->priv, 0x5a, EDU_LEN);
	check("edu DMA from shared RAM", edu_dma(pl->shared + S_SRC, EDU_BUF, 0), 0);
	check("edu DMA from a private page", edu_dma(pl->priv, EDU_BUF, 0), 0);
	fault_expect("read fault recorded", pl->priv, 1);
	check("edu DMA to shared RAM", edu_dma(EDU_BUF, pl->shared + S_DST, EDU_TO_RAM), 0);
	for (unsigned i = 0; i < EDU_LEN; i++)
		leaked += ((volatile uint8_t *)(pl->shared + S_DST))[i] == 0x5a;
	check("private bytes read by the device", leaked, 0);
}

static void edu_outside(void)
{
	int before = failures;

	edu_dma_blocked("edu DMA to a private page", pl->priv, true);
	edu_read_blocked();
	edu_dma_blocked("edu DMA outside the VM", pl->outside, false);
	result(faults_expected
		       ? "edu DMA outside the VM's view blocked, fault in the VM's queue"
		       : "edu DMA outside the VM's view blocked (memory checked: no records)",
	       before);
}

static void edu_unshare(void)
{
	int before = failures;

	check("share a private page", hc(MOAT_HC_MEM_SHARE, pl->share, 4096, MOAT_SHARE).status,
	      MOAT_OK);
	fill(pl->share, 0x5a, EDU_LEN);
	check("edu DMA to the shared page", edu_dma(EDU_BUF, pl->share, EDU_TO_RAM), 0);
	check("data arrived in the shared page", touched(pl->share, 0x5a, EDU_LEN) > 0, 1);
	check("unshare it", hc(MOAT_HC_MEM_SHARE, pl->share, 4096, MOAT_UNSHARE).status, MOAT_OK);
	edu_dma_blocked("edu DMA to the unshared page", pl->share, true);
	result("MEM_SHARE: a shared page takes DMA, UNSHARE stops it before it returns", before);
}

static void edu_cases(void)
{
	edu_shared();
	edu_outside();
	edu_unshare();
}

/* ---- NVMe ------------------------------------------------------------------------------ */

#define NVME_CAP 0x00
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_QD 8u
#define CC_EN 1u
#define CC_IOSQES_64 (6u << 16)
#define CC_IOCQES_16 (4u << 20)
#define CSTS_RDY 1u
#define CSTS_CFS 2u

static struct {
	uint64_t bar, db_stride;
	unsigned sq_tail, cq_head, phase;
	uint16_t cid;
	uint32_t timeout_ms; /* CAP.TO: worst-case ready transition */
} nv;

static int nvme_ready(uint32_t want)
{
	uint64_t end = dev_now_ms() + nv.timeout_ms;

	while ((rd32(nv.bar + NVME_CSTS) & CSTS_RDY) != want && dev_now_ms() < end)
		;
	return (rd32(nv.bar + NVME_CSTS) & CSTS_RDY) == want ? 0 : -1;
}

static int nvme_enable(void)
{
	uint64_t cap = rd32(nv.bar + NVME_CAP) | (uint64_t)rd32(nv.bar + NVME_CAP + 4) << 32;
	uint64_t sq = pl->shared + S_SQ, cq = pl->shared + S_CQ;

	nv.db_stride = 4ull << ((cap >> 32) & 0xf);
	nv.timeout_ms = (uint32_t)(((cap >> 24) & 0xff) + 1) * 500;
	wr32(nv.bar + NVME_CC, 0);
	if (nvme_ready(0))
		return -1;
	fill(sq, 0, 4096);
	fill(cq, 0, 4096);
	wr32(nv.bar + NVME_AQA, (NVME_QD - 1) << 16 | (NVME_QD - 1));
	wr32(nv.bar + NVME_ASQ, (uint32_t)sq);
	wr32(nv.bar + NVME_ASQ + 4, (uint32_t)(sq >> 32));
	wr32(nv.bar + NVME_ACQ, (uint32_t)cq);
	wr32(nv.bar + NVME_ACQ + 4, (uint32_t)(cq >> 32));
	nv.sq_tail = nv.cq_head = 0;
	nv.phase = 1;
	wr32(nv.bar + NVME_CC, CC_EN | CC_IOSQES_64 | CC_IOCQES_16);
	return nvme_ready(CSTS_RDY);
}

/* Identify Controller (opcode 0x06, CNS 1) into `buf`, submitted: the doorbell rung. */
static void nvme_identify_submit(uint64_t buf)
{
	volatile uint32_t *sqe = (volatile uint32_t *)(pl->shared + S_SQ + 64ull * nv.sq_tail);

	for (unsigned i = 0; i < 16; i++)
		sqe[i] = 0;
	sqe[0] = 0x06u | (uint32_t)++nv.cid << 16;
	sqe[6] = (uint32_t)buf;
	sqe[7] = (uint32_t)(buf >> 32);
	sqe[10] = 1;
	nv.sq_tail = (nv.sq_tail + 1) % NVME_QD;
	wr32(nv.bar + 0x1000, nv.sq_tail);
}

/* The completion of the command submitted last: its status, -1 on timeout. */
static int nvme_reap(void)
{
	volatile uint32_t *cqe = (volatile uint32_t *)(pl->shared + S_CQ + 16ull * nv.cq_head);
	uint64_t end = dev_now_ms() + 3000;

	while (((cqe[3] >> 16) & 1) != nv.phase && dev_now_ms() < end)
		;
	if (((cqe[3] >> 16) & 1) != nv.phase)
		return -1;
	if (++nv.cq_head == NVME_QD)
		nv.cq_head = 0, nv.phase ^= 1;
	wr32(nv.bar + 0x1000 + nv.db_stride, nv.cq_head);
	return (int)(cqe[3] >> 17);
}

static void nvme_identify_submit_id(void)
{
	nvme_identify_submit(pl->shared + S_ID);
}

static int nvme_identify(uint64_t buf)
{
	nvme_identify_submit(buf);
	return nvme_reap();
}

/* Identify into a page it must not reach: it completes (QEMU 10.0 reports success for the
 * dropped write), the page untouched. */
static void nvme_blocked(const char *what, uint64_t page)
{
	fill(page, 0x5a, 4096);
	check(what, nvme_identify(page) >= 0, 1);
	check("blocked page untouched", touched(page, 0x5a, 4096), 0);
	fault_expect("fault recorded", page, 2);
}

static void nvme_cases(void)
{
	uint64_t id = pl->shared + S_ID;
	int before = failures;

	nv.bar = dev.bar_gpa[0];
	check("NVMe enable (admin queues in shared RAM)", nvme_enable(), 0);
	fill(id, 0, 4096);
	check("Identify into shared RAM", nvme_identify(id), 0);
	check("controller data: PCI vendor ID", *(volatile uint16_t *)id, dev.vendor);
	result("NVMe Identify through the VM's IOMMU view into its shared RAM", before);
	before = failures;
	nvme_blocked("Identify into a private page", pl->priv);
	result(faults_expected
		       ? "NVMe DMA outside the VM's view blocked, fault in the VM's queue"
		       : "NVMe DMA outside the VM's view blocked (memory checked: no records)",
	       before);
	before = failures;
	check("share a private page", hc(MOAT_HC_MEM_SHARE, pl->share, 4096, MOAT_SHARE).status,
	      MOAT_OK);
	fill(pl->share, 0, 4096);
	check("Identify into the shared page", nvme_identify(pl->share), 0);
	check("controller data in the shared page", *(volatile uint16_t *)pl->share, dev.vendor);
	check("unshare it", hc(MOAT_HC_MEM_SHARE, pl->share, 4096, MOAT_UNSHARE).status, MOAT_OK);
	nvme_blocked("Identify into the unshared page", pl->share);
	check("controller still healthy", rd32(nv.bar + NVME_CSTS) & CSTS_CFS, 0);
	result("MEM_SHARE: a shared page takes DMA, UNSHARE stops it before it returns", before);
}

/* ---- MSI-X (NVMe): the admin completion interrupt as the guest's own vector ------------ */

#define PCI_CAP_MSIX 0x11
#define MSIX_ENABLE (1u << 31) /* Message Control bit 15, in the capability's first dword */
#define MSIX_MASKED 1u

static uint16_t cap_find(uint64_t cfg, uint8_t id)
{
	uint16_t off = rd32(cfg + 0x34) & 0xfc;

	for (unsigned n = 0; off >= 0x40 && n < 48; n++) {
		uint32_t hdr = rd32(cfg + off);

		if ((hdr & 0xff) == id)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* Waits up to `ms` for the MSI count to reach `want`, interrupts on in short windows. */
static uint64_t msi_wait(uint64_t want, unsigned ms)
{
	uint64_t end = dev_now_ms() + ms;

	while (dev_msi_irqs < want && dev_now_ms() < end)
		dev_idle();
	return dev_msi_irqs;
}

/*
 * Vector 0 of the function carries the guest's message (the only entry it writes); MSI-X is
 * enabled before the controller, which then signals its admin completions by MSI-X. Moat
 * gives the physical vector its own message through interrupt remapping: the completion must
 * arrive as the guest's vector, not while the guest masks it, and once unmasked.
 */
static void nvme_msix(void)
{
	uint64_t cfg = MOAT_GPA_ECAM + ((uint64_t)dev.vbdf << 12), tab, id = pl->shared + S_ID;
	uint16_t cap = cap_find(cfg, PCI_CAP_MSIX);
	uint32_t lo, hi, data, t;
	int before = failures;

	check("MSI-X capability on the virtual ECAM", cap != 0, 1);
	if (!cap)
		return;
	t = rd32(cfg + cap + 4);
	check("MSI-X table in BAR0", t & 7, 0);
	tab = dev.bar_gpa[0] + (t & ~7u);
	dev_msi_message(pl->msi_vector, &lo, &hi, &data);
	wr32(nv.bar + NVME_CC, 0);
	check("controller disabled for the set-up", nvme_ready(0), 0);
	wr32(tab + 0, lo);
	wr32(tab + 4, hi);
	wr32(tab + 8, data);
	wr32(tab + 12, 0);
	wr32(cfg + cap, rd32(cfg + cap) | MSIX_ENABLE);
	check("MSI-X enabled", rd32(cfg + cap) & MSIX_ENABLE, MSIX_ENABLE);
	check("NVMe enable with MSI-X", nvme_enable(), 0);
	dev_msi_irqs = 0;
	check("Identify, completion by MSI-X", nvme_identify(id), 0);
	check("completion interrupt arrived as the guest's vector", msi_wait(1, 2000) >= 1, 1);
	/* a halted vCPU: the interrupt wakes it at once, long before the guest's own timer */
	dev_msi_irqs = 0;
	t = (uint32_t)dev_halt_ms(1000, nvme_identify_submit_id);
	check("a halted vCPU woken by the completion interrupt", dev_msi_irqs, 1);
	check("woken well before its own timer (ms < 500)", t < 500, 1);
	check("that completion", nvme_reap(), 0);
	/* masked by the guest: the function holds the message, nothing arrives */
	wr32(tab + 12, MSIX_MASKED);
	dev_msi_irqs = 0;
	check("Identify with the vector masked", nvme_identify(id), 0);
	check("no interrupt while masked", msi_wait(1, 200), 0);
	/* unmasked: the pending message goes out (PCIe 6.1.4.5) */
	wr32(tab + 12, 0);
	check("the pending completion interrupt once unmasked", msi_wait(1, 2000) >= 1, 1);
	/* entries that are not the VM's own keep the function's vector masked: an exception
	 * vector, then a remappable-format address (the guest has no interrupt remapping) */
	wr32(tab + 12, MSIX_MASKED);
	wr32(tab + 8, 0x10);
	wr32(tab + 12, 0);
	dev_msi_irqs = 0;
	check("Identify, the entry naming vector 0x10", nvme_identify(id), 0);
	check("no interrupt for it", msi_wait(1, 200), 0);
	wr32(tab + 12, MSIX_MASKED);
	wr32(tab + 8, data);
	wr32(tab + 0, lo | 1u << 4);
	wr32(tab + 12, 0);
	check("Identify, the entry in remappable format", nvme_identify(id), 0);
	check("no interrupt for it", msi_wait(1, 200), 0);
	/* the guest's own message again: what the function held goes out */
	wr32(tab + 12, MSIX_MASKED);
	wr32(tab + 0, lo);
	wr32(tab + 12, 0);
	check("the held completion interrupt once the entry is the VM's", msi_wait(1, 2000) >= 1,
	      1);
	result("NVMe completion interrupt by MSI-X through interrupt remapping, as the guest's "
	       "vector",
	       before);
}

void dev_cases(const struct moat_vm_info *info, const struct dev_plan *plan)
{
	pl = plan;
	faults_expected = !plan->no_records;
	(void)info;
	if (!dev_find())
		return;
	fault_queue_register();
	if (dev.vendor == 0x1234 && dev.device == 0x11e8)
		edu_cases();
	else if (dev.vendor == 0x1b36 && dev.device == 0x0010) {
		nvme_cases();
		if (plan->msi_vector)
			nvme_msix();
	} else
		check("a device the cases know", 0, 1);
}
