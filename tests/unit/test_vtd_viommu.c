// SPDX-License-Identifier: MIT
/*
 * The vIOMMU's VT-d part on the real VT-d driver, against the register-level model
 * (tests/models/vtd): a VM with one vdev behind the unit, driven through the hypercall
 * dispatcher as its guest would. The guest builds x86-64 first-stage tables in its own RAM
 * (GPAs in every entry), hands their root to MOAT_HC_VIOMMU_SET_S1 with a domain ID of its
 * choosing, and invalidates by that vDID: the model's walk shows where the device's DMA
 * lands, its invalidation log which DID and PASID reached the unit.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "arch/host/vm_host.h"
#include "core/boot_info.h"
#include "core/init.h"
#include "core/frame.h"
#include "core/own.h"
#include "iommu/iommu.h"
#include "iommu/vtd/vtd.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "guest_abi/moat_abi.h"
#include "vtd/vtd_model.h"

#define VTD_BASE 0xfed90000ULL
#define FRAMES (4ULL << 20)
#define PRIV (1ULL << 20)
#define SHARED (1ULL << 20)
#define SHB (VM_RAM_BASE + PRIV) /* first shared GPA */
#define BDF 0x0010		 /* 00:02.0 */
#define IOVA 0x2000000ULL
#define VDID 9
#define QI_PIOTLB 6		  /* VT-d 6.5.2.4 descriptor type */
#define QI_PC 7			  /* 6.5.2.2 */
#define GT_TABLES (SHB + 0x10000) /* the guest's first-stage tables (4 pages): the view maps them */
#define X86_PRW_U 0x7ULL	  /* present, writable, user (VT-d: user requests) */

static struct {
	u8 *frames_ram, *vm_ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct vtd_model *m;
	struct plat_iommu desc;
	struct iommu *u;
	u64 bits[64];
	u64 r[HC_NREGS];
} t;

static struct vm *vm;
static struct vm_config vcfg = {
	.name = "V", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return off == 0 ? 0x12348086u : 0; /* IDs only, no capabilities */
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static int64_t call(u64 fn, u64 a1, u64 a2, u64 a3)
{
	u64 in[HC_NREGS] = { fn, a1, a2, a3 };

	memcpy(t.r, in, sizeof(t.r));
	hypercall_dispatch(&vm->vcpu[0], t.r);
	return (int64_t)t.r[0];
}

static void *ga(u64 g)
{
	return vm_gpa_to_host(vm, gpa(g), 1, VM_MEM_ANY);
}

static int probe_unit(void)
{
	const struct iommu_driver *drv = iommu_driver_find(IOMMU_KIND_VTD);
	struct vtd_model_cfg cfg = vtd_model_nested();
	struct platform plat = { .niommu = 1 };
	struct boot_info bi = { 0 };
	struct moat_ctx ctx = { .bi = &bi, .plat = &plat, .frames = &t.fa };
	struct pa_range r = { pa((u64)(uintptr_t)t.frames_ram), FRAMES };

	if (!drv || frame_init(&t.fa, &r, 1, NULL, 0))
		return -1;
	pt_allocator_frames(&t.alloc, &t.fa);
	t.m = vtd_model_create(VTD_BASE, &cfg);
	vtd_model_add_ram(t.m, r.base.v, FRAMES);
	vtd_model_add_ram(t.m, (u64)(uintptr_t)t.vm_ram, PRIV + SHARED);
	t.desc = (struct plat_iommu){ .kind = IOMMU_KIND_VTD,
				      .base = pa(VTD_BASE),
				      .size = 0x1000,
				      .scoped = true,
				      .include_all = true };
	plat.iommu[0] = t.desc;
	if (drv->ops->probe(&ctx, &t.desc, &t.u))
		return -1;
	return iommu_unit_add(t.u, drv, &t.desc, &t.alloc);
}

static int setup(void **state)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	(void)state;
	test_log_capture();
	iommu_units_reset();
	vtd_units_reset();
	host_s2_reset();
	vdev_reset_all();
	memset(t.frames_ram, 0, FRAMES);
	memset(t.vm_ram, 0, PRIV + SHARED);
	memset(t.bits, 0, sizeof(t.bits));
	own_reset();
	if (own_add(pa((u64)(uintptr_t)t.vm_ram), PRIV + SHARED, own_vm(1)) || probe_unit())
		return -1;
	vm_init(vm, 1, &vcfg, pa((u64)(uintptr_t)t.vm_ram));
	if (viommu_init(vm, t.u, t.bits))
		return -1;
	return vdev_create(vm, 0, BDF, 0x8086, 0x1234, none, types, NULL, &be, NULL);
}

static int teardown(void **state)
{
	(void)state;
	viommu_fini(vm);
	assert_int_equal(t.m->width_aborts, 0);
	assert_int_equal(t.m->sw_if_aborts, 0);
	vtd_fini(&vtd_unit_of(t.u)->dev);
	vtd_model_destroy(t.m);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	vm = vm_alloc();
	t.frames_ram = aligned_alloc(1 << 21, FRAMES);
	t.vm_ram = aligned_alloc(1 << 21, PRIV + SHARED);
	return !vm || !t.frames_ram || !t.vm_ram;
}

static int group_teardown(void **state)
{
	(void)state;
	free(t.frames_ram);
	free(t.vm_ram);
	return 0;
}

/* ---- the guest's side: its first-stage tables, its descriptions ------------------------- */

/* One 4-level path for IOVA's 2 MiB region (PML4, PDPT, PD, PT at GT_TABLES), by GPA. */
static void guest_map(u64 iova, u64 g)
{
	u64 *lvl[4];

	for (unsigned i = 0; i < 4; i++)
		lvl[i] = ga(GT_TABLES + i * PAGE_SIZE);
	lvl[0][(iova >> 39) & 511] = (GT_TABLES + PAGE_SIZE) | X86_PRW_U;
	lvl[1][(iova >> 30) & 511] = (GT_TABLES + 2 * PAGE_SIZE) | X86_PRW_U;
	lvl[2][(iova >> 21) & 511] = (GT_TABLES + 3 * PAGE_SIZE) | X86_PRW_U;
	lvl[3][(iova >> 12) & 511] = g | X86_PRW_U;
}

static u32 handle(void)
{
	return vdev_at(vm, 0)->handle;
}

static int64_t set_s1(u64 root, u16 vdid, u8 flags)
{
	struct moat_s1_desc *s = ga(SHB);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_VTD;
	s->vtd.flptptr = root;
	s->vtd.vdid = vdid;
	s->vtd.flags = flags;
	return call(MOAT_HC_VIOMMU_SET_S1, handle(), SHB, sizeof(*s));
}

static int64_t invalidate(unsigned op, u16 vdid, u32 pasid)
{
	struct moat_inv *e = ga(SHB + 0x100);

	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->op = op;
	e->vtd.vdid = vdid;
	e->vtd.pasid = pasid;
	return call(MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, 1, 0);
}

static int dma_write(u64 iova, u32 w)
{
	return vtd_model_dma(t.m, BDF, iova, &w, 4, true);
}

static u32 word_at(u64 g)
{
	u32 w;

	memcpy(&w, ga(g), 4);
	return w;
}

/* ---- cases ------------------------------------------------------------------------------ */

static void info_reports_what_the_units_cap_and_ecap_say(void **state)
{
	struct moat_viommu_info *i = ga(SHB);

	(void)state;
	assert_int_equal(call(MOAT_HC_VIOMMU_INFO, SHB, sizeof(*i), 0), MOAT_OK);
	assert_int_equal(i->type, MOAT_IOMMU_VTD);
	assert_int_equal(i->formats, MOAT_S1FMT_X86_4L); /* the model's CAP has no FS5LP */
	assert_int_equal(i->ias_bits, 48);
	assert_int_equal(i->ipa_bits, 48); /* SAGAW: 4-level second stage */
	assert_int_equal(i->ssid_bits, 0);
	assert_int_equal(i->asid_bits, 16);
}

/* The guest's first stage is walked by the unit, nested over the VM's shared view. */
static void guest_first_stage_translates_nested_over_the_view(void **state)
{
	struct vdev *d = vdev_at(vm, 0);

	(void)state;
	guest_map(IOVA, SHB + 0x2000);
	guest_map(IOVA + PAGE_SIZE, VM_RAM_BASE + 0x3000); /* private: not on the shared view */
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_VTD_WPE), MOAT_OK);
	assert_ptr_equal(d->dom, &d->nested);
	assert_int_not_equal(d->nested.tags.did, VDID);
	assert_int_equal(dma_write(IOVA + 8, 0xabcd), 0);
	assert_int_equal(word_at(SHB + 0x2008), 0xabcd);
	assert_int_equal(dma_write(IOVA + PAGE_SIZE, 1), VTDM_FR_SL_WRITE);
	assert_int_equal(word_at(VM_RAM_BASE + 0x3000), 0);
	assert_int_equal(dma_write(IOVA + 2 * PAGE_SIZE, 1), VTDM_FR_FS_NP);
	/* back to stage 2 only: the IOVA is a GPA again */
	assert_int_equal(call(MOAT_HC_VIOMMU_CLEAR_S1, handle(), 0, 0), MOAT_OK);
	assert_int_equal(dma_write(SHB + 0x2010, 0x77), 0);
	assert_int_equal(word_at(SHB + 0x2010), 0x77);
}

/* A guest invalidation by its vDID reaches the unit with the nested domain's DID only. */
static void guest_invalidation_goes_out_with_the_physical_did(void **state)
{
	struct vdev *d = vdev_at(vm, 0);
	struct vtdm_desc last;
	unsigned before;

	(void)state;
	guest_map(IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, 0), MOAT_OK);
	assert_int_equal(dma_write(IOVA, 1), 0);
	guest_map(IOVA, SHB + 0x4000); /* the guest remaps: stale until it invalidates */
	assert_int_equal(dma_write(IOVA, 2), 0);
	assert_int_equal(word_at(SHB + 0x2000), 2);
	before = vtd_model_count(t.m, QI_PIOTLB, NULL);
	assert_int_equal(invalidate(MOAT_INV_VTD_PIOTLB_PASID, VDID, 0), MOAT_OK);
	assert_int_equal(vtd_model_count(t.m, QI_PIOTLB, &last), before + 1);
	assert_int_equal(FIELD_GET(GENMASK(31, 16), last.w[0]), d->nested.tags.did);
	assert_int_equal(FIELD_GET(GENMASK(51, 32), last.w[0]), 0); /* RID_PASID */
	assert_int_equal(dma_write(IOVA, 3), 0);
	assert_int_equal(word_at(SHB + 0x4000), 3);
	/* the PASID cache form: a PASID-cache descriptor on the same DID, then the IOTLB */
	before = vtd_model_count(t.m, QI_PC, NULL);
	assert_int_equal(invalidate(MOAT_INV_VTD_PASID_CACHE, VDID, 0), MOAT_OK);
	assert_int_equal(vtd_model_count(t.m, QI_PC, &last), before + 1);
	assert_int_equal(FIELD_GET(GENMASK(31, 16), last.w[0]), d->nested.tags.did);
}

/* A forged vDID or PASID, and a first-stage root outside the VM, never reach the unit. */
static void forged_tags_and_foreign_roots_are_refused_with_nothing_queued(void **state)
{
	struct vdev *d = vdev_at(vm, 0);
	unsigned before;

	(void)state;
	guest_map(IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, 0), MOAT_OK);
	before = t.m->nlog;
	assert_int_equal(invalidate(MOAT_INV_VTD_PIOTLB_PASID, VDID + 1, 0), MOAT_DENIED);
	assert_int_equal(invalidate(MOAT_INV_VTD_PIOTLB_PASID, VDID, 5), MOAT_DENIED);
	assert_int_equal(t.m->nlog, before);
	/* roots: outside the VM, past its RAM, in private RAM the shared view does not map (the
	 * unit could not walk it), the guest's own tables but a supervisor request or EAFE */
	assert_int_equal(set_s1((u64)(uintptr_t)t.frames_ram, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(VM_RAM_BASE + PRIV + SHARED, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(VM_RAM_BASE + 0x8000, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_VTD_SRE), MOAT_NOT_SUPPORTED);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_VTD_EAFE), MOAT_NOT_SUPPORTED);
	assert_int_equal(t.m->nlog, before);
	/* the accepted stage-1 is still in force */
	assert_int_equal(d->nested.s1.vtd.fsptptr.v, GT_TABLES);
	assert_int_equal(dma_write(IOVA, 9), 0);
	assert_int_equal(word_at(SHB + 0x2000), 9);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(info_reports_what_the_units_cap_and_ecap_say),
		T(guest_first_stage_translates_nested_over_the_view),
		T(guest_invalidation_goes_out_with_the_physical_did),
		T(forged_tags_and_foreign_roots_are_refused_with_nothing_queued),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
