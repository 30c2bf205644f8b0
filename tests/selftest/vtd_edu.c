// SPDX-License-Identifier: MIT
/*
 * moat.selftest=vtd (test image only: issue 15 item 6). Until x86 VMs own devices in the
 * production image, it plays the VM's part itself: a nesting
 * parent for VM 1's guest-physical view on QEMU's intel-iommu (second stage with
 * x-scalable-mode=on, the same Moat-owned table in the first-stage format with x-flts=on),
 * QEMU's edu attached to it, and edu DMA (hw/misc/edu.c: registers at BAR0 + 0x80..0x98, a
 * 4 KiB buffer at device address 0x40000) checked four ways: data reaches the VM's RAM at the
 * translated address; DMA outside the view faults with the right reason and the record
 * lands in VM 1's fault ring; a page unshared by iommu_s2_unmap() takes no DMA once the call
 * returned; a remap is seen by the next DMA. Prints PASS or FAIL and powers off.
 */
#define LOG_COMPONENT "vtd-test"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/init.h"
#include "core/log.h"
#include "core/own.h"
#include "iommu/vtd/vtd.h"
#include "lib/err.h"
#include "tests/selftest/edu.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define VM_ID 1
#define GPA_SRC 0x1000000ULL /* below edu's default 28-bit DMA mask */
#define GPA_DST (GPA_SRC + 0x1000)
#define GPA_HOLE (GPA_SRC + 0x10000)

struct vtdtest {
	struct moat_ctx *ctx;
	struct iommu *u;
	struct edu edu;
	u8 *lapic;
	bool fl;
	int failed;
};

#define CHECK(st, cond, ...)                 \
	do {                                 \
		if (!(cond)) {               \
			pr_err(__VA_ARGS__); \
			(st)->failed++;      \
		}                            \
	} while (0)

static u8 *page_new(struct vtdtest *st, paddr_t *p, u8 fill)
{
	/* the page is the stand-in VM's before its domain may map it (core/own.h) */
	if (frame_alloc_one(st->ctx->frames, p) ||
	    own_transfer(*p, PAGE_SIZE, own_moat(), own_vm(VM_ID)))
		return NULL;
	memset(phys_to_virt(*p), fill, PAGE_SIZE);
	return phys_to_virt(*p);
}

/* The edu's newest fault record, drained from the unit (false if none). */
static bool fault_take(struct vtdtest *st, struct iommu_fault *got)
{
	struct iommu_fault f;
	bool found = false;

	CHECK(st, !st->u->drv->ops->fault_poll(st->u), "fault poll failed");
	while (!iommu_fault_pop(st->u, &f))
		if (f.tag == st->edu.rid)
			*got = f, found = true;
	return found;
}

static void fault_expect(struct vtdtest *st, const char *what, u64 addr)
{
	struct iommu_fault got = { 0 };
	bool found = fault_take(st, &got);
	u32 want = st->fl ? 0x71 : 0x05; /* first stage: P clear; second stage: write */

	CHECK(st, found, "%s: no fault record for the edu", what);
	if (!found)
		return;
	CHECK(st,
	      got.vendor_code == want && got.addr == addr && got.owner == VM_ID &&
		      got.stage == IOMMU_FAULT_S2 && (got.access & IOMMU_FAULT_WRITE),
	      "%s: unexpected fault: reason 0x%x owner %u stage %u addr 0x%llx", what,
	      got.vendor_code, got.owner, got.stage, (unsigned long long)got.addr);
	pr_info("%s: fault reason 0x%x rid 0x%x owner %u addr 0x%llx", what, got.vendor_code,
		got.rid, got.owner, (unsigned long long)got.addr);
}

static int share(struct iommu_domain *d, u64 g, paddr_t p)
{
	return iommu_s2_map(d, gpa(g), p, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
}

/* Unshared: the call returns only once no DMA can reach the page (invalidation waited). */
static int phase_unshare(struct vtdtest *st, struct iommu_domain *d, u8 *pd)
{
	paddr_t d2;
	u8 *p2 = page_new(st, &d2, 0);
	int err = iommu_s2_unmap(d, gpa(GPA_DST), PAGE_SIZE);

	if (err || !p2)
		return err ? err : -E_NOMEM;
	memset(pd, 0, PAGE_SIZE);
	if ((err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	CHECK(st, edu_page_has(pd, 0), "unshare: DMA reached the page after iommu_s2_unmap()");
	fault_expect(st, "unshare: DMA to the unshared page", GPA_DST);
	if ((err = share(d, GPA_DST, d2)) || (err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	CHECK(st, edu_page_has(p2, 0x5a), "remap: DMA did not reach the new page");
	pr_info("remap: GPA 0x%llx -> PA 0x%llx: seen by the next DMA", (unsigned long long)GPA_DST,
		(unsigned long long)d2.v);
	return 0;
}

static int phase_s2(struct vtdtest *st, struct iommu_domain *d)
{
	paddr_t src, dst;
	u8 *ps = page_new(st, &src, 0x5a), *pd = page_new(st, &dst, 0);
	int err;

	if (!ps || !pd)
		return -E_NOMEM;
	if ((err = share(d, GPA_SRC, src)) || (err = share(d, GPA_DST, dst)) ||
	    (err = iommu_attach(d, st->edu.rid, IOMMU_NO_PASID)) ||
	    (err = edu_copy(&st->edu, GPA_SRC, GPA_DST)))
		return err;
	CHECK(st, edu_page_has(pd, 0x5a), "s2: data did not land at the translated address");
	pr_info("%s: GPA 0x%llx -> PA 0x%llx: data landed in the VM's RAM",
		st->fl ? "first stage" : "second stage", (unsigned long long)GPA_DST,
		(unsigned long long)dst.v);
	if ((err = edu_dma(&st->edu, EDU_BUF, GPA_HOLE, true)))
		return err;
	fault_expect(st, "outside: DMA outside the VM's view", GPA_HOLE);
	if ((err = phase_unshare(st, d, pd)))
		return err;
	return iommu_detach(d, st->edu.rid, IOMMU_NO_PASID);
}

/* ---- interrupt remapping: edu's MSI, seen in the local APIC's IRR (interrupts stay off) ---- */

#define LAPIC_BASE 0xfee00000ULL
#define LAPIC_ID 0x20
#define LAPIC_SVR 0xf0
#define LAPIC_IRR 0x200
#define PCI_CAP_MSI 0x05
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define IR_VECTOR 0x61
#define IR_ROGUE 0x62
#define IRR_WAIT_NS 200000000ULL

static bool irr_has(struct vtdtest *st, u8 vec)
{
	return (mmio_read32(st->lapic + LAPIC_IRR + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

/* Programs edu's (64-bit) MSI capability with (addr, data), raises its interrupt and waits. */
static bool edu_msi(struct vtdtest *st, u64 addr, u32 data, u8 vec)
{
	struct pci_dev *d = st->edu.dev;
	u16 cap = pci_find_cap(d->host, d->bdf, PCI_CAP_MSI);
	u64 start;

	pci_cfg_write16(d->host, d->bdf, cap + 2, 0);
	pci_cfg_write32(d->host, d->bdf, cap + 4, (u32)addr);
	pci_cfg_write32(d->host, d->bdf, cap + 8, (u32)(addr >> 32));
	pci_cfg_write16(d->host, d->bdf, cap + 12, (u16)data);
	pci_cfg_write16(d->host, d->bdf, cap + 2, 1);
	mmio_write32(st->edu.bar + EDU_IRQ_RAISE, 1);
	mmio_write32(st->edu.bar + EDU_IRQ_ACK, 1);
	for (start = arch_time_ns(); arch_time_ns() - start < IRR_WAIT_NS; cpu_relax())
		if (irr_has(st, vec))
			return true;
	return false;
}

static u32 irr_sum(struct vtdtest *st)
{
	u32 x = 0;

	for (unsigned i = 0; i < 8; i++) /* each pending vector adds its own bit pattern */
		x += mmio_read32(st->lapic + LAPIC_IRR + 0x10 * i) * (2 * i + 1);
	return x;
}

/* An MSI the unit must block: nothing new pending in the APIC, fault `fr` for the edu. */
static void ir_blocked(struct vtdtest *st, const char *what, u64 addr, u32 data, u32 fr)
{
	struct iommu_fault f = { 0 };
	u32 before = irr_sum(st);
	bool found;

	(void)edu_msi(st, addr, data, IR_ROGUE);
	found = fault_take(st, &f);
	CHECK(st, irr_sum(st) == before, "%s: an interrupt was delivered", what);
	CHECK(st, found && f.vendor_code == fr, "%s: no fault 0x%x for the edu (0x%x)", what, fr,
	      found ? f.vendor_code : 0);
	pr_info("%s: blocked, fault reason 0x%x", what, f.vendor_code);
}

/*
 * A compatibility-format MSI: Moat never sets GCMD.CFI, so the spec blocks it (fault 0x25,
 * checked on the model); QEMU 10.0 was seen to deliver it anyway, so this only reports.
 */
static void ir_compat(struct vtdtest *st, u32 dest)
{
	bool cfis = vtd_read32(&vtd_unit_of(st->u)->dev, 0x1c) & (1u << 23);
	bool delivered = edu_msi(st, LAPIC_BASE | dest << 12, IR_ROGUE, IR_ROGUE);
	struct iommu_fault f = { 0 };
	bool found = fault_take(st, &f);

	CHECK(st, !cfis, "ir: GSTS.CFIS set: compatibility-format interrupts allowed");
	pr_info("ir: compatibility-format MSI with GSTS.CFIS clear: %s (fault 0x%x)",
		delivered ? "delivered by the platform" : "blocked", found ? f.vendor_code : 0);
}

static int phase_ir(struct vtdtest *st)
{
	struct vtd_irq_req r = { .sid = (u16)st->edu.rid, .owner = VM_ID, .vector = IR_VECTOR };
	u32 h, data;
	u64 addr;
	int err;

	if (!vtd_unit_of(st->u)->dev.irt ||
	    !pci_find_cap(st->edu.dev->host, st->edu.dev->bdf, PCI_CAP_MSI))
		return -E_NOTSUP;
	if (!(st->lapic = arch_map_device(pa(LAPIC_BASE), PAGE_SIZE)))
		return -E_NOMEM;
	mmio_write32(st->lapic + LAPIC_SVR, mmio_read32(st->lapic + LAPIC_SVR) | 0x1ff);
	r.dest = mmio_read32(st->lapic + LAPIC_ID) >> 24;
	r.allowed = 1ULL << r.dest;
	if ((err = vtd_irte_alloc(st->u, &r, &h)))
		return err;
	vtd_msi_compose(h, &addr, &data);
	CHECK(st, edu_msi(st, addr, data, IR_VECTOR), "ir: the remapped MSI did not arrive");
	pr_info("ir: IRTE %u: edu's MSI arrived as vector 0x%x on APIC %u", h, IR_VECTOR, r.dest);
	vtd_msi_compose(h + 1, &addr, &data);
	ir_blocked(st, "ir: a handle Moat did not hand out", addr, data, 0x22);
	if ((err = vtd_irte_free(st->u, h, VM_ID)))
		return err;
	vtd_msi_compose(h, &addr, &data);
	ir_blocked(st, "ir: the freed IRTE", addr, data, 0x22);
	ir_compat(st, r.dest);
	return 0;
}

static struct iommu *vtdtest_unit(void)
{
	for (unsigned i = 0; i < iommu_unit_count(); i++)
		if (iommu_unit(i)->drv == vtd_driver())
			return iommu_unit(i);
	return NULL;
}

static int vtdtest_run(struct vtdtest *st)
{
	static struct iommu_domain d;
	int err;

	if (!(st->u = vtdtest_unit())) {
		pr_err("no VT-d unit (-device intel-iommu,x-scalable-mode=on)");
		return -E_NODEV;
	}
	st->fl = !vtd_unit_of(st->u)->dev.sl;
	if ((err = edu_find(&st->edu, LOG_COMPONENT)) ||
	    (err = iommu_domain_s2_init(&d, st->u, 48)))
		return err;
	d.owner = VM_ID;
	pr_info("edu at rid 0x%x; VM %u view: DID %u, %s table", st->edu.rid, VM_ID, d.tags.did,
		pt_format_name(d.s2.cfg.fmt));
	if ((err = phase_s2(st, &d)) || (err = phase_ir(st)))
		return err;
	return iommu_domain_fini(&d);
}

static int vtd_selftest(struct moat_ctx *ctx)
{
	struct vtdtest st = { .ctx = ctx };
	char name[16];
	int err;

	if (!platform_bootarg(ctx->plat, "moat.selftest", name, sizeof(name)) ||
	    strcmp(name, "vtd"))
		return 0;
	err = vtdtest_run(&st);
	if (err)
		pr_err("aborted: %s", err_str(err));
	if (err || st.failed) {
		pr_err("FAIL (%d check(s) failed)", st.failed);
		arch_halt(false);
	}
	pr_info("PASS");
	arch_halt(true);
}

MOAT_UNIT("vtd-selftest", INIT_LATE, vtd_selftest);
