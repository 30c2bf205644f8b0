// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 driver behind the IOMMU core, against the register-level model: nesting parents
 * and nested domains, attach and detach, stage-2 updates with their invalidation, guest
 * invalidations (VMID forced, ATC ownership), events as fault records, the DT iommu-map.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include <libfdt.h>

#include "core/own.h"
#include "core/boot_info.h"
#include "core/dt_iommu.h"
#include "core/frame.h"
#include "core/init.h"
#include "iommu/iommu.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "iommu/smmuv3/smmuv3_regs.h"
#include "lib/err.h"
#include "smmuv3/smmuv3_model.h"
#include "arch/host/irq_host.h"

#define SMMU_BASE 0x09050000ULL
#define RAM_SIZE (8ULL << 20)
#define RID 0x0008
#define GPA_A 0x100000ULL
#define GPA_B 0x101000ULL
#define IOVA 0x40000000ULL
#define ASID 11

static struct {
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct smmu_model *m;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2, nd;
} t;

static u64 page(u8 fill)
{
	paddr_t p;

	assert_int_equal(frame_alloc_one(&t.fa, &p), 0);
	memset((void *)(uintptr_t)p.v, fill, PAGE_SIZE);
	return p.v;
}

static int probe(const char *dtb, struct smmu_model_cfg cfg)
{
	struct pa_range r;
	size_t n = 0;

	memset(&t, 0, sizeof(t));
	test_log_capture();
	iommu_units_reset();
	smmu_units_reset();
	host_irq_reset();
	iommu_fault_notify_set(NULL);
	t.ram = aligned_alloc(1 << 21, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)t.ram), RAM_SIZE };
	if (!t.ram || frame_init(&t.fa, &r, 1, NULL, 0))
		return -1;
	own_reset(); /* the RAM is Moat's; tests give VMs theirs (core/own.h) */
	if (own_add(r.base, RAM_SIZE, own_moat()))
		return -1;
	pt_allocator_frames(&t.alloc, &t.fa);
	t.m = smmu_model_create(SMMU_BASE, &cfg);
	smmu_model_add_ram(t.m, r.base.v, RAM_SIZE);
	t.plat.niommu = 1;
	t.plat.iommu[0] = (struct plat_iommu){
		.kind = IOMMU_KIND_SMMUV3, .base = pa(SMMU_BASE), .size = 0x20000, .phandle = 0x8004
	};
	t.ctx = (struct moat_ctx){ .bi = &t.bi, .plat = &t.plat, .frames = &t.fa };
	if (dtb) {
		void *blob = test_load_dtb(dtb, &n);
		int node = fdt_node_offset_by_compatible(blob, -1, "pci-host-ecam-generic");

		t.bi.fdt = pa((u64)(uintptr_t)blob);
		t.bi.fdt_size = n;
		/* What platform_from_dt() does for each host bridge (core/dt_iommu.c). */
		t.plat.iommu[0].scoped = true;
		return node < 0 ? -1 : dt_iommu_map(blob, node, 0, &t.plat);
	}
	return 0;
}

static int attach_unit(void)
{
	const struct iommu_driver *drv = iommu_driver_find(IOMMU_KIND_SMMUV3);
	int err;

	if (!drv)
		return -E_NODEV;
	err = drv->ops->probe(&t.ctx, &t.plat.iommu[0], &t.u);
	return err ? err : iommu_unit_add(t.u, drv, &t.plat.iommu[0], &t.alloc);
}

static int setup_cfg(const char *dtb, struct smmu_model_cfg cfg)
{
	if (probe(dtb, cfg) || attach_unit())
		return -1;
	return iommu_domain_s2_init(&t.s2, t.u, 48) ? -1 : 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_cfg(NULL, smmu_model_default_cfg());
}

static int setup_ats(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();

	(void)state;
	c.ats = true;
	return setup_cfg(NULL, c);
}

static int setup_ril(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();

	(void)state;
	c.ril = true;
	return setup_cfg(NULL, c);
}

static int setup_map(void **state)
{
	(void)state;
	return setup_cfg("smmu_map", smmu_model_default_cfg());
}

static int setup_mask(void **state)
{
	(void)state;
	return setup_cfg("smmu_map_mask", smmu_model_default_cfg());
}

static int teardown(void **state)
{
	(void)state;
	if (t.u)
		smmu_fini(&smmu_unit_of(t.u)->dev);
	smmu_model_destroy(t.m);
	free((void *)(uintptr_t)t.bi.fdt.v);
	free(t.ram);
	return 0;
}

static void assert_dma(u32 sid, u64 addr, u64 host)
{
	static u32 seq = 0x1234;
	u32 w = ++seq, back = 0;

	assert_int_equal(smmu_model_dma(t.m, sid, addr, &w, 4, true), 0);
	memcpy(&back, (void *)(uintptr_t)host, 4);
	assert_int_equal(back, w);
}

static int noop(void **state)
{
	(void)state;
	return 0;
}

/* ---- guest stage 1 (tables and CD identity-mapped into the guest's IPA space) ----------- */

struct guest_alloc {
	struct pt_allocator a;
};

static int galloc(struct pt_allocator *a, unsigned n, paddr_t *out)
{
	int err = t.alloc.alloc(&t.alloc, n, out);

	(void)a;
	return err ? err
		   : iommu_s2_map(&t.s2, gpa(out->v), *out, (u64)n << 12, PT_PROT_R | PT_PROT_W);
}

static void gfree(struct pt_allocator *a, paddr_t base, unsigned n)
{
	(void)a;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(base.v), (u64)n << 12), 0);
	t.alloc.free(&t.alloc, base, n);
}

static struct guest_alloc ga = { .a = { .alloc = galloc, .free = gfree } };
static struct pt gpt;

static void guest_map(u64 iova, u64 ipa)
{
	struct pt_gather g;

	pt_gather_init(&g, NULL);
	assert_int_equal(pt_map(&gpt, iova, pa(ipa), PAGE_SIZE, PT_PROT_R | PT_PROT_W, &g), 0);
	pt_gather_sync(&g, &gpt);
}

static u64 guest_cd(bool bad)
{
	struct pt_config c = { .fmt = PT_ARM_S1, .ias = 39, .oas = 48, .alloc = &ga.a };
	struct pt_hw_desc h;
	paddr_t p;
	u64 *cd;

	assert_int_equal(pt_init(&gpt, &c), 0);
	assert_int_equal(ga.a.alloc(&ga.a, 1, &p), 0);
	pt_hw_describe(&gpt, &h);
	cd = (u64 *)(uintptr_t)p.v;
	cd[0] = FIELD_PREP(CD0_T0SZ, h.arm_t0sz) | CD0_EPD1 | CD0_V | FIELD_PREP(CD0_IPS, 5) |
		CD0_AA64 | CD0_R | CD0_A | FIELD_PREP(CD0_ASID, ASID) | (bad ? BIT(15) : 0);
	cd[1] = h.root.v;
	return p.v;
}

static void nested_attach(u64 cd)
{
	struct iommu_s1 s1 = { .vendor = IOMMU_VENDOR_SMMUV3, .smmu = { .s1ctxptr = gpa(cd) } };

	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_attach(&t.nd, RID, IOMMU_NO_PASID), 0);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void probe_registers_a_unit_with_the_core(void **state)
{
	(void)state;
	assert_int_equal(iommu_unit_count(), 1);
	assert_ptr_equal(iommu_unit(0)->drv, smmu_driver());
	assert_int_not_equal(t.s2.tags.vmid, 0);
	assert_int_equal(t.s2.s2.cfg.fmt, PT_ARM_S2);
	assert_int_equal(t.s2.s2.cfg.ias, 48);
}

static void s2_attach_translates_and_detach_aborts(void **state)
{
	u64 a = page(0), out, ste[8];

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_dma(RID, GPA_A + 16, a + 16);
	assert_int_equal(smmu_ste_read(&smmu_unit_of(t.u)->dev, RID, ste), 0);
	assert_int_equal(FIELD_GET(STE2_S2VMID, ste[2]), t.s2.tags.vmid);
	assert_int_equal(iommu_detach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_int_equal(smmu_model_translate(t.m, RID, GPA_A, true, &out), SMMUM_ABORT);
}

static void s2_remap_is_invalidated_by_the_core(void **state)
{
	u64 a = page(0), b = page(0);

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_dma(RID, GPA_A, a);
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_dma(RID, GPA_A, b);
	assert_true(smmu_model_count_cmds(t.m, CMD_TLBI_S2_IPA, NULL) >= 1);
}

/*
 * Issue 21: with range invalidation (IDR3.RIL), unmapping 512 pages whose first and last are
 * in the SMMU's TLB costs one TLBI_S2_IPA and one CMD_SYNC, and neither page translates after
 * it (the model invalidates exactly the range the command encodes, 4.4.1.1). Without RIL the
 * same unmap is one VMID-wide invalidation.
 */
static void s2_range_unmap_is_one_range_tlbi_and_one_sync(void **state)
{
	u64 base = page(0), out, cmds, syncs, ipa_cmds, vmall_cmds;

	(void)state;
	for (unsigned i = 1; i < 512; i++)
		(void)page(0); /* 512 contiguous frames from the fresh allocator */
	assert_int_equal(iommu_s2_map(&t.s2, gpa(0x40000000), pa(base), 512 * PAGE_SIZE,
				      PT_PROT_R | PT_PROT_W),
			 0);
	/* a neighbour keeps the tables, so the unmap is a leaf change */
	assert_int_equal(iommu_s2_map(&t.s2, gpa(0x40000000 + 512 * PAGE_SIZE), pa(base), PAGE_SIZE,
				      PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_dma(RID, 0x40000000, base);
	assert_dma(RID, 0x40000000 + 511 * PAGE_SIZE, base + 511 * PAGE_SIZE);
	cmds = t.m->ncmds;
	syncs = t.m->syncs;
	ipa_cmds = smmu_model_count_cmds(t.m, CMD_TLBI_S2_IPA, NULL);
	vmall_cmds = smmu_model_count_cmds(t.m, CMD_TLBI_S12_VMALL, NULL);
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(0x40000000), 512 * PAGE_SIZE), 0);
	assert_int_equal(t.m->ncmds - cmds, 2);
	assert_int_equal(t.m->syncs - syncs, 1);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S2_IPA, NULL) - ipa_cmds, 1);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S12_VMALL, NULL), vmall_cmds);
	assert_int_equal(smmu_model_translate(t.m, RID, 0x40000000, true, &out),
			 SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_model_translate(t.m, RID, 0x40000000 + 511 * PAGE_SIZE, true, &out),
			 SMMUM_EVT_TRANSLATION);
	assert_dma(RID, 0x40000000 + 512 * PAGE_SIZE, base); /* outside the range: kept */
}

/*
 * Issue 13 item 12 on the model: the TLBI after an unmap is refused (CERROR), so the SMMU's TLB
 * still translates the page. The retried unmap finds nothing mapped; before it reports success
 * the invalidation must have been sent again, and DMA to the page must fault.
 */
static void refused_tlbi_is_resent_before_the_next_success(void **state)
{
	u64 a = page(0), b = page(0), out;

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	/* a neighbour keeps the table, so the unmap is a leaf change: TLBI_S2_IPA */
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_B), pa(b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_dma(RID, GPA_A, a); /* the TLB now holds GPA_A */
	t.m->fail_op = CMD_TLBI_S2_IPA;
	t.m->fail_count = 1;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), -E_IO);
	assert_dma(RID, GPA_A, a); /* stale: this is why the flush is owed */
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_int_equal(smmu_model_translate(t.m, RID, GPA_A, true, &out), SMMUM_EVT_TRANSLATION);
}

/* A VMID whose final invalidation failed may still tag TLB entries: it is never handed out. */
static void vmid_not_invalidated_on_release_is_not_reused(void **state)
{
	u16 vmid = t.s2.tags.vmid;

	(void)state;
	t.m->fail_op = CMD_TLBI_S12_VMALL;
	t.m->fail_count = 1;
	test_log_reset();
	assert_int_equal(iommu_domain_fini(&t.s2), 0);
	assert_true(test_log_has("not invalidated on release"));
	assert_int_equal(iommu_domain_s2_init(&t.s2, t.u, 40), 0);
	assert_int_not_equal(t.s2.tags.vmid, vmid);
}

static void pasid_attach_is_not_supported(void **state)
{
	(void)state;
	assert_int_equal(iommu_attach(&t.s2, RID, 3), -E_NOTSUP);
}

static void nested_guest_tlbi_carries_parent_vmid(void **state)
{
	u64 a = page(0), b = page(0), cd;
	struct iommu_inv inv = { .kind = IOMMU_INV_SMMU,
				 .smmu = { .op = IOMMU_SMMU_TLBI_NH_ASID, .asid = ASID } };
	struct smmum_cmd last;
	unsigned done;

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_B), pa(b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	cd = guest_cd(false);
	guest_map(IOVA, GPA_A);
	nested_attach(cd);
	assert_dma(RID, IOVA, a);
	guest_map(IOVA, GPA_B);
	assert_dma(RID, IOVA, a); /* stale until the guest invalidates */
	assert_int_equal(iommu_invalidate(&t.s2, &inv, 1, &done), 0);
	assert_dma(RID, IOVA, b);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_NH_ASID, &last), 1);
	assert_int_equal(FIELD_GET(CMD0_VMID, last.w0), t.s2.tags.vmid);
	assert_int_equal(FIELD_GET(CMD0_ASID, last.w0), ASID);
}

static void s2_change_under_nested_domain_flushes_all_of_vmid(void **state)
{
	u64 a = page(0), b = page(0), cd;

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	cd = guest_cd(false);
	guest_map(IOVA, GPA_A);
	nested_attach(cd);
	assert_dma(RID, IOVA, a);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_dma(RID, IOVA, b);
	assert_true(smmu_model_count_cmds(t.m, CMD_TLBI_S12_VMALL, NULL) >= 1);
}

static void nested_domain_with_bad_s1_is_refused(void **state)
{
	struct iommu_s1 s1 = { .vendor = IOMMU_VENDOR_SMMUV3,
			       .smmu = { .s1ctxptr = gpa(0x1000), .s1cdmax = 4 } };

	(void)state;
	assert_int_not_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	s1.smmu.s1cdmax = 0;
	s1.smmu.s1ctxptr = gpa(1ULL << 50);
	assert_int_not_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(t.s2.nchildren, 0);
}

static void events_become_fault_records(void **state)
{
	u64 cd;
	u32 w = 0;
	struct iommu_fault f;

	(void)state;
	cd = guest_cd(false);
	guest_map(IOVA, GPA_B); /* GPA_B is not in stage 2 */
	nested_attach(cd);
	assert_int_equal(smmu_model_dma(t.m, RID, IOVA + 0x5000, &w, 4, false),
			 SMMUM_EVT_TRANSLATION);
	assert_int_equal(smmu_model_dma(t.m, RID, IOVA + 8, &w, 4, true), SMMUM_EVT_TRANSLATION);
	assert_int_equal(t.u->drv->ops->fault_poll(t.u), 0);
	assert_int_equal(iommu_fault_pop(t.u, &f), 0);
	assert_int_equal(f.rid, RID);
	assert_int_equal(f.stage, IOMMU_FAULT_S1);
	assert_int_equal(f.kind, IOMMU_FAULT_TRANSLATION);
	assert_int_equal(f.addr, IOVA + 0x5000);
	assert_int_equal(f.access, IOMMU_FAULT_READ);
	assert_int_equal(f.pasid, IOMMU_NO_PASID);
	assert_int_equal(iommu_fault_pop(t.u, &f), 0);
	assert_int_equal(f.stage, IOMMU_FAULT_S2);
	assert_int_equal(f.addr, IOVA + 8);
	assert_int_equal(f.fetch_addr, 0);
	assert_int_equal(f.access, IOMMU_FAULT_WRITE);
	assert_int_equal(iommu_fault_pop(t.u, &f), -E_NOENT);
}

static void malformed_guest_cd_is_a_config_fault(void **state)
{
	u32 w = 0;
	struct iommu_fault f;

	(void)state;
	nested_attach(guest_cd(true)); /* big-endian tables: ILLEGAL */
	assert_int_equal(smmu_model_dma(t.m, RID, IOVA, &w, 4, true), SMMUM_EVT_BAD_CD);
	assert_int_equal(t.u->drv->ops->fault_poll(t.u), 0);
	assert_int_equal(iommu_fault_pop(t.u, &f), 0);
	assert_int_equal(f.vendor_code, EVT_C_BAD_CD);
	assert_int_equal(f.kind, IOMMU_FAULT_BAD_CONFIG);
	assert_int_equal(f.stage, IOMMU_FAULT_S1);
}

/*
 * Issue 13 item 9. An SMMU where stalls are optional (IDR0.STALL_MODEL 0b00) honours CD.S:
 * the guest could make its device's faulting DMA wait for a CMD_RESUME Moat never sends,
 * holding PCIe transactions in the SMMU. Moat sets STE.S1STALLD, which makes such a CD
 * ILLEGAL: the DMA is terminated with C_BAD_CD and nothing stays stalled.
 */
static void guest_cd_cannot_enable_stalls(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();
	u64 cd, ste[8];
	u32 w = 0;

	(void)state;
	c.stall_model = 0;
	assert_int_equal(setup_cfg(NULL, c), 0);
	cd = guest_cd(false);
	((u64 *)(uintptr_t)cd)[0] |= BIT(44); /* CD.S: stall on fault */
	guest_map(IOVA, GPA_B);		      /* GPA_B is not in stage 2... */
	nested_attach(cd);
	assert_int_equal(smmu_ste_read(&smmu_unit_of(t.u)->dev, RID, ste), 0);
	assert_true(ste[1] & BIT(27)); /* STE.S1STALLD */
	/* ...and IOVA + 0x5000 not in stage 1: a stage-1 fault, the kind that would stall */
	assert_int_equal(smmu_model_dma(t.m, RID, IOVA + 0x5000, &w, 4, true), SMMUM_EVT_BAD_CD);
	assert_int_equal(t.m->nstalled, 0);
}

/* Where stalls are not supported S1STALLD must stay 0 (ILLEGAL otherwise; QEMU's case). */
static void s1stalld_only_where_stalls_are_optional(void **state)
{
	u64 a = page(0), cd, ste[8];

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	cd = guest_cd(false);
	guest_map(IOVA, GPA_A);
	nested_attach(cd);
	assert_int_equal(smmu_ste_read(&smmu_unit_of(t.u)->dev, RID, ste), 0);
	assert_false(ste[1] & BIT(27));
	assert_dma(RID, IOVA, a);
}

/* An SMMU that can only stall (STALL_MODEL 0b10) would hold every faulting DMA: refused. */
static void forced_stall_smmu_is_refused(void **state)
{
	struct smmu_model_cfg c = smmu_model_default_cfg();
	struct iommu *u = NULL;

	(void)state;
	c.stall_model = 2;
	assert_int_equal(probe(NULL, c), 0);
	assert_int_equal(smmu_driver()->ops->probe(&t.ctx, &t.plat.iommu[0], &u), -E_NOTSUP);
	assert_true(test_log_has("STALL_MODEL"));
	t.u = NULL;
}

static void atc_invalidation_only_for_owned_devices(void **state)
{
	struct iommu_inv inv = { .kind = IOMMU_INV_ATC,
				 .atc = {
					 .rid = 0x10, .pasid = IOMMU_NO_PASID, .size_order = 64 } };
	struct smmum_cmd last;
	unsigned done;

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_invalidate(&t.s2, &inv, 1, &done), -E_PERM);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_ATC_INV, NULL), 0);
	inv.atc.rid = RID;
	assert_int_equal(iommu_invalidate(&t.s2, &inv, 1, &done), 0);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_ATC_INV, &last), 1);
	assert_int_equal(FIELD_GET(CMD0_SID, last.w0), RID);
	assert_int_equal(FIELD_GET(CMD1_ATC_SIZE, last.w1), 52);
}

static void stage2_flush_reaches_device_atcs(void **state)
{
	u64 a = page(0);

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_true(smmu_model_count_cmds(t.m, CMD_ATC_INV, NULL) >= 1);
}

static void domain_fini_releases_the_vmid(void **state)
{
	u16 vmid = t.s2.tags.vmid;

	(void)state;
	assert_int_equal(iommu_domain_fini(&t.s2), 0);
	assert_int_equal(smmu_model_count_cmds(t.m, CMD_TLBI_S12_VMALL, NULL), 1);
	assert_int_equal(iommu_domain_s2_init(&t.s2, t.u, 40), 0);
	assert_int_equal(t.s2.tags.vmid, vmid);
}

static void iommu_map_turns_rids_into_stream_ids(void **state)
{
	u64 a = page(0), ste[8];

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_int_equal(smmu_ste_read(&smmu_unit_of(t.u)->dev, 0x100 + RID, ste), 0);
	assert_int_equal(FIELD_GET(STE0_CONFIG, ste[0]), STE_CFG_S2);
	assert_dma(0x100 + RID, GPA_A, a);
	/* RID 0x208 goes to another IOMMU (phandle 0x9999): not behind this one. */
	assert_int_equal(iommu_attach(&t.s2, 0x208, IOMMU_NO_PASID), -E_NOENT);
}

static void iort_ranges_turn_rids_into_stream_ids(void **state)
{
	u64 a, ste[8];

	(void)state;
	assert_int_equal(probe(NULL, smmu_model_default_cfg()), 0);
	t.plat.iommu[0].nscope = 1;
	t.plat.iommu[0].scope[0] = (struct plat_scope){
		.kind = SCOPE_RANGE, .rid_first = 0, .rid_last = 0xff, .out_base = 0x200
	};
	assert_int_equal(attach_unit(), 0);
	assert_int_equal(iommu_domain_s2_init(&t.s2, t.u, 48), 0);
	a = page(0);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
	assert_int_equal(smmu_ste_read(&smmu_unit_of(t.u)->dev, 0x200 + RID, ste), 0);
	assert_int_equal(FIELD_GET(STE0_CONFIG, ste[0]), STE_CFG_S2);
	assert_dma(0x200 + RID, GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, 0x100, IOMMU_NO_PASID), -E_NOENT);
}

/* Two nesting parents (two VMs' views) on the unit, each with its own page at GPA_A. */
static struct iommu_domain s2b;

static void two_views(u64 *a, u64 *b)
{
	*a = page(0);
	*b = page(0);
	assert_int_equal(iommu_domain_s2_init(&s2b, t.u, 48), 0);
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(*a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_s2_map(&s2b, gpa(GPA_A), pa(*b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
}

/* The unit with two IORT ranges, then the two views. */
static void probe_iort(const struct plat_scope sc[2], u64 *a, u64 *b)
{
	assert_int_equal(probe(NULL, smmu_model_default_cfg()), 0);
	t.plat.iommu[0].scoped = true;
	t.plat.iommu[0].nscope = 2;
	memcpy(t.plat.iommu[0].scope, sc, 2 * sizeof(*sc));
	assert_int_equal(attach_unit(), 0);
	assert_int_equal(iommu_domain_s2_init(&t.s2, t.u, 48), 0);
	two_views(a, b);
}

/*
 * Issue 13 item 2: the IORT maps RIDs 0x000-0x0ff and 0x100-0x1ff onto the same StreamIDs.
 * RID 0x008 attached to one VM's view makes StreamID 0x08 that VM's: RID 0x108 (the same
 * StreamID) cannot be given to another view, else the STE would follow the last attach and
 * the first VM's device would DMA into the second VM's memory.
 */
static void overlapping_iort_outputs_are_one_alias_group(void **state)
{
	u64 a, b;
	const struct plat_scope iort[2] = {
		{ .kind = SCOPE_RANGE, .rid_first = 0, .rid_last = 0xff, .out_base = 0 },
		{ .kind = SCOPE_RANGE, .rid_first = 0x100, .rid_last = 0x1ff, .out_base = 0 },
	};

	(void)state;
	probe_iort(iort, &a, &b);
	assert_int_equal(iommu_attach(&t.s2, 0x008, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&s2b, 0x108, IOMMU_NO_PASID), -E_BUSY);
	assert_dma(0x08, GPA_A, a);
	/* once the first holder lets go, the group can move as a whole */
	assert_int_equal(iommu_detach(&t.s2, 0x008, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&s2b, 0x108, IOMMU_NO_PASID), 0);
	assert_dma(0x08, GPA_A, b);
	assert_int_equal(iommu_detach(&s2b, 0x108, IOMMU_NO_PASID), 0);
}

/* The same through the DT: iommu-map-mask folds the functions of a device onto one SID. */
static void iommu_map_mask_makes_functions_one_alias_group(void **state)
{
	u64 a, b;

	(void)state;
	two_views(&a, &b);
	assert_int_equal(iommu_attach(&t.s2, 0x08, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&s2b, 0x09, IOMMU_NO_PASID), -E_BUSY);
	assert_int_equal(iommu_attach(&s2b, 0x10, IOMMU_NO_PASID), 0); /* the next device */
	assert_dma(0x08, GPA_A, a);
	assert_dma(0x10, GPA_A, b);
	assert_int_equal(iommu_detach(&s2b, 0x10, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_detach(&t.s2, 0x08, IOMMU_NO_PASID), 0);
}

/*
 * Issue 13 item 10: requesters are keyed by (segment, bus, devfn). The IORT maps segment 0's
 * RIDs to StreamIDs 0x000+ and segment 1's to 0x100+: 0000:00:01.0 and 0001:00:01.0 are two
 * devices with two StreamIDs, assignable to two VMs.
 */
static void requesters_of_two_segments_are_distinct(void **state)
{
	u64 a, b;
	const struct plat_scope iort[2] = {
		{ .kind = SCOPE_RANGE, .segment = 0, .rid_last = 0xff, .out_base = 0 },
		{ .kind = SCOPE_RANGE, .segment = 1, .rid_last = 0xff, .out_base = 0x100 },
	};

	(void)state;
	probe_iort(iort, &a, &b);
	assert_int_equal(iommu_attach(&t.s2, 0x00008, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&s2b, 0x10008, IOMMU_NO_PASID), 0);
	assert_dma(0x008, GPA_A, a);
	assert_dma(0x108, GPA_A, b);
	assert_int_equal(iommu_attach(&s2b, 0x20008, IOMMU_NO_PASID), -E_NOENT); /* segment 2 */
	assert_int_equal(iommu_detach(&s2b, 0x10008, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_detach(&t.s2, 0x00008, IOMMU_NO_PASID), 0);
}

static void bad_iort_range_fails_probe(void **state)
{
	struct iommu *u = NULL;

	(void)state;
	assert_int_equal(probe(NULL, smmu_model_default_cfg()), 0);
	t.plat.iommu[0].nscope = 1;
	t.plat.iommu[0].scope[0] = (struct plat_scope){
		.kind = SCOPE_RANGE, .rid_first = 0, .rid_last = 0xffff, .out_base = 0xffffff00u
	};
	assert_int_equal(smmu_driver()->ops->probe(&t.ctx, &t.plat.iommu[0], &u), -E_CORRUPT);
	t.u = NULL;
}

static void malformed_iommu_map_is_refused(void **state)
{
	(void)state;
	assert_int_equal(probe("smmu_bad_map", smmu_model_default_cfg()), -E_CORRUPT);
	assert_true(test_log_has("iommu-map"));
	t.u = NULL;
}

/* ---- wired interrupts (QEMU virt: eventq SPI 74 = INTID 106, gerror SPI 77 = INTID 109) ---- */

#define EVTQ_INTID 106
#define GERR_INTID 109

static struct {
	unsigned notified;
	struct iommu_fault f[IOMMU_FAULT_RING * 4];
	unsigned n;
} got;

static void take_faults(struct iommu *u)
{
	struct iommu_fault f;

	got.notified++;
	while (!iommu_fault_pop(u, &f))
		if (got.n < IOMMU_FAULT_RING * 4)
			got.f[got.n++] = f;
}

/* The GIC: an edge on a line the driver routed reaches its handler. */
static void model_irq(struct smmu_model *m, unsigned line, void *arg)
{
	(void)m, (void)arg;
	if (line == SMMUM_IRQ_EVTQ)
		(void)host_irq_fire(EVTQ_INTID);
	if (line == SMMUM_IRQ_GERROR)
		(void)host_irq_fire(GERR_INTID);
}

static int probe_irqs(void)
{
	if (probe(NULL, smmu_model_default_cfg()))
		return -1;
	memset(&got, 0, sizeof(got));
	t.plat.iommu[0].irq[PLAT_IOMMU_IRQ_EVTQ] = (struct plat_irq){ EVTQ_INTID, true };
	t.plat.iommu[0].irq[PLAT_IOMMU_IRQ_GERROR] = (struct plat_irq){ GERR_INTID, true };
	t.m->on_irq = model_irq;
	iommu_fault_notify_set(take_faults);
	return 0;
}

static int setup_irqs(void **state)
{
	(void)state;
	if (probe_irqs() || attach_unit())
		return -1;
	return iommu_domain_s2_init(&t.s2, t.u, 48) ? -1 : 0;
}

static void unmapped_stream(void)
{
	u64 a = page(0);

	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&t.s2, RID, IOMMU_NO_PASID), 0);
}

static void wired_interrupts_deliver_faults_without_polling(void **state)
{
	u32 w = 0;

	(void)state;
	assert_true(t.u->irq_driven);
	assert_int_equal(t.m->irq_ctrl, IRQ_CTRL_EVENTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	assert_int_equal(host_irqs[0].intid + host_irqs[1].intid, EVTQ_INTID + GERR_INTID);
	assert_true(host_irqs[0].edge && host_irqs[1].edge);
	assert_true(test_log_has("events by interrupt"));
	unmapped_stream();
	/*
	 * 16 faulting 4-byte accesses to one page, as QEMU reports a 64-byte transfer, all
	 * written before the CPU takes the interrupt (QEMU's device model holds the lock).
	 */
	t.m->on_irq = NULL;
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(smmu_model_dma(t.m, RID, GPA_B + 4 * i, &w, 4, true),
				 SMMUM_EVT_TRANSLATION);
	assert_int_equal(t.m->irq_pulses[SMMUM_IRQ_EVTQ], 16);
	assert_int_equal(got.notified, 0);
	assert_true(host_irq_fire(EVTQ_INTID));
	t.m->on_irq = model_irq;
	assert_int_equal(got.n, 1); /* the first record; the others repeat it and are merged */
	assert_int_equal(smmu_unit_of(t.u)->events_merged, 15);
	assert_int_equal(got.f[0].rid, RID);
	assert_int_equal(got.f[0].addr, GPA_B);
	assert_int_equal(got.f[0].stage, IOMMU_FAULT_S2);
	assert_int_equal(got.f[0].access, IOMMU_FAULT_WRITE);
	assert_int_equal(t.m->evtq_cons & 0xfffff, t.m->evtq_prod & 0xfffff); /* drained */
	/* another page is another record */
	assert_int_equal(smmu_model_dma(t.m, RID, GPA_B + PAGE_SIZE, &w, 4, false),
			 SMMUM_EVT_TRANSLATION);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.f[1].addr, GPA_B + PAGE_SIZE);
	assert_int_equal(got.f[1].access, IOMMU_FAULT_READ);
}

/*
 * The CPU was busy (no interrupt taken) while a device filled the queue; QEMU then sets
 * GERROR.EVENTQ_ABT_ERR. The GERROR interrupt drains every record in slices the fault ring
 * holds, acknowledges with one warning line and events flow again.
 */
static void gerror_interrupt_drains_a_full_queue(void **state)
{
	unsigned cap = 1u << smmu_unit_of(t.u)->dev.evtq.log2;
	u32 w = 0;

	(void)state;
	unmapped_stream();
	t.m->full_aborts = true;
	t.m->on_irq = NULL;
	for (unsigned i = 0; i < cap + 5; i++)
		(void)smmu_model_dma(t.m, RID, GPA_B + PAGE_SIZE * i, &w, 4, true);
	assert_int_equal(t.m->irq_pulses[SMMUM_IRQ_GERROR], 1);
	assert_int_not_equal(t.m->gerror, t.m->gerrorn);
	assert_true(host_irq_fire(GERR_INTID));
	assert_int_equal(got.n, cap);
	assert_int_equal(t.u->faults_dropped, 0);
	assert_int_equal(got.f[cap - 1].addr, GPA_B + PAGE_SIZE * (cap - 1));
	assert_int_equal(t.m->gerror, t.m->gerrorn);
	assert_int_equal(smmu_unit_of(t.u)->dev.evtq_aborts, 1);
	assert_true(test_log_has("warning: event queue full or unwritable"));
	assert_false(test_log_has("error:"));
	t.m->on_irq = model_irq;
	(void)smmu_model_dma(t.m, RID, GPA_B, &w, 4, true);
	assert_int_equal(got.n, cap + 1);
}

static void without_interrupts_the_queue_is_polled(void **state)
{
	(void)state;
	assert_false(t.u->irq_driven);
	assert_int_equal(t.m->irq_ctrl, 0);
	assert_false(host_irq_fire(EVTQ_INTID));
	assert_true(test_log_has("events by polling"));
}

static void unroutable_interrupts_fall_back_to_polling(void **state)
{
	(void)state;
	assert_int_equal(probe_irqs(), 0);
	host_irq_fail = -E_NOSPC;
	assert_int_equal(attach_unit(), 0);
	assert_false(t.u->irq_driven);
	assert_int_equal(t.m->irq_ctrl, 0);
	assert_true(test_log_has("interrupts not usable (table full)"));
	assert_true(test_log_has("events by polling"));
}

static void stuck_irq_ctrlack_falls_back_to_polling(void **state)
{
	(void)state;
	assert_int_equal(probe_irqs(), 0);
	t.m->stuck_irq_ack = true;
	assert_int_equal(attach_unit(), 0);
	assert_false(t.u->irq_driven);
	assert_false(host_irq_fire(EVTQ_INTID)); /* released again */
	assert_false(host_irq_fire(GERR_INTID));
	assert_true(test_log_has("IRQ_CTRLACK did not follow"));
	assert_true(test_log_has("events by polling"));
}

static void fini_releases_the_interrupts(void **state)
{
	(void)state;
	smmu_fini(&smmu_unit_of(t.u)->dev);
	t.u = NULL;
	assert_int_equal(t.m->irq_ctrl, 0);
	assert_false(host_irq_fire(EVTQ_INTID));
	assert_false(host_irq_fire(GERR_INTID));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(probe_registers_a_unit_with_the_core),
		T(s2_attach_translates_and_detach_aborts),
		T(s2_remap_is_invalidated_by_the_core),
		T(pasid_attach_is_not_supported),
		T(refused_tlbi_is_resent_before_the_next_success),
		T(vmid_not_invalidated_on_release_is_not_reused),
		T(nested_guest_tlbi_carries_parent_vmid),
		T(s2_change_under_nested_domain_flushes_all_of_vmid),
		T(nested_domain_with_bad_s1_is_refused),
		T(events_become_fault_records),
		T(malformed_guest_cd_is_a_config_fault),
		cmocka_unit_test_setup_teardown(guest_cd_cannot_enable_stalls, noop, teardown),
		T(s1stalld_only_where_stalls_are_optional),
		cmocka_unit_test_setup_teardown(forced_stall_smmu_is_refused, noop, teardown),
		cmocka_unit_test_setup_teardown(s2_range_unmap_is_one_range_tlbi_and_one_sync,
						setup_ril, teardown),
		cmocka_unit_test_setup_teardown(atc_invalidation_only_for_owned_devices, setup_ats,
						teardown),
		cmocka_unit_test_setup_teardown(stage2_flush_reaches_device_atcs, setup_ats,
						teardown),
		T(domain_fini_releases_the_vmid),
		cmocka_unit_test_setup_teardown(iommu_map_turns_rids_into_stream_ids, setup_map,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_iommu_map_is_refused, noop, teardown),
		cmocka_unit_test_setup_teardown(iort_ranges_turn_rids_into_stream_ids, noop,
						teardown),
		cmocka_unit_test_setup_teardown(bad_iort_range_fails_probe, noop, teardown),
		cmocka_unit_test_setup_teardown(overlapping_iort_outputs_are_one_alias_group, noop,
						teardown),
		cmocka_unit_test_setup_teardown(iommu_map_mask_makes_functions_one_alias_group,
						setup_mask, teardown),
		cmocka_unit_test_setup_teardown(requesters_of_two_segments_are_distinct, noop,
						teardown),
		cmocka_unit_test_setup_teardown(wired_interrupts_deliver_faults_without_polling,
						setup_irqs, teardown),
		cmocka_unit_test_setup_teardown(gerror_interrupt_drains_a_full_queue, setup_irqs,
						teardown),
		T(without_interrupts_the_queue_is_polled),
		cmocka_unit_test_setup_teardown(unroutable_interrupts_fall_back_to_polling, noop,
						teardown),
		cmocka_unit_test_setup_teardown(stuck_irq_ctrlack_falls_back_to_polling, noop,
						teardown),
		cmocka_unit_test_setup_teardown(fini_releases_the_interrupts, setup_irqs, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
