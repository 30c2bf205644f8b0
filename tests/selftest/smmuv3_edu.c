// SPDX-License-Identifier: MIT
/*
 * moat.selftest=smmuv3: drives QEMU's edu device (hw/misc/edu.c: DMA registers at BAR0 +
 * 0x80..0x98, a 4 KiB buffer at device address 0x40000, 100 ms of virtual time per transfer)
 * through the SMMU, first under a stage-2-only nesting parent, then under a nested domain
 * whose stage-1 tables and CD play the guest's part. Each phase checks that data lands at the
 * translated address, that an unmapped address raises F_TRANSLATION for the edu's stream with
 * the right address and stage, and that a remap plus the right invalidation redirects DMA.
 * The boot ends here: the unit prints PASS or FAIL and powers off.
 */
#define LOG_COMPONENT "smmu-test"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/init.h"
#include "core/log.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "iommu/smmuv3/smmuv3_regs.h"
#include "lib/err.h"
#include "tests/selftest/edu.h"
#include "pci/pci.h"
#include "pci/regs.h"

/* One transfer takes 100 ms of virtual time; TCG may run slower than real time. */

#define GPA_BITS 40
#define IPA_SRC 0x2000000000ULL /* outside RAM, inside the 40-bit IPA space */
#define IPA_DST (IPA_SRC + 0x1000)
#define IPA_DST2 (IPA_SRC + 0x2000)
#define IPA_HOLE (IPA_SRC + 0x10000)
#define IOVA_DST 0x10000000ULL
#define IOVA_SRC 0x10001000ULL
#define IOVA_HOLE 0x10100000ULL
#define IOVA_S2HOLE 0x10002000ULL
#define GUEST_ASID 7

struct selftest {
	struct moat_ctx *ctx;
	struct iommu *u;
	struct edu edu;
	struct pt_allocator host;
	int failed;
};

#define CHECK(st, cond, ...)                 \
	do {                                 \
		if (!(cond)) {               \
			pr_err(__VA_ARGS__); \
			(st)->failed++;      \
		}                            \
	} while (0)

/* ---- edu --------------------------------------------------------------------------------- */

/* ---- memory ---------------------------------------------------------------------------- */

static u8 *page_new(struct selftest *st, paddr_t *p, u8 fill)
{
	if (frame_alloc_one(st->ctx->frames, p))
		return NULL;
	memset(phys_to_virt(*p), fill, PAGE_SIZE);
	return phys_to_virt(*p);
}

/* The first fault record for the edu, after draining the event queue. */
static int fault_take(struct selftest *st, struct iommu_fault *out)
{
	struct iommu_fault f;
	bool found = false;
	int err = st->u->drv->ops->fault_poll(st->u);

	if (err)
		return err;
	while (!iommu_fault_pop(st->u, &f)) {
		if (!found && f.rid == st->edu.rid) {
			*out = f;
			found = true;
		}
	}
	return found ? 0 : -E_NOENT;
}

static void fault_expect(struct selftest *st, const char *what, u64 addr,
			 enum iommu_fault_stage stage)
{
	struct iommu_fault f;
	int err = fault_take(st, &f);

	CHECK(st, !err, "%s: no fault record (%s)", what, err_str(err));
	if (err)
		return;
	CHECK(st,
	      f.kind == IOMMU_FAULT_TRANSLATION && f.vendor_code == EVT_F_TRANSLATION &&
		      f.addr == addr && f.stage == stage && (f.access & IOMMU_FAULT_WRITE),
	      "%s: unexpected fault: event 0x%x stage %u addr 0x%llx", what, f.vendor_code, f.stage,
	      (unsigned long long)f.addr);
	pr_info("%s: F_TRANSLATION (event 0x%x) rid 0x%x stage %u addr 0x%llx", what, f.vendor_code,
		f.rid, f.stage, (unsigned long long)f.addr);
}

/* ---- stage 2 only ------------------------------------------------------------------------ */

static int phase_s2(struct selftest *st, struct iommu_domain *s2)
{
	paddr_t src, dst, dst2;
	u8 *ps = page_new(st, &src, 0x5a), *pd = page_new(st, &dst, 0),
	   *pd2 = page_new(st, &dst2, 0);
	int err;

	if (!ps || !pd || !pd2)
		return -E_NOMEM;
	err = iommu_s2_map(s2, gpa(IPA_SRC), src, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
	if (!err)
		err = iommu_s2_map(s2, gpa(IPA_DST), dst, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
	if (!err)
		err = iommu_attach(s2, st->edu.rid, IOMMU_NO_PASID);
	if (!err)
		err = edu_copy(&st->edu, IPA_SRC, IPA_DST);
	if (err)
		return err;
	CHECK(st, edu_page_has(pd, 0x5a), "s2: data did not land at the translated address");
	pr_info("s2: IPA 0x%llx -> PA 0x%llx: data landed at the translated address",
		(unsigned long long)IPA_DST, (unsigned long long)dst.v);
	err = edu_dma(&st->edu, EDU_BUF, IPA_HOLE, true);
	if (err)
		return err;
	fault_expect(st, "s2: unmapped IPA", IPA_HOLE, IOMMU_FAULT_S2);
	/* Remap IPA_DST to another page; the core issues TLBI_S2_IPA + CMD_SYNC. */
	memset(ps, 0xa5, PAGE_SIZE);
	err = iommu_s2_unmap(s2, gpa(IPA_DST), PAGE_SIZE);
	if (!err)
		err = iommu_s2_map(s2, gpa(IPA_DST), dst2, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
	if (!err)
		err = edu_copy(&st->edu, IPA_SRC, IPA_DST);
	if (err)
		return err;
	CHECK(st, edu_page_has(pd2, 0xa5) && edu_page_has(pd, 0x5a),
	      "s2: after remap + invalidation the DMA did not use the new page");
	pr_info("s2: remap + TLBI_S2_IPA: DMA used the new page 0x%llx",
		(unsigned long long)dst2.v);
	return iommu_detach(s2, st->edu.rid, IOMMU_NO_PASID);
}

/* ---- nested: the self-test plays the guest ------------------------------------------------- */

/* Guest table frames: taken from RAM and mapped 1:1 into the guest's IPA space. */
struct guest_alloc {
	struct pt_allocator a;
	struct selftest *st;
	struct iommu_domain *s2;
};

static int guest_alloc(struct pt_allocator *a, unsigned n, paddr_t *out)
{
	struct guest_alloc *g = container_of(a, struct guest_alloc, a);
	int err = g->st->host.alloc(&g->st->host, n, out);

	if (err)
		return err;
	return iommu_s2_map(g->s2, gpa(out->v), *out, (u64)n << PAGE_SHIFT, PT_PROT_R | PT_PROT_W);
}

static void guest_free(struct pt_allocator *a, paddr_t base, unsigned n)
{
	struct guest_alloc *g = container_of(a, struct guest_alloc, a);

	if (iommu_s2_unmap(g->s2, gpa(base.v), (u64)n << PAGE_SHIFT))
		pr_err("guest table frame 0x%llx stays mapped", (unsigned long long)base.v);
	g->st->host.free(&g->st->host, base, n);
}

/* Guest stage-1 maps hold IPAs; the library's paddr_t is that IPA here. */
static int guest_map(struct pt *pt, u64 iova, u64 ipa)
{
	struct pt_gather g;
	int err;

	pt_gather_init(&g, NULL);
	err = pt_map(pt, iova, pa(ipa), PAGE_SIZE, PT_PROT_R | PT_PROT_W, &g);
	pt_gather_sync(&g, pt);
	return err;
}

/* 5.4: a CD for VMSAv8-64, 4 KiB granule, TTB0 only, faults recorded (R), ASID tagged. */
static int guest_cd(struct guest_alloc *ga, const struct pt *pt, u64 *cd_ipa)
{
	struct pt_hw_desc h;
	paddr_t p;
	u64 *cd;
	int err = ga->a.alloc(&ga->a, 1, &p);

	if (err)
		return err;
	pt_hw_describe(pt, &h);
	cd = phys_to_virt(p);
	memset(cd, 0, PAGE_SIZE);
	cd[1] = h.root.v & CD1_TTB0;
	cd[3] = PT_ARM_S1_MAIR;
	cd[0] = FIELD_PREP(CD0_T0SZ, h.arm_t0sz) | FIELD_PREP(CD0_IR0, 1) | FIELD_PREP(CD0_OR0, 1) |
		FIELD_PREP(CD0_SH0, 3) | CD0_EPD1 | CD0_V | FIELD_PREP(CD0_IPS, 4) | CD0_AA64 |
		CD0_R | CD0_A | FIELD_PREP(CD0_ASID, GUEST_ASID);
	*cd_ipa = p.v; /* identity-mapped into the guest */
	return 0;
}

static int guest_setup(struct selftest *st, struct guest_alloc *ga, struct pt *pt, u64 *cd)
{
	struct pt_config c = { .fmt = PT_ARM_S1, .ias = 39, .oas = GPA_BITS, .alloc = &ga->a };
	int err = pt_init(pt, &c);

	if (!err)
		err = guest_map(pt, IOVA_DST, IPA_DST);
	if (!err)
		err = guest_map(pt, IOVA_SRC, IPA_SRC);
	if (!err)
		err = guest_map(pt, IOVA_S2HOLE, IPA_HOLE);
	if (!err)
		err = guest_cd(ga, pt, cd);
	return err;
}

static int nested_remap(struct selftest *st, struct iommu_domain *s2, struct pt *pt, u8 *old,
			u8 *new)
{
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU,
				 .smmu = { .op = IOMMU_SMMU_TLBI_NH_ASID, .asid = GUEST_ASID } };
	unsigned done;
	int err = guest_map(pt, IOVA_DST, IPA_DST2);

	/* Without the guest's TLBI the SMMU may keep using the cached old translation. */
	if (!err)
		err = edu_dma(&st->edu, EDU_BUF, IOVA_DST, true);
	if (err)
		return err;
	pr_info("nested: guest remap before TLBI: DMA went to the %s page",
		edu_page_has(new, 0xa5)	  ? "new"
		: edu_page_has(old, 0xa5) ? "old (stale TLB)"
					  : "no");
	memset(old, 0, PAGE_SIZE);
	err = iommu_invalidate(s2, &inv, 1, &done);
	if (!err)
		err = edu_dma(&st->edu, EDU_BUF, IOVA_DST, true);
	if (err)
		return err;
	CHECK(st, edu_page_has(new, 0xa5) && !edu_page_has(old, 0xa5),
	      "nested: after remap + TLBI_NH_ASID the DMA did not use the new page");
	pr_info("nested: guest remap + TLBI_NH_ASID (VMID %u forced): DMA used the new page",
		s2->tags.vmid);
	return 0;
}

static int phase_nested(struct selftest *st, struct iommu_domain *s2)
{
	struct guest_alloc ga = { .a = { .alloc = guest_alloc, .free = guest_free },
				  .st = st,
				  .s2 = s2 };
	struct iommu_domain nd;
	struct iommu_s1 s1 = { .vendor = IOMMU_VENDOR_SMMUV3 };
	struct pt pt;
	paddr_t d1, d2;
	u8 *p1 = page_new(st, &d1, 0), *p2 = page_new(st, &d2, 0);
	int err;

	if (!p1 || !p2)
		return -E_NOMEM;
	err = iommu_s2_unmap(s2, gpa(IPA_DST), PAGE_SIZE);
	if (!err)
		err = iommu_s2_map(s2, gpa(IPA_DST), d1, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
	if (!err)
		err = iommu_s2_map(s2, gpa(IPA_DST2), d2, PAGE_SIZE, PT_PROT_R | PT_PROT_W);
	if (!err)
		err = guest_setup(st, &ga, &pt, &s1.smmu.s1ctxptr.v);
	if (!err)
		err = iommu_domain_nested_init(&nd, s2, &s1);
	if (!err)
		err = iommu_attach(&nd, st->edu.rid, IOMMU_NO_PASID);
	if (!err)
		err = edu_copy(&st->edu, IOVA_SRC, IOVA_DST);
	if (err)
		return err;
	CHECK(st, edu_page_has(p1, 0xa5), "nested: data did not land at the translated address");
	pr_info("nested: IOVA 0x%llx -> IPA 0x%llx -> PA 0x%llx: data landed at the translated "
		"address",
		(unsigned long long)IOVA_DST, (unsigned long long)IPA_DST,
		(unsigned long long)d1.v);
	err = edu_dma(&st->edu, EDU_BUF, IOVA_HOLE, true);
	if (err)
		return err;
	fault_expect(st, "nested: IOVA unmapped at stage 1", IOVA_HOLE, IOMMU_FAULT_S1);
	err = edu_dma(&st->edu, EDU_BUF, IOVA_S2HOLE, true);
	if (err)
		return err;
	fault_expect(st, "nested: IPA unmapped at stage 2", IOVA_S2HOLE, IOMMU_FAULT_S2);
	err = nested_remap(st, s2, &pt, p1, p2);
	if (!err)
		err = iommu_detach(&nd, st->edu.rid, IOMMU_NO_PASID);
	return err ? err : iommu_domain_fini(&nd);
}

/* ---- the unit -------------------------------------------------------------------------- */

static struct iommu *smmu_selftest_unit(void)
{
	for (unsigned i = 0; i < iommu_unit_count(); i++)
		if (iommu_unit(i)->drv == smmu_driver())
			return iommu_unit(i);
	return NULL;
}

static int smmu_selftest_run(struct selftest *st)
{
	static struct iommu_domain s2;
	int err;

	st->u = smmu_selftest_unit();
	if (!st->u) {
		pr_err("no SMMUv3 (-M virt,iommu=smmuv3)");
		return -E_NODEV;
	}
	pt_allocator_frames(&st->host, st->ctx->frames);
	err = edu_find(&st->edu, LOG_COMPONENT);
	if (!err)
		err = iommu_domain_s2_init(&s2, st->u, GPA_BITS);
	if (err)
		return err;
	pr_info("edu %04x at BAR0 0x%llx, rid 0x%x; nesting parent VMID %u, %u-bit IPA",
		st->edu.rid, (unsigned long long)st->edu.dev->bar[0], st->edu.rid, s2.tags.vmid,
		s2.s2.cfg.ias);
	err = phase_s2(st, &s2);
	if (!err)
		err = phase_nested(st, &s2);
	return err;
}

static int smmu_selftest(struct moat_ctx *ctx)
{
	struct selftest st = { .ctx = ctx };
	char name[16];
	int err;

	if (!platform_bootarg(ctx->plat, "moat.selftest", name, sizeof(name)) ||
	    strcmp(name, "smmuv3"))
		return 0;
	err = smmu_selftest_run(&st);
	if (err)
		pr_err("aborted: %s", err_str(err));
	if (err || st.failed) {
		pr_err("FAIL (%d check(s) failed)", st.failed);
		arch_halt(false);
	}
	pr_info("PASS");
	arch_halt(true);
}

MOAT_UNIT("smmuv3-selftest", INIT_LATE, smmu_selftest);
