// SPDX-License-Identifier: MIT
/*
 * moat.selftest=amdvi (test image only). Until x86 VMs own devices in the production image,
 * it plays the VM's part itself: a v1 nesting parent for VM 1's guest-physical view on QEMU's
 * amd-iommu (pt=off: with the default QEMU 10.0 never translates), QEMU's edu attached to
 * it, and edu DMA (hw/misc/edu.c: registers at BAR0 + 0x80..0x98, a 4 KiB buffer at device
 * address 0x40000) checked: data reaches the VM's RAM at the translated address; DMA outside
 * the view is blocked, which QEMU shows only in memory (its event log writes nothing: a write
 * is dropped, a read returns zeros); a page unshared by iommu_s2_unmap() takes no DMA once
 * the call returned; a remap is seen by the next DMA; a remap done behind the driver's back
 * (no INVALIDATE_IOMMU_PAGES) leaves the stale translation in use until the driver's flush.
 * With intremap=on: edu's MSI through a Moat-owned IRTE arrives as its vector (seen in the
 * local APIC's IRR, interrupts off); an entry Moat did not set, an index beyond the table and
 * a freed entry deliver nothing. Prints PASS or FAIL and powers off.
 */
#define LOG_COMPONENT "amdvi-test"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/init.h"
#include "core/log.h"
#include "core/own.h"
#include "iommu/amdvi/amdvi.h"
#include "lib/err.h"
#include "tests/selftest/edu.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define VM_ID 1
#define GPA_SRC 0x1000000ULL /* below edu's default 28-bit DMA mask */
#define GPA_DST (GPA_SRC + 0x1000)

struct amdtest {
	struct moat_ctx *ctx;
	struct iommu *u;
	struct edu edu;
	int failed;
};

#define CHECK(st, cond, ...)                 \
	do {                                 \
		if (!(cond)) {               \
			pr_err(__VA_ARGS__); \
			(st)->failed++;      \
		}                            \
	} while (0)

/* A fresh page; `vm`: the stand-in VM's (core/own.h), else Moat's own. */
static u8 *page_new(struct amdtest *st, paddr_t *p, u8 fill, bool vm)
{
	if (frame_alloc_one(st->ctx->frames, p) ||
	    (vm && own_transfer(*p, PAGE_SIZE, own_moat(), own_vm(VM_ID))))
		return NULL;
	memset(phys_to_virt(*p), fill, PAGE_SIZE);
	return phys_to_virt(*p);
}

/* QEMU 10.0 logs no event; a unit that does must name the edu and VM 1. */
static void events_report(struct amdtest *st, const char *what)
{
	struct iommu_fault f;
	unsigned n = 0;

	CHECK(st, !st->u->drv->ops->fault_poll(st->u), "event poll failed");
	while (!iommu_fault_pop(st->u, &f)) {
		CHECK(st, f.tag == st->edu.rid && f.owner == VM_ID, "%s: event for 0x%x owner %u",
		      what, f.tag, f.owner);
		n++;
	}
	if (n)
		pr_info("%s: %u event(s) for the edu in VM %u's ring", what, n, VM_ID);
}

static int share(struct iommu_domain *d, u64 g, paddr_t p)
{
	return iommu_s2_map(d, gpa(g), p, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
}

/*
 * Outside the view: a Moat page, addressed by its own physical address (what QEMU's default
 * pt=on would reach), neither written nor read: the write is dropped, the read gives zeros.
 */
static int phase_outside(struct amdtest *st, u8 *pd)
{
	paddr_t m;
	u8 *pm = page_new(st, &m, 0xa5, false);
	int err;

	if (!pm)
		return -E_NOMEM;
	if ((err = edu_dma(&st->edu, EDU_BUF, m.v, true)))
		return err;
	CHECK(st, edu_page_has(pm, 0xa5), "outside: DMA wrote Moat's page at 0x%llx",
	      (unsigned long long)m.v);
	memset(pd, 0xff, PAGE_SIZE);
	if ((err = edu_copy(&st->edu, m.v, GPA_DST)))
		return err;
	CHECK(st, edu_page_has(pd, 0), "outside: DMA read Moat's page at 0x%llx",
	      (unsigned long long)m.v);
	pr_info("outside: DMA to and from PA 0x%llx (not in the view): write dropped, read gave "
		"zeros",
		(unsigned long long)m.v);
	events_report(st, "outside");
	return edu_dma(&st->edu, GPA_SRC, EDU_BUF,
		       false); /* the buffer holds the 0x5a data again */
}

/* Unshared: the call returns only once no DMA can reach the page (invalidation waited). */
static int phase_unshare(struct amdtest *st, struct iommu_domain *d, u8 *pd, paddr_t *d2)
{
	u8 *p2 = page_new(st, d2, 0, true);
	int err = iommu_s2_unmap(d, gpa(GPA_DST), PAGE_SIZE);

	if (err || !p2)
		return err ? err : -E_NOMEM;
	memset(pd, 0, PAGE_SIZE);
	if ((err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	CHECK(st, edu_page_has(pd, 0), "unshare: DMA reached the page after iommu_s2_unmap()");
	pr_info("unshare: DMA to the unshared page: blocked before iommu_s2_unmap() returned");
	events_report(st, "unshare");
	if ((err = share(d, GPA_DST, *d2)) || (err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	CHECK(st, edu_page_has(p2, 0x5a), "remap: DMA did not reach the new page");
	pr_info("remap: GPA 0x%llx -> PA 0x%llx: seen by the next DMA", (unsigned long long)GPA_DST,
		(unsigned long long)d2->v);
	return 0;
}

/*
 * The same remap behind the driver's back (the table changed, no INVALIDATE_IOMMU_PAGES):
 * the unit keeps using the cached translation until the driver flushes the DomainID.
 */
static int phase_stale(struct amdtest *st, struct iommu_domain *d, u8 *p2)
{
	struct pt_gather g;
	paddr_t d3;
	u8 *p3 = page_new(st, &d3, 0, true);
	int err;

	if (!p3)
		return -E_NOMEM;
	pt_gather_init(&g, NULL);
	err = pt_map(&d->s2, GPA_DST, d3, PAGE_SIZE, PT_PROT_R | PT_PROT_W, &g);
	pt_gather_sync(&g, &d->s2);
	memset(p2, 0, PAGE_SIZE);
	if (err || (err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	pr_info("stale: table remapped to PA 0x%llx without invalidation: DMA went to %s",
		(unsigned long long)d3.v,
		edu_page_has(p2, 0x5a) ? "the old page (stale IOTLB entry)"
				       : (edu_page_has(p3, 0x5a) ? "the new page" : "neither"));
	pt_gather_init(&g, NULL);
	g.start = GPA_DST;
	g.end = GPA_DST + PAGE_SIZE;
	g.min_granule = PAGE_SIZE;
	if ((err = st->u->drv->ops->flush_s2(st->u, d, &g)))
		return err;
	memset(p2, 0, PAGE_SIZE);
	if ((err = edu_dma(&st->edu, EDU_BUF, GPA_DST, true)))
		return err;
	CHECK(st, edu_page_has(p3, 0x5a) && edu_page_has(p2, 0),
	      "stale: the flush did not take effect");
	pr_info("stale: after INVALIDATE_IOMMU_PAGES of DomainID %u: DMA reached the new page",
		d->tags.did);
	return 0;
}

static int phase_s2(struct amdtest *st, struct iommu_domain *d)
{
	paddr_t src, dst, d2;
	u8 *ps = page_new(st, &src, 0x5a, true), *pd = page_new(st, &dst, 0, true);
	int err;

	if (!ps || !pd)
		return -E_NOMEM;
	if ((err = share(d, GPA_SRC, src)) || (err = share(d, GPA_DST, dst)) ||
	    (err = iommu_attach(d, st->edu.rid, IOMMU_NO_PASID)) ||
	    (err = edu_copy(&st->edu, GPA_SRC, GPA_DST)))
		return err;
	CHECK(st, edu_page_has(pd, 0x5a), "v1: data did not land at the translated address");
	pr_info("v1: GPA 0x%llx -> PA 0x%llx: data landed in the VM's RAM",
		(unsigned long long)GPA_DST, (unsigned long long)dst.v);
	memset(pd, 0, PAGE_SIZE);
	if ((err = phase_outside(st, pd)) || (err = phase_unshare(st, d, pd, &d2)) ||
	    (err = phase_stale(st, d, phys_to_virt(d2))))
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
#define IRR_WAIT_NS 200000000ULL

static bool irr_has(u8 *lapic, u8 vec)
{
	return (mmio_read32(lapic + LAPIC_IRR + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

static u32 irr_sum(u8 *lapic)
{
	u32 x = 0;

	for (unsigned i = 0; i < 8; i++) /* each pending vector adds its own bit pattern */
		x += mmio_read32(lapic + LAPIC_IRR + 0x10 * i) * (2 * i + 1);
	return x;
}

/* Programs edu's MSI capability with (addr, data), raises its interrupt, waits for `vec`. */
static bool edu_msi(struct amdtest *st, u8 *lapic, u64 addr, u32 data, u8 vec)
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
		if (irr_has(lapic, vec))
			return true;
	return false;
}

/* An MSI the unit must abort: nothing new pending in the APIC. */
static void ir_blocked(struct amdtest *st, u8 *lapic, const char *what, u32 data)
{
	u32 before = irr_sum(lapic);

	(void)edu_msi(st, lapic, LAPIC_BASE, data, IR_VECTOR);
	CHECK(st, irr_sum(lapic) == before, "%s: an interrupt was delivered", what);
	pr_info("%s (MSI data 0x%x): blocked", what, data);
}

/* QEMU describes interrupt remapping (intremap=on) with the IVHD's IOAPIC special entry. */
static bool ivrs_has_ir(const struct plat_iommu *desc)
{
	for (unsigned i = 0; i < desc->nscope; i++)
		if (desc->scope[i].kind == SCOPE_IOAPIC)
			return true;
	return false;
}

static int phase_ir(struct amdtest *st, struct iommu_domain *d)
{
	struct amdvi_irq_req r = { .devid = (u16)st->edu.rid, .owner = VM_ID, .vector = IR_VECTOR };
	u8 *lapic = arch_map_device(pa(LAPIC_BASE), PAGE_SIZE);
	u32 idx, data;
	u64 addr;
	int err;

	if (!ivrs_has_ir(st->u->desc)) {
		pr_info("ir: no IOAPIC entry in the IVRS (intremap=off): not checked");
		return 0;
	}
	if (!lapic || !pci_find_cap(st->edu.dev->host, st->edu.dev->bdf, PCI_CAP_MSI))
		return lapic ? -E_NOTSUP : -E_NOMEM;
	if ((err = iommu_attach(d, st->edu.rid, IOMMU_NO_PASID)))
		return err;
	mmio_write32(lapic + LAPIC_SVR, mmio_read32(lapic + LAPIC_SVR) | 0x1ff);
	r.dest = mmio_read32(lapic + LAPIC_ID) >> 24;
	r.allowed = 1ULL << r.dest;
	if ((err = amdvi_irte_alloc(st->u, &r, &idx)))
		return err;
	amdvi_msi_compose(idx, &addr, &data);
	CHECK(st, edu_msi(st, lapic, addr, data, IR_VECTOR), "ir: the remapped MSI did not arrive");
	pr_info("ir: IRTE %u: edu's MSI arrived as vector 0x%x on APIC %u", idx, IR_VECTOR, r.dest);
	ir_blocked(st, lapic, "ir: an entry Moat did not set", data + 1);
	ir_blocked(st, lapic, "ir: an index beyond the table", 0x1ff);
	if ((err = amdvi_irte_free(st->u, (u16)st->edu.rid, idx, VM_ID)))
		return err;
	ir_blocked(st, lapic, "ir: the freed IRTE", data);
	return iommu_detach(d, st->edu.rid, IOMMU_NO_PASID);
}

static struct iommu *amdtest_unit(void)
{
	for (unsigned i = 0; i < iommu_unit_count(); i++)
		if (iommu_unit(i)->drv == amdvi_driver())
			return iommu_unit(i);
	return NULL;
}

static int amdtest_run(struct amdtest *st)
{
	static struct iommu_domain d;
	int err;

	if (!(st->u = amdtest_unit())) {
		pr_err("no AMD-Vi unit (-device amd-iommu,pt=off)");
		return -E_NODEV;
	}
	if ((err = edu_find(&st->edu, LOG_COMPONENT)) ||
	    (err = iommu_domain_s2_init(&d, st->u, 48)))
		return err;
	d.owner = VM_ID;
	pr_info("edu at DeviceID 0x%x; VM %u view: DomainID %u, %s table", st->edu.rid, VM_ID,
		d.tags.did, pt_format_name(d.s2.cfg.fmt));
	if ((err = phase_s2(st, &d)) || (err = phase_ir(st, &d)))
		return err;
	return iommu_domain_fini(&d);
}

static int amdvi_selftest(struct moat_ctx *ctx)
{
	struct amdtest st = { .ctx = ctx };
	char name[16];
	int err;

	if (!platform_bootarg(ctx->plat, "moat.selftest", name, sizeof(name)) ||
	    strcmp(name, "amdvi"))
		return 0;
	err = amdtest_run(&st);
	if (err)
		pr_err("aborted: %s", err_str(err));
	if (err || st.failed) {
		pr_err("FAIL (%d check(s) failed)", st.failed);
		arch_halt(false);
	}
	pr_info("PASS");
	arch_halt(true);
}

MOAT_UNIT("amdvi-selftest", INIT_LATE, amdvi_selftest);
