// SPDX-License-Identifier: MIT
/*
 * The VT-d driver behind the IOMMU core, against the register-level model (tests/models/vtd):
 * probe and handshakes, second-stage domains, stage-2 updates with their invalidation,
 * nested domains and the checks of the guest's first-stage description, guest invalidations
 * split onto physical (DID, PASID) with device-TLB synthesis, fault records, interrupt
 * remapping with source-id checks, and an invalidation that times out. Every case also
 * checks, in teardown, that the driver never wrote a 32-bit register with an 8-byte access
 * and never set SW and IF in one wait descriptor (QEMU 10.0 aborts on both).
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
#include "lib/bits.h"
#include "lib/err.h"
#include "vtd/vtd_model.h"
#include "arch/host/irq_host.h"

#define VTD_BASE 0xfed90000ULL
#define RAM_SIZE (8ULL << 20)
#define SID 0x0008 /* 00:01.0 */
#define SID2 0x0010
#define GPA_A 0x100000ULL
#define GPA_B 0x101000ULL
#define IOVA 0x40000000ULL
#define VDID 7
#define VM 2

static struct {
	struct unit_fixture fx;
	struct vtd_model *m;
	struct iommu_domain s2, nd;
	unsigned msis, notified;
	bool deliver; /* MSIs reach the (fake) local APIC */
} t;

static u64 page(u8 fill)
{
	paddr_t p;

	assert_int_equal(frame_alloc_one(&t.fx.fa, &p), 0);
	memset((void *)(uintptr_t)p.v, fill, PAGE_SIZE);
	return p.v;
}

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	t.msis++;
	if (t.deliver)
		host_msi_deliver(addr, data);
}

static void on_notify(struct iommu *u)
{
	(void)u;
	t.notified++;
}

static int probe(struct vtd_model_cfg cfg)
{
	const struct plat_iommu desc = { .kind = IOMMU_KIND_VTD,
					 .base = pa(VTD_BASE),
					 .size = 0x1000,
					 .scoped = true,
					 .include_all = true };

	memset(&t, 0, sizeof(t));
	test_log_capture();
	iommu_units_reset();
	vtd_units_reset();
	host_irq_reset();
	iommu_fault_notify_set(NULL);
	if (unit_fixture_init(&t.fx, RAM_SIZE, VM, &desc))
		return -1;
	cfg.msi = on_msi;
	t.m = vtd_model_create(VTD_BASE, &cfg);
	vtd_model_add_ram(t.m, t.fx.r.base.v, RAM_SIZE);
	return 0;
}

static int attach_unit(void)
{
	return unit_fixture_attach(&t.fx);
}

static int setup_cfg(struct vtd_model_cfg cfg)
{
	if (probe(cfg) || attach_unit() || iommu_domain_s2_init(&t.s2, t.fx.u, 48))
		return -1;
	t.s2.owner = VM;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_cfg(vtd_model_nested());
}

static int setup_sl(void **state)
{
	(void)state;
	return setup_cfg(vtd_model_qemu_sl());
}

static int setup_fl(void **state)
{
	(void)state;
	return setup_cfg(vtd_model_qemu_fl());
}

static int teardown(void **state)
{
	(void)state;
	if (t.m) {
		assert_int_equal(t.m->width_aborts, 0);
		assert_int_equal(t.m->sw_if_aborts, 0);
	}
	if (t.fx.u)
		vtd_fini(&vtd_unit_of(t.fx.u)->dev);
	vtd_model_destroy(t.m);
	unit_fixture_free(&t.fx);
	return 0;
}

static int noop(void **state)
{
	(void)state;
	return 0;
}

static int clear(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	return 0;
}

static int dma(u16 sid, u64 addr, u32 *w, bool write)
{
	return vtd_model_dma(t.m, sid, addr, w, 4, write);
}

static void assert_dma(u16 sid, u64 addr, u64 host)
{
	static u32 seq = 0x1234;
	u32 w = ++seq, back = 0;

	assert_int_equal(dma(sid, addr, &w, true), 0);
	memcpy(&back, (void *)(uintptr_t)host, 4);
	assert_int_equal(back, w);
}

static void map(u64 g, u64 h)
{
	assert_int_equal(iommu_s2_map(&t.s2, gpa(g), pa(h), PAGE_SIZE, PT_PROT_R | PT_PROT_W), 0);
}

/* ---- guest first stage (tables in guest RAM, identity-mapped GPA = PA in stage 2) --------- */

static int galloc(struct pt_allocator *a, unsigned n, paddr_t *out)
{
	int err = t.fx.alloc.alloc(&t.fx.alloc, n, out);

	(void)a;
	return err ? err
		   : iommu_s2_map(&t.s2, gpa(out->v), *out, (u64)n << 12, PT_PROT_R | PT_PROT_W);
}

static void gfree(struct pt_allocator *a, paddr_t base, unsigned n)
{
	(void)a;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(base.v), (u64)n << 12), 0);
	t.fx.alloc.free(&t.fx.alloc, base, n);
}

static struct pt_allocator ga = { .alloc = galloc, .free = gfree };
static struct pt gpt;

static u64 guest_fs(void)
{
	struct pt_config c = { .fmt = PT_X86_64, .ias = 48, .oas = 48, .alloc = &ga };
	struct pt_hw_desc h;

	assert_int_equal(pt_init(&gpt, &c), 0);
	pt_hw_describe(&gpt, &h);
	return h.root.v;
}

static void guest_map(u64 iova, u64 g)
{
	struct pt_gather pg;

	pt_gather_init(&pg, NULL);
	assert_int_equal(
		pt_map(&gpt, iova, pa(g), PAGE_SIZE, PT_PROT_R | PT_PROT_W | PT_PROT_U, &pg), 0);
	pt_gather_sync(&pg, &gpt);
}

static struct iommu_s1 s1_of(u64 root)
{
	return (struct iommu_s1){ .vendor = IOMMU_VENDOR_VTD,
				  .vtd = { .fsptptr = gpa(root), .levels = 4, .vdid = VDID } };
}

static void nested_attach(u64 root)
{
	struct iommu_s1 s1 = s1_of(root);

	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	assert_int_equal(iommu_attach(&t.nd, SID, IOMMU_NO_PASID), 0);
}

static struct iommu_inv guest_inv(u16 vdid, u32 pasid)
{
	return (struct iommu_inv){
		.kind = IOMMU_INV_VTD,
		.vtd = { .gran = IOMMU_VTD_INV_PASID_ALL, .vdid = vdid, .pasid = pasid }
	};
}

/* ---- probe ---------------------------------------------------------------------------------- */

static void probe_enables_translation_qi_and_remapping(void **state)
{
	(void)state;
	assert_int_equal(iommu_unit_count(), 1);
	assert_ptr_equal(iommu_unit(0)->drv, vtd_driver());
	/* TES, RTPS, QIES, IRES, IRTPS; CFIS never (compatibility interrupts stay blocked) */
	assert_int_equal(t.m->gsts, 1u << 31 | 1u << 30 | 1u << 26 | 1u << 25 | 1u << 24);
	assert_int_equal(t.m->rtaddr_live & (3 << 10), 1 << 10); /* scalable */
	assert_true(t.m->iqa & (1 << 11));			 /* 256-bit descriptors */
	assert_int_not_equal(t.s2.tags.did, 0);
	assert_int_equal(t.s2.s2.cfg.fmt, PT_VTD_SS);
	assert_true(test_log_has("scalable, SL+FL+nested, 48-bit HAW"));
}

static void probe_skips_a_legacy_only_unit(void **state)
{
	struct vtd_model_cfg c = vtd_model_qemu_sl();

	(void)state;
	c.ecap &= ~(1ULL << 43); /* no SMTS */
	assert_int_equal(probe(c), 0);
	assert_int_equal(attach_unit(), -E_NODEV);
	t.fx.u = NULL;
}

static void probe_times_out_when_gsts_is_stuck(void **state)
{
	(void)state;
	assert_int_equal(probe(vtd_model_qemu_sl()), 0);
	t.m->stuck_gsts = true;
	assert_int_equal(attach_unit(), -E_TIMEOUT);
	t.fx.u = NULL;
}

/* ---- second stage ---------------------------------------------------------------------------- */

static void s2_dma_reaches_vm_ram_and_outside_faults(void **state)
{
	u64 a = page(0);
	struct iommu_fault f;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(dma(SID, GPA_A, &w, true), VTDM_FR_ROOT_NP); /* not attached: blocked */
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.stage, IOMMU_FAULT_CONFIG);
	assert_int_equal(f.rid, IOMMU_RID_NONE); /* nobody holds the tag */
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A + 0x10, a + 0x10);
	assert_int_equal(dma(SID, GPA_B, &w, true), VTDM_FR_SL_WRITE);
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.vendor_code, VTDM_FR_SL_WRITE);
	assert_int_equal(f.rid, SID);
	assert_int_equal(f.owner, VM);
	assert_int_equal(f.stage, IOMMU_FAULT_S2);
	assert_int_equal(f.addr, GPA_B);
	assert_int_equal(f.access, IOMMU_FAULT_WRITE);
	assert_int_equal(f.pasid, IOMMU_NO_PASID);
}

static void unmap_stops_dma_before_it_returns(void **state)
{
	u64 a = page(0);
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, a); /* now in the model's IOTLB */
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), 0);
	assert_int_equal(dma(SID, GPA_A, &w, false), VTDM_FR_SL_READ);
	assert_true(vtd_model_count(t.m, 2, NULL) > 0); /* IOTLB (second-stage-only entries) */
}

static void remap_is_seen_at_once(void **state)
{
	u64 a = page(0), b = page(0);

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, a);
	map(GPA_A, b);
	assert_dma(SID, GPA_A, b);
}

static void detach_blocks_dma_and_reattach_uses_the_new_domain(void **state)
{
	struct iommu_domain other;
	u64 a = page(0), b = page(0);
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, a);
	assert_int_equal(iommu_detach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_int_equal(dma(SID, GPA_A, &w, false), VTDM_FR_PTE_NP);
	assert_int_equal(iommu_domain_s2_init(&other, t.fx.u, 48), 0);
	other.owner = VM;
	assert_int_equal(iommu_s2_map(&other, gpa(GPA_A), pa(b), PAGE_SIZE, PT_PROT_R | PT_PROT_W),
			 0);
	assert_int_equal(iommu_attach(&other, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, b);
	assert_int_not_equal(other.tags.did, t.s2.tags.did);
	assert_int_equal(iommu_detach(&other, SID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_domain_fini(&other), 0);
}

static void read_only_mapping_refuses_writes(void **state)
{
	u64 a = page(0);
	u32 w = 0;

	(void)state;
	assert_int_equal(iommu_s2_map(&t.s2, gpa(GPA_A), pa(a), PAGE_SIZE, PT_PROT_R), 0);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_int_equal(dma(SID, GPA_A, &w, false), 0);
	assert_int_equal(dma(SID, GPA_A, &w, true), VTDM_FR_SL_WRITE);
}

static void first_stage_only_unit_runs_the_s2_as_first_stage(void **state)
{
	u64 a = page(0);
	u32 w = 0;

	(void)state;
	assert_int_equal(t.s2.s2.cfg.fmt, PT_X86_64);
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, a);
	assert_int_equal(dma(SID, GPA_B, &w, false), VTDM_FR_FS_NP);
	/* and it cannot nest */
	{
		struct iommu_s1 s1 = s1_of(GPA_A);

		assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	}
}

/* ---- nested ------------------------------------------------------------------------------------ */

static void nested_translates_through_both_stages(void **state)
{
	u64 a = page(0), root = guest_fs();
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	guest_map(IOVA, GPA_A);
	guest_map(IOVA + PAGE_SIZE, GPA_B); /* GPA_B is not the VM's */
	nested_attach(root);
	assert_int_not_equal(t.nd.tags.did, t.s2.tags.did);
	assert_dma(SID, IOVA + 4, a + 4);
	assert_int_equal(dma(SID, IOVA + PAGE_SIZE, &w, true), VTDM_FR_SL_WRITE);
	assert_int_equal(dma(SID, IOVA + 2 * PAGE_SIZE, &w, true), VTDM_FR_FS_NP);
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
}

static void guest_invalidation_is_split_onto_the_physical_did(void **state)
{
	u64 a = page(0), b = page(0), root = guest_fs();
	struct iommu_inv inv = guest_inv(VDID, 0);
	struct vtdm_desc last;
	unsigned done, before;

	(void)state;
	map(GPA_A, a);
	map(GPA_B, b);
	guest_map(IOVA, GPA_A);
	nested_attach(root);
	assert_dma(SID, IOVA, a);
	guest_map(IOVA, GPA_B); /* the guest remaps: stale until it invalidates */
	assert_dma(SID, IOVA, a);
	before = vtd_model_count(t.m, 6, NULL);
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(vtd_model_count(t.m, 6, &last), before + 1);
	assert_int_equal(FIELD_GET(GENMASK(31, 16), last.w[0]), t.nd.tags.did);
	assert_int_not_equal(t.nd.tags.did, VDID);
	assert_dma(SID, IOVA, b);
}

static void page_selective_guest_invalidation_keeps_its_range(void **state)
{
	u64 root = guest_fs();
	struct iommu_inv inv = guest_inv(VDID, 0);
	struct vtdm_desc last;
	unsigned done;

	(void)state;
	nested_attach(root);
	inv.vtd.gran = IOMMU_VTD_INV_PASID_ADDR;
	inv.vtd.addr = IOVA;
	inv.vtd.am = 2;
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), 0);
	vtd_model_count(t.m, 6, &last);
	assert_int_equal(last.w[1] & ~0xfffULL, IOVA);
	assert_int_equal(last.w[1] & 0x3f, 2);
	inv.vtd.am = 40; /* beyond MAMV */
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), -E_INVAL);
}

static void forged_did_or_pasid_is_refused(void **state)
{
	u64 root = guest_fs();
	struct iommu_inv forged_did = guest_inv(VDID + 1, 0), forged_pasid = guest_inv(VDID, 5);
	unsigned done, before;

	(void)state;
	nested_attach(root);
	before = t.m->nlog;
	assert_int_equal(iommu_invalidate(&t.nd, &forged_did, 1, &done), -E_PERM);
	assert_int_equal(iommu_invalidate(&t.nd, &forged_pasid, 1, &done), -E_PERM);
	assert_int_equal(done, 0);
	assert_int_equal(t.m->nlog, before); /* nothing reached the hardware */
	/* a guest invalidation on the nesting parent is not the guest's to make */
	assert_int_equal(iommu_invalidate(&t.s2, &forged_did, 1, &done), -E_PERM);
}

static void malformed_first_stage_descriptions_are_refused(void **state)
{
	u64 root = guest_fs();
	struct iommu_s1 s1;

	(void)state;
	s1 = s1_of(1ULL << 48); /* beyond the VM's guest-physical space */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_RANGE);
	s1 = s1_of(GPA_B); /* inside it, but not the VM's RAM */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_RANGE);
	s1 = s1_of(root + 8); /* misaligned */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	s1 = s1_of(root);
	s1.vtd.levels = 3;
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_INVAL);
	s1 = s1_of(root);
	s1.vtd.sre = true; /* supervisor requests */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	s1 = s1_of(root);
	s1.vtd.eafe = true; /* no EAFS on this unit */
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
	s1 = s1_of(root);
	s1.vendor = IOMMU_VENDOR_SMMUV3;
	assert_int_not_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
	s1 = s1_of(root);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), 0);
}

static void nested_is_refused_without_ecap_nest(void **state)
{
	u64 root;
	struct iommu_s1 s1;

	(void)state;
	root = guest_fs();
	s1 = s1_of(root);
	assert_int_equal(iommu_domain_nested_init(&t.nd, &t.s2, &s1), -E_NOTSUP);
}

static void ats_device_tlb_is_synthesised_and_guest_atc_dropped(void **state)
{
	u64 root = guest_fs();
	struct iommu_inv inv = guest_inv(VDID, 0);
	struct iommu_inv atc = { .kind = IOMMU_INV_ATC,
				 .atc = { .rid = SID, .pasid = IOMMU_NO_PASID, .size_order = 64 } };
	struct vtdm_desc last;
	unsigned done, n;

	(void)state;
	assert_int_equal(vtd_ats_set(t.fx.u, SID, true), 0);
	nested_attach(root);
	n = vtd_model_count(t.m, 8, NULL);
	assert_int_equal(iommu_invalidate(&t.nd, &inv, 1, &done), 0);
	assert_int_equal(vtd_model_count(t.m, 8, &last), n + 1);
	assert_int_equal(FIELD_GET(GENMASK(31, 16), last.w[0]), SID);
	assert_int_equal(iommu_invalidate(&t.nd, &atc, 1, &done), 0);
	assert_int_equal(vtd_model_count(t.m, 8, NULL), n + 1);
	/* a stage-2 change reaches the device TLB too */
	map(GPA_A, page(0));
	assert_int_equal(vtd_model_count(t.m, 8, NULL), n + 2);
}

/* The PASID entry of (sid, PASID 0), read from the tables the unit walks. */
static u64 *pe_of(u16 sid)
{
	u64 *root = (u64 *)(uintptr_t)(t.m->rtaddr_live & ~0xfffULL), *ctx, *dir;

	ctx = (u64 *)(uintptr_t)(root[(sid >> 8) * 2 + ((sid & 0xff) >= 128)] & ~0xfffULL);
	dir = (u64 *)(uintptr_t)(ctx[(sid & 0x7f) * 4] & ~0xfffULL);
	return (u64 *)(uintptr_t)(dir[0] & ~0xfffULL);
}

static struct {
	unsigned n;
	bool present[8];
	u16 did[8];
} pc_seen;

static void watch_pasid_cache(struct vtd_model *m, const uint64_t *w, void *arg)
{
	u64 *pe = arg;

	(void)m;
	if ((w[0] & 0xf) == 7 && pc_seen.n < 8) { /* PASID-cache invalidation */
		pc_seen.present[pc_seen.n] = pe[0] & 1;
		pc_seen.did[pc_seen.n++] = (u16)FIELD_GET(GENMASK(31, 16), w[0]);
	}
}

static void live_pasid_entry_is_retired_before_it_is_rewritten(void **state)
{
	struct vtd_pe pe = { { 0 } };
	u64 *e;

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	e = pe_of(SID);
	memcpy(pe.w, e, sizeof(pe.w));
	pe.w[1] = 99; /* the same tables under another DID */
	memset(&pc_seen, 0, sizeof(pc_seen));
	t.m->on_desc = watch_pasid_cache;
	t.m->on_desc_arg = e;
	assert_int_equal(vtd_pe_install(&vtd_unit_of(t.fx.u)->dev, SID, 0, &pe), 0);
	t.m->on_desc = NULL;
	/* old DID invalidated while the entry was not present, the new one once it was */
	assert_int_equal(pc_seen.n, 2);
	assert_false(pc_seen.present[0]);
	assert_int_equal(pc_seen.did[0], t.s2.tags.did);
	assert_true(pc_seen.present[1]);
	assert_int_equal(pc_seen.did[1], 99);
	assert_int_equal(vtd_pe_clear(&vtd_unit_of(t.fx.u)->dev, SID, 0, 99), 0);
	assert_int_equal(e[0], 0);
}

static void device_tlb_ranges_use_the_ats_size_encoding(void **state)
{
	struct vtd_qi_desc d;

	(void)state;
	d = vtd_qi_pdevtlb(SID, 3, IOVA, PAGE_SIZE); /* one page: S clear */
	assert_int_equal(d.w[1], IOVA);
	assert_int_equal(FIELD_GET(GENMASK(31, 16), d.w[0]), SID);
	assert_int_equal(FIELD_GET(GENMASK(51, 32), d.w[0]), 3);
	d = vtd_qi_pdevtlb(SID, 3, IOVA, 4 * PAGE_SIZE); /* 16 KiB: S, address bit 12 set */
	assert_int_equal(d.w[1], IOVA | 1 << 12 | 1 << 11);
	d = vtd_qi_pdevtlb(SID, 3, IOVA + PAGE_SIZE, 2 * PAGE_SIZE); /* unaligned: 16 KiB */
	assert_int_equal(d.w[1], IOVA | 1 << 12 | 1 << 11);
	d = vtd_qi_pdevtlb(SID, 3, 0, 0); /* everything */
	assert_int_equal(d.w[1], 0x7ffffffffffff000ULL | 1 << 11);
	d = vtd_qi_piotlb(5, 3, IOVA + PAGE_SIZE, 2 * PAGE_SIZE, true); /* AM 2 covers it */
	assert_int_equal(d.w[1], IOVA | 2 | 1 << 6);
}

/* ---- invalidation failure --------------------------------------------------------------------- */

static void invalidation_timeout_is_owed_and_resent(void **state)
{
	u64 a = page(0);
	unsigned n;
	u32 w = 0;

	(void)state;
	map(GPA_A, a);
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_dma(SID, GPA_A, a);
	t.m->qi_stalled = true;
	assert_int_equal(iommu_s2_unmap(&t.s2, gpa(GPA_A), PAGE_SIZE), -E_TIMEOUT);
	assert_true(t.s2.flush_owed);
	assert_true(test_log_has("timed out"));
	t.m->qi_stalled = false;
	n = vtd_model_count(t.m, 2, NULL);
	map(GPA_B, page(0)); /* resends what was owed first, then its own */
	assert_false(t.s2.flush_owed);
	assert_true(vtd_model_count(t.m, 2, NULL) >= n + 2);
	assert_int_equal(dma(SID, GPA_A, &w, false), VTDM_FR_SL_READ);
}

/* ---- faults ---------------------------------------------------------------------------------- */

static void faults_of_two_sources_collapse_and_overflow(void **state)
{
	u32 w = 0;
	struct iommu_fault f;
	unsigned n = 0;

	(void)state;
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_int_equal(iommu_attach(&t.s2, SID2, IOMMU_NO_PASID), 0);
	for (unsigned i = 0; i < 8; i++)
		dma(SID, GPA_B + i * PAGE_SIZE, &w, true);
	dma(SID2, GPA_B, &w, true); /* the one register is full: PFO */
	assert_int_equal(t.m->collapsed, 7);
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
	while (!iommu_fault_pop(t.fx.u, &f))
		n++;
	assert_int_equal(n, 1);
	assert_int_equal(vtd_unit_of(t.fx.u)->dev.faults_overflow, 1);
	/* re-armed: the next fault is recorded */
	dma(SID2, GPA_B, &w, true);
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0);
	assert_int_equal(f.rid, SID2);
}

static void fault_event_msi_drains_records_to_the_owner(void **state)
{
	struct iommu_fault f;
	u32 w = 0;

	(void)state;
	assert_true(t.fx.u->irq_driven);
	assert_true(test_log_has("faults by MSI"));
	iommu_fault_notify_set(on_notify);
	t.deliver = true;
	assert_int_equal(iommu_attach(&t.s2, SID, IOMMU_NO_PASID), 0);
	assert_int_equal(dma(SID, GPA_B, &w, false), VTDM_FR_SL_READ);
	assert_int_equal(t.msis, 1);
	assert_int_equal(t.notified, 1);
	assert_int_equal(iommu_fault_pop(t.fx.u, &f), 0); /* drained by the handler, no poll */
	assert_int_equal(f.owner, VM);
	assert_int_equal(f.access, IOMMU_FAULT_READ);
	/* the register was freed: the next fault is recorded and signalled again */
	assert_int_equal(dma(SID, GPA_B + PAGE_SIZE, &w, true), VTDM_FR_SL_WRITE);
	assert_int_equal(t.notified, 2);
	iommu_fault_notify_set(NULL);
}

static void fault_events_are_polled_without_msi_delivery(void **state)
{
	(void)state;
	vtd_fini(&vtd_unit_of(t.fx.u)->dev);
	vtd_model_destroy(t.m);
	unit_fixture_free(&t.fx);
	assert_int_equal(probe(vtd_model_qemu_sl()), 0);
	host_irq_fail = -E_NOTSUP;
	assert_int_equal(attach_unit(), 0);
	assert_false(t.fx.u->irq_driven);
	assert_true(test_log_has("faults by polling"));
	assert_true(t.m->fectl >> 31); /* left masked */
}

/* ---- interrupt remapping ------------------------------------------------------------------------ */

static void msi_outside_its_irtes_is_blocked(void **state)
{
	struct vtd_irq_req r = {
		.sid = SID, .owner = VM, .vector = 0x41, .dest = 1, .allowed = 0x6
	};
	struct vtdm_irq irq;
	u32 h, data;
	u64 addr;

	(void)state;
	assert_int_equal(vtd_irte_alloc(t.fx.u, &r, &h), 0);
	vtd_msi_compose(h, &addr, &data);
	assert_int_equal(vtd_model_msi(t.m, SID, addr, data, &irq), 0);
	assert_int_equal(irq.vector, 0x41);
	assert_int_equal(irq.dest, 1);
	/* another function using the same handle: source-id verification */
	assert_int_equal(vtd_model_msi(t.m, SID2, addr, data, &irq), VTDM_FR_IR_SID);
	/* handles Moat did not hand out */
	vtd_msi_compose(h + 1, &addr, &data);
	assert_int_equal(vtd_model_msi(t.m, SID, addr, data, &irq), VTDM_FR_IR_NOT_PRESENT);
	vtd_msi_compose(300, &addr, &data);
	assert_int_equal(vtd_model_msi(t.m, SID, addr, data, &irq), VTDM_FR_IR_INDEX);
	/* a compatibility-format MSI (any vector, any CPU) stays blocked */
	assert_int_equal(vtd_model_msi(t.m, SID, 0xfee01000, 0x30, &irq), VTDM_FR_IR_COMPAT);
	/* freed: blocked at once (entry cache invalidated) */
	assert_int_equal(vtd_irte_free(t.fx.u, h, VM + 1), -E_PERM);
	assert_int_equal(vtd_irte_free(t.fx.u, h, VM), 0);
	vtd_msi_compose(h, &addr, &data);
	assert_int_equal(vtd_model_msi(t.m, SID, addr, data, &irq), VTDM_FR_IR_NOT_PRESENT);
	assert_int_equal(t.fx.u->drv->ops->fault_poll(t.fx.u), 0);
}

static void irte_requests_outside_the_vm_are_refused(void **state)
{
	struct vtd_irq_req r = {
		.sid = SID, .owner = VM, .vector = 0x41, .dest = 3, .allowed = 0x6
	};
	u32 h;

	(void)state;
	assert_int_equal(vtd_irte_alloc(t.fx.u, &r, &h), -E_RANGE); /* CPU not the VM's */
	r.dest = 2;
	r.vector = 0x0e; /* an exception vector */
	assert_int_equal(vtd_irte_alloc(t.fx.u, &r, &h), -E_RANGE);
	r.vector = 0x50;
	for (unsigned i = 0; i < VTD_IRT_ENTRIES; i++)
		assert_int_equal(vtd_irte_alloc(t.fx.u, &r, &h), 0);
	assert_int_equal(vtd_irte_alloc(t.fx.u, &r, &h), -E_NOSPC);
}

/* ---- firmware scope ---------------------------------------------------------------------------- */

static void drhd_scope_picks_the_unit_and_sid(void **state)
{
	struct iommu_dev edu = { .rid = IOMMU_RID(0, SID) }, other = { .rid = IOMMU_RID(1, SID) };
	struct iommu_tagset ts;
	struct iommu *u;

	(void)state;
	assert_int_equal(iommu_unit_for(&edu, &u), 0);
	assert_ptr_equal(u, t.fx.u);
	assert_int_equal(iommu_dev_tags(u, &edu, &ts), 0);
	assert_int_equal(ts.n, 1);
	assert_int_equal(ts.tag[0], SID);
	/* INCLUDE_PCI_ALL covers its segment only */
	assert_int_equal(iommu_unit_for(&other, &u), -E_NOENT);
}

#define T(n) cmocka_unit_test_setup_teardown(n, setup, teardown)
#define TS(n) cmocka_unit_test_setup_teardown(n, setup_sl, teardown)
#define TF(n) cmocka_unit_test_setup_teardown(n, setup_fl, teardown)
#define TN(n) cmocka_unit_test_setup_teardown(n, noop, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(probe_enables_translation_qi_and_remapping),
		TN(probe_skips_a_legacy_only_unit),
		TN(probe_times_out_when_gsts_is_stuck),
		T(s2_dma_reaches_vm_ram_and_outside_faults),
		TS(s2_dma_reaches_vm_ram_and_outside_faults),
		T(unmap_stops_dma_before_it_returns),
		TS(remap_is_seen_at_once),
		T(detach_blocks_dma_and_reattach_uses_the_new_domain),
		TS(read_only_mapping_refuses_writes),
		TF(first_stage_only_unit_runs_the_s2_as_first_stage),
		T(nested_translates_through_both_stages),
		T(guest_invalidation_is_split_onto_the_physical_did),
		T(page_selective_guest_invalidation_keeps_its_range),
		T(forged_did_or_pasid_is_refused),
		T(malformed_first_stage_descriptions_are_refused),
		TS(nested_is_refused_without_ecap_nest),
		T(ats_device_tlb_is_synthesised_and_guest_atc_dropped),
		T(live_pasid_entry_is_retired_before_it_is_rewritten),
		cmocka_unit_test_setup_teardown(device_tlb_ranges_use_the_ats_size_encoding, clear,
						teardown),
		T(invalidation_timeout_is_owed_and_resent),
		TS(faults_of_two_sources_collapse_and_overflow),
		TS(fault_event_msi_drains_records_to_the_owner),
		TS(fault_events_are_polled_without_msi_delivery),
		TS(msi_outside_its_irtes_is_blocked),
		T(irte_requests_outside_the_vm_are_refused),
		T(drhd_scope_picks_the_unit_and_sid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
