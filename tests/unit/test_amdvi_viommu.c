// SPDX-License-Identifier: MIT
/*
 * The vIOMMU's AMD-Vi part on the real AMD-Vi driver, against the register-level model
 * (tests/models/amdvi, which walks the GCR3 table and the guest's x86 tables nested over the
 * v1 host table): a VM with one vdev behind the unit, driven through the hypercall dispatcher
 * as its guest would. The guest builds a GCR3 table and x86-64 tables in its own RAM (GPAs in
 * every entry), hands the GCR3 root to MOAT_HC_VIOMMU_SET_S1 with a domain ID of its choosing,
 * and invalidates by that vDID and by its vdev handle: the model's walk shows where the
 * device's DMA lands, its command log which DomainID and DeviceID reached the unit. QEMU 10.0
 * ignores GV, GLX and GCR3, so this path runs on the model only (docs/amdvi.md).
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "amdvi/amdvi_model.h"
#include "arch/host/vm_host.h"
#include "core/boot_info.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/own.h"
#include "guest_abi/moat_abi.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_dev.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"

#define AMD_BASE 0xfed80000ULL
#define FRAMES (4ULL << 20)
#define PRIV (1ULL << 20)
#define SHARED (1ULL << 20)
#define SHB (VM_RAM_BASE + PRIV) /* first shared GPA */
#define BDF 0x0010		 /* 00:02.0: its DeviceID */
#define IOVA 0x2000000ULL
#define VDID 0x77      /* never one of Moat's DomainIDs here (they count from 1) */
#define OP_INV_PAGES 3 /* 48882 command opcodes */
#define OP_INV_IOTLB 4
#define GT_TABLES (SHB + 0x10000) /* GCR3 table, then the guest's x86 tables: the view maps them */
#define X86_PRW_U 0x7ULL	  /* present, writable, user */

static struct {
	u8 *frames_ram, *vm_ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct amdvi_model *m;
	struct plat_iommu desc;
	struct iommu *u;
	u64 bits[64];
	u64 r[HC_NREGS];
} t;

/* The physical DomainIDs the vdev's nested domains were given (the checks' allow list). */
static u16 nested_dids[8];
static unsigned n_nested_dids;

static struct vm *vm;
static struct vm_config vcfg = {
	.name = "V", .private_size = PRIV, .shared_size = SHARED, .nvcpus = 1
};

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return off == 0 ? 0x12341022u : 0; /* IDs only, no capabilities (no ATS) */
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

static int probe_unit(struct amdvi_model_cfg cfg)
{
	const struct iommu_driver *drv = iommu_driver_find(IOMMU_KIND_AMDVI);
	struct platform plat = { .niommu = 1 };
	struct boot_info bi = { 0 };
	struct moat_ctx ctx = { .bi = &bi, .plat = &plat, .frames = &t.fa };
	struct pa_range r = { pa((u64)(uintptr_t)t.frames_ram), FRAMES };

	if (!drv || frame_init(&t.fa, &r, 1, NULL, 0))
		return -1;
	pt_allocator_frames(&t.alloc, &t.fa);
	t.m = amdvi_model_create(AMD_BASE, &cfg);
	amdvi_model_add_ram(t.m, r.base.v, FRAMES);
	amdvi_model_add_ram(t.m, (u64)(uintptr_t)t.vm_ram, PRIV + SHARED);
	t.desc = (struct plat_iommu){ .kind = IOMMU_KIND_AMDVI,
				      .base = pa(AMD_BASE),
				      .size = 0x80000,
				      .scoped = true,
				      .include_all = true,
				      .features = cfg.efr };
	plat.iommu[0] = t.desc;
	if (drv->ops->probe(&ctx, &t.desc, &t.u))
		return -1;
	return iommu_unit_add(t.u, drv, &t.desc, &t.alloc);
}

static int setup_cfg(struct amdvi_model_cfg cfg)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	test_log_capture();
	iommu_units_reset();
	amdvi_units_reset();
	host_s2_reset();
	vdev_reset_all();
	memset(t.frames_ram, 0, FRAMES);
	memset(t.vm_ram, 0, PRIV + SHARED);
	memset(t.bits, 0, sizeof(t.bits));
	n_nested_dids = 0;
	own_reset();
	if (own_add(pa((u64)(uintptr_t)t.vm_ram), PRIV + SHARED, own_vm(1)) || probe_unit(cfg))
		return -1;
	vm_init(vm, 1, &vcfg, pa((u64)(uintptr_t)t.vm_ram));
	if (viommu_init(vm, t.u, t.bits))
		return -1;
	return vdev_create(vm, 0, BDF, 0x1022, 0x1234, none, types, NULL, &be, NULL);
}

/* A unit with guest translation (GTSup, GLX 1, 5-level guests, GIOSup). */
static int setup(void **state)
{
	(void)state;
	return setup_cfg(amdvi_model_full());
}

/* QEMU 10.0's EFR: GTSup, but one-level GCR3 tables, 4-level guests and no GIOSup. */
static int setup_qemu(void **state)
{
	(void)state;
	return setup_cfg(amdvi_model_qemu());
}

static int teardown(void **state)
{
	(void)state;
	viommu_fini(vm);
	assert_int_equal(t.m->illegal_cmds, 0);
	amdvi_fini(&amdvi_unit_of(t.u)->dev);
	amdvi_model_destroy(t.m);
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

/* ---- the guest's side: its GCR3 table, x86 tables and descriptions ---------------------- */

/*
 * The GCR3 table at GT_TABLES (glx 0: its entry 0; glx 1: entry 0 of a second level at
 * GT_TABLES + 7 pages) points at a `levels`-level x86 table, one path for IOVA's 2 MiB region
 * at GT_TABLES + 1.. pages, by GPA: the unit reads every level through the view.
 */
static void guest_map(unsigned glx, unsigned levels, u64 iova, u64 g)
{
	u64 *gcr3 = ga(GT_TABLES), *l0 = ga(GT_TABLES + 7 * PAGE_SIZE);
	u64 cr3 = GT_TABLES + PAGE_SIZE;

	if (glx) {
		gcr3[0] = (GT_TABLES + 7 * PAGE_SIZE) | 1;
		l0[0] = cr3 | 1;
	} else {
		gcr3[0] = cr3 | 1;
	}
	for (unsigned i = 0; i < levels; i++) {
		u64 *tbl = ga(cr3 + i * PAGE_SIZE);
		unsigned shift = 12 + 9 * (levels - 1 - i);
		u64 next = i + 1 < levels ? cr3 + (i + 1) * PAGE_SIZE : g;

		tbl[(iova >> shift) & 511] = next | X86_PRW_U;
	}
}

static u32 handle(void)
{
	return vdev_at(vm, 0)->handle;
}

static struct moat_s1_desc *desc(u64 root, u16 vdid, u8 glx, u8 gpm, u8 flags)
{
	struct moat_s1_desc *s = ga(SHB);

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->type = MOAT_IOMMU_AMDVI;
	s->amd.gcr3_root = root;
	s->amd.vdid = vdid;
	s->amd.glx = glx;
	s->amd.gpm = gpm;
	s->amd.flags = flags;
	return s;
}

static int64_t set_s1_desc(void)
{
	int64_t st = call(MOAT_HC_VIOMMU_SET_S1, handle(), SHB, MOAT_S1_DESC_SIZE);

	if (st == MOAT_OK && n_nested_dids < ARRAY_SIZE(nested_dids))
		nested_dids[n_nested_dids++] = vdev_at(vm, 0)->nested.tags.did;
	return st;
}

static int64_t set_s1(u64 root, u16 vdid, u8 flags)
{
	desc(root, vdid, 0, 0, flags);
	return set_s1_desc();
}

static struct moat_inv *inv_entry(unsigned op)
{
	struct moat_inv *e = ga(SHB + 0x100);

	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->op = op;
	return e;
}

/* INVALIDATE_IOMMU_PAGES of everything of (vdid, PASID 0), as a guest driver sends it. */
static int64_t inv_pages(u16 vdid)
{
	struct moat_inv *e = inv_entry(MOAT_INV_AMD_IOMMU_PAGES);

	e->amd.vdid = vdid;
	e->amd.flags = MOAT_INV_AMD_S | MOAT_INV_AMD_PDE | MOAT_INV_AMD_GN;
	e->amd.addr = ~0xfffULL;
	return call(MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, 1, 0);
}

static int64_t inv_iotlb(u32 vdev)
{
	struct moat_inv *e = inv_entry(MOAT_INV_AMD_IOTLB_PAGES);

	e->amd.vdev = vdev;
	return call(MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, 1, 0);
}

static int dma_write(u32 pasid, u64 iova, u32 w)
{
	return amdvi_model_dma(t.m, BDF, pasid, iova, &w, 4, true);
}

static u32 word_at(u64 g)
{
	u32 w;

	memcpy(&w, ga(g), 4);
	return w;
}

static u64 *dte(void)
{
	return (u64 *)(uintptr_t)((t.m->devtab & 0x000ffffffffff000ULL) + BDF * 32ULL);
}

/* Every command in the log names a DomainID Moat allocated (a view's, or one it gave a nested
 * domain of the vdev) and the vdev's own DeviceID: never the guest's vDID. */
static void only_moats_ids_reached_the_unit(void)
{
	struct viommu *v = viommu_of(vm);

	for (unsigned i = 0; i < t.m->nlog && i < AMDVIM_LOG; i++) {
		u64 w0 = t.m->log[i].w[0];
		unsigned op = (unsigned)(w0 >> 60);
		u16 did = (u16)(w0 >> 32), devid = (u16)w0;
		bool ok = did == v->u[0].view[0].tags.did || did == v->u[0].view[1].tags.did;

		for (unsigned k = 0; k < n_nested_dids; k++)
			ok |= did == nested_dids[k];
		if (op == OP_INV_PAGES)
			assert_true(ok && did != VDID);
		if (op == 2 || op == OP_INV_IOTLB || op == 5)
			assert_int_equal(devid, BDF);
	}
}

/* ---- cases ------------------------------------------------------------------------------ */

static void info_reports_what_the_units_efr_says(void **state)
{
	struct moat_viommu_info *i = ga(SHB);

	(void)state;
	assert_int_equal(call(MOAT_HC_VIOMMU_INFO, SHB, sizeof(*i), 0), MOAT_OK);
	assert_int_equal(i->type, MOAT_IOMMU_AMDVI);
	assert_int_equal(i->formats, MOAT_S1FMT_X86_4L | MOAT_S1FMT_X86_5L); /* GATS 1 */
	assert_int_equal(i->ias_bits, 57);
	assert_int_equal(i->ipa_bits, 48);
	assert_int_equal(i->ssid_bits, 0); /* one stage-1 per vdev (1.3) */
	assert_int_equal(i->asid_bits, 16);
}

/*
 * The guest's GCR3 table and x86 tables are walked by the unit, nested over the VM's shared
 * view: requests without PASID take PASID 0's tables (GIoV), so are PASID-0 requests.
 */
static void guest_gcr3_tables_translate_nested_over_the_view(void **state)
{
	struct vdev *d = vdev_at(vm, 0);

	(void)state;
	guest_map(0, 4, IOVA, SHB + 0x2000);
	guest_map(0, 4, IOVA + PAGE_SIZE, VM_RAM_BASE + 0x3000); /* private: not on the view */
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_AMD_GIOV), MOAT_OK);
	assert_ptr_equal(d->dom, &d->nested);
	assert_int_not_equal(d->nested.tags.did, VDID);
	assert_int_equal(dte()[1] & 0xffff, d->nested.tags.did);
	assert_true(dte()[0] & (1ULL << 55)); /* GV */
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA + 8, 0xabcd), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x2008), 0xabcd);
	assert_int_equal(dma_write(0, IOVA + 12, 0xabce), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x200c), 0xabce);
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA + PAGE_SIZE, 1), AMDVIM_PAGE_FAULT);
	assert_int_equal(word_at(VM_RAM_BASE + 0x3000), 0);
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA + 2 * PAGE_SIZE, 1), AMDVIM_PAGE_FAULT);
	assert_int_equal(dma_write(1, IOVA, 1), AMDVIM_PAGE_FAULT); /* no GCR3 entry 1 */
	/* back to stage 2 only: the IOVA is a GPA again */
	assert_int_equal(call(MOAT_HC_VIOMMU_CLEAR_S1, handle(), 0, 0), MOAT_OK);
	assert_false(dte()[0] & (1ULL << 55));
	assert_int_equal(dma_write(AMDVIM_NO_PASID, SHB + 0x2010, 0x77), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x2010), 0x77);
	only_moats_ids_reached_the_unit();
}

/* GLX 1 (a two-level GCR3 table) and 5-level guest tables flow through to the DTE and walk. */
static void two_level_gcr3_and_five_level_guest_tables(void **state)
{
	(void)state;
	guest_map(1, 5, IOVA, SHB + 0x5000);
	desc(GT_TABLES, VDID, 1, 1, MOAT_S1_AMD_GIOV);
	assert_int_equal(set_s1_desc(), MOAT_OK);
	assert_int_equal((dte()[0] >> 56) & 3, 1); /* GLX */
	assert_int_equal((dte()[2] >> 54) & 3, 1); /* GPM: 5 levels */
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA + 4, 0x5151), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x5004), 0x5151);
	/* without GIoV, a request without PASID is the host table's: the IOVA is a GPA */
	desc(GT_TABLES, VDID, 1, 1, 0);
	assert_int_equal(set_s1_desc(), MOAT_OK);
	assert_int_equal(dma_write(AMDVIM_NO_PASID, SHB + 0x6000, 0x66), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x6000), 0x66);
	assert_int_equal(dma_write(0, IOVA + 8, 0x5252), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x5008), 0x5252);
}

/*
 * A guest table change is not seen until the guest invalidates (the model's IOTLB is tagged
 * by DomainID and PASID); its INVALIDATE_IOMMU_PAGES reaches the unit with the nested
 * domain's physical DomainID, never the vDID, and then the change is seen.
 */
static void invalidation_after_a_guest_table_change_is_seen(void **state)
{
	struct vdev *d = vdev_at(vm, 0);
	struct amdvim_cmd last;
	unsigned before;

	(void)state;
	guest_map(0, 4, IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_AMD_GIOV), MOAT_OK);
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA, 1), AMDVIM_OK);
	guest_map(0, 4, IOVA, SHB + 0x4000); /* the guest remaps: stale until it invalidates */
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA, 2), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x2000), 2);
	assert_int_equal(word_at(SHB + 0x4000), 0);
	before = amdvi_model_count(t.m, OP_INV_PAGES, NULL);
	assert_int_equal(inv_pages(VDID), MOAT_OK);
	assert_int_equal(amdvi_model_count(t.m, OP_INV_PAGES, &last), before + 1);
	assert_int_equal((last.w[0] >> 32) & 0xffff, d->nested.tags.did);
	assert_int_equal(last.w[0] & 0xfffff, 0);	/* PASID 0 */
	assert_int_equal(last.w[1] & 7, 7);		/* S, PDE, GN: the guest's */
	assert_int_equal(last.w[1] >> 12, ~0ULL >> 12); /* everything */
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA, 3), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x4000), 3);
	assert_int_equal(word_at(SHB + 0x2000), 2);
	only_moats_ids_reached_the_unit();
}

/*
 * A forged DomainID (a vDID the guest never gave) and a forged DeviceID (the function's
 * requester ID, or another index, in place of its vdev handle) are refused with nothing queued;
 * INVALIDATE_IOTLB_PAGES of the guest's own device is dropped: ATS is not enabled (DTE I = 0),
 * so the device caches nothing and no command is due.
 */
static void forged_domain_and_device_ids_are_refused_with_nothing_queued(void **state)
{
	unsigned before;

	(void)state;
	guest_map(0, 4, IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_AMD_GIOV), MOAT_OK);
	assert_false(dte()[1] & (1ULL << 32)); /* I: no IOTLB (ATS) */
	before = t.m->nlog;
	assert_int_equal(inv_pages(VDID + 1), MOAT_DENIED);
	assert_int_equal(inv_pages(vdev_at(vm, 0)->nested.tags.did), MOAT_DENIED); /* the pDID */
	assert_int_equal(inv_iotlb(BDF), MOAT_DENIED);
	assert_int_equal(inv_iotlb(handle() + 1), MOAT_DENIED);
	assert_int_equal(t.m->nlog, before);
	assert_int_equal(inv_iotlb(handle()), MOAT_OK);
	assert_int_equal(t.m->nlog, before);
	assert_int_equal(amdvi_model_count(t.m, OP_INV_IOTLB, NULL), 0);
	only_moats_ids_reached_the_unit();
}

/*
 * GCR3 roots the unit must not read and fields outside the encodings, refused before any DTE
 * field changes: outside the VM, past its RAM, private RAM the shared view does not map,
 * straddling the end of RAM (not 4 KiB aligned), GLX 2, paging mode 2, unknown flags.
 */
static void gcr3_roots_outside_the_vm_and_bad_fields_are_refused(void **state)
{
	struct moat_s1_desc *s;
	u64 before[4];
	unsigned nlog;

	(void)state;
	guest_map(0, 4, IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_AMD_GIOV), MOAT_OK);
	memcpy(before, dte(), 32);
	nlog = t.m->nlog;
	assert_int_equal(set_s1((u64)(uintptr_t)t.frames_ram, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(VM_RAM_BASE + PRIV + SHARED, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(VM_RAM_BASE + 0x8000, VDID, 0), MOAT_BAD_ADDRESS);
	assert_int_equal(set_s1(VM_RAM_BASE + PRIV + SHARED - 0x800, VDID, 0), MOAT_INVALID_PARAM);
	assert_int_equal(set_s1(GT_TABLES + 8, VDID, 0), MOAT_INVALID_PARAM);
	desc(GT_TABLES, VDID, 2, 0, 0);
	assert_int_equal(set_s1_desc(), MOAT_INVALID_PARAM);
	desc(GT_TABLES, VDID, 0, 2, 0);
	assert_int_equal(set_s1_desc(), MOAT_INVALID_PARAM);
	assert_int_equal(set_s1(GT_TABLES, VDID, 0x2), MOAT_INVALID_PARAM);
	s = desc(GT_TABLES, VDID, 0, 0, 0);
	s->amd.reserved[1] = 1;
	assert_int_equal(set_s1_desc(), MOAT_INVALID_PARAM);
	assert_memory_equal(before, dte(), 32);
	assert_int_equal(t.m->nlog, nlog);
	assert_int_equal(vdev_at(vm, 0)->nested.s1.amd.gcr3_root.v, GT_TABLES);
	assert_int_equal(dma_write(AMDVIM_NO_PASID, IOVA, 9), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x2000), 9);
}

/* On QEMU's EFR the vIOMMU offers 4-level guests only; GLX 1 and GIoV are the driver's no. */
static void what_the_unit_lacks_is_not_supported(void **state)
{
	struct moat_viommu_info *i = ga(SHB + 0x800);
	u64 before[4];

	(void)state;
	assert_int_equal(call(MOAT_HC_VIOMMU_INFO, SHB + 0x800, sizeof(*i), 0), MOAT_OK);
	assert_int_equal(i->formats, MOAT_S1FMT_X86_4L);
	assert_int_equal(i->ias_bits, 48);
	memcpy(before, dte(), 32);
	desc(GT_TABLES, VDID, 0, 1, 0);
	assert_int_equal(set_s1_desc(), MOAT_NOT_SUPPORTED);
	desc(GT_TABLES, VDID, 1, 0, 0);
	assert_int_equal(set_s1_desc(), MOAT_NOT_SUPPORTED);
	assert_int_equal(set_s1(GT_TABLES, VDID, MOAT_S1_AMD_GIOV), MOAT_NOT_SUPPORTED);
	assert_memory_equal(before, dte(), 32);
	assert_false(vdev_at(vm, 0)->s1_set);
	/* what it has is accepted: GTSup, one level, 4-level guest tables, PASID 0 */
	guest_map(0, 4, IOVA, SHB + 0x2000);
	assert_int_equal(set_s1(GT_TABLES, VDID, 0), MOAT_OK);
	assert_int_equal(dma_write(0, IOVA, 4), AMDVIM_OK);
	assert_int_equal(word_at(SHB + 0x2000), 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(info_reports_what_the_units_efr_says),
		T(guest_gcr3_tables_translate_nested_over_the_view),
		T(two_level_gcr3_and_five_level_guest_tables),
		T(invalidation_after_a_guest_table_change_is_seen),
		T(forged_domain_and_device_ids_are_refused_with_nothing_queued),
		T(gcr3_roots_outside_the_vm_and_bad_fields_are_refused),
		cmocka_unit_test_setup_teardown(what_the_unit_lacks_is_not_supported, setup_qemu,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
