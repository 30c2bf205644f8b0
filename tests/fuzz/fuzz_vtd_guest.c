// SPDX-License-Identifier: MIT
/*
 * Everything a guest controls on a VT-d nested domain, from one fuzz input: its memory (the
 * first-stage tables), its first-stage description (pointer, levels, flags, vDID), the PASID
 * it attaches at, the addresses its device touches and its invalidation requests. Runs the
 * real driver behind the IOMMU core over the VT-d model. Properties: nothing crashes; the
 * driver never queues a descriptor the unit refuses, never writes a 32-bit register with an
 * 8-byte access, never sets SW and IF together; every IOTLB-type descriptor carries a domain
 * ID Moat allocated (never a guest's); fault records name the device.
 *
 * Then the same through the guest ABI (1.3 typed forms): a VM whose vdev sits behind the unit
 * gives a fuzzed struct moat_s1_desc (any type, the VT-d member's pointer mostly in its RAM)
 * and fuzzed struct moat_inv entries (any operation) to the hypercalls, so the vIOMMU's VT-d
 * part (vmm/viommu_vtd.c) checks and routes them. Properties: an accepted stage-1's root lies
 * in the VM's RAM; no descriptor carries a guest's vDID (the harness makes every guest vDID
 * >= 256, Moat's DIDs are below) or a PASID the device is not attached at (only RID_PASID).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/own.h"
#include "core/init.h"
#include "iommu/iommu.h"
#include "iommu/vtd/vtd.h"
#include "lib/bits.h"
#include "vmm/hypercall.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"
#include "guest_abi/moat_abi.h"

/* The model is test support, not part of the fuzzed library: built into the harness. */
#include "pt/ref_walk.c"
#include "vtd/vtd_model.c"
#include "vtd/vtd_model_xlate.c"
#include "fuzz_reader.h"

#define RAM_SIZE (4ULL << 20)
#define GUEST_PAGES 8
#define GUEST_BASE 0x1000ULL
#define SID 0x10

static struct {
	bool up;
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct vtd_model *m;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2;
	u8 *guest[GUEST_PAGES];
} F;

static void fuzz_up(void)
{
	struct vtd_model_cfg cfg = vtd_model_nested();
	const struct iommu_driver *drv;
	struct pa_range r;

	F.ram = aligned_alloc(1 << 21, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)F.ram), RAM_SIZE };
	if (!F.ram || frame_init(&F.fa, &r, 1, NULL, 0))
		abort();
	pt_allocator_frames(&F.alloc, &F.fa);
	F.m = vtd_model_create(0xfed90000ULL, &cfg);
	vtd_model_add_ram(F.m, r.base.v, RAM_SIZE);
	own_reset(); /* the parent is Moat's (owner 0): so is the RAM it maps (core/own.h) */
	if (own_add(r.base, RAM_SIZE, own_moat()))
		abort();
	F.plat.niommu = 1;
	F.plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_VTD,
					       .base = pa(0xfed90000ULL),
					       .size = 0x1000 };
	F.ctx = (struct moat_ctx){ .bi = &F.bi, .plat = &F.plat, .frames = &F.fa };
	drv = vtd_driver(); /* also links the driver in from the library */
	if (!drv || drv->ops->probe(&F.ctx, &F.plat.iommu[0], &F.u) ||
	    iommu_unit_add(F.u, drv, &F.plat.iommu[0], &F.alloc) ||
	    iommu_domain_s2_init(&F.s2, F.u, 39))
		abort();
	for (unsigned i = 0; i < GUEST_PAGES; i++) {
		paddr_t p;
		if (frame_alloc_one(&F.fa, &p) ||
		    iommu_s2_map(&F.s2, gpa(GUEST_BASE + i * PAGE_SIZE), p, PAGE_SIZE,
				 PT_PROT_R | PT_PROT_W))
			abort();
		F.guest[i] = (u8 *)(uintptr_t)p.v;
	}
	F.up = true;
}

/* IOTLB (2), PASID-based IOTLB (6) and PASID cache (7) descriptors carry Moat's DIDs only. */
static void check_descriptors(u16 nd_did)
{
	unsigned first = F.m->nlog > VTDM_LOG ? F.m->nlog - VTDM_LOG : 0;

	for (unsigned i = first; i < F.m->nlog; i++) {
		u64 w0 = F.m->log[i % VTDM_LOG].w[0];
		unsigned type = (unsigned)(w0 & 0xf), g = (unsigned)FIELD_GET(GENMASK(5, 4), w0);
		u16 did = (u16)FIELD_GET(GENMASK(31, 16), w0);

		bool global = (type == 2 && g == 1) || (type == 7 && g == 3);

		if ((type == 2 || type == 6 || type == 7) && !global && did != nd_did &&
		    did != F.s2.tags.did)
			__builtin_trap();
	}
	if (F.m->iqe || F.m->width_aborts || F.m->sw_if_aborts)
		__builtin_trap();
}

static void guest_dma(struct reader *r)
{
	struct iommu_fault f;
	u32 w = 0;

	for (unsigned i = rd(r, 1) & 7; i; i--)
		(void)vtd_model_dma(F.m, SID, rd(r, 8), &w, 4, rd(r, 1) & 1);
	if (F.u->drv->ops->fault_poll(F.u))
		__builtin_trap();
	while (!iommu_fault_pop(F.u, &f))
		if (f.tag != SID || (f.rid != SID && f.rid != IOMMU_RID_NONE))
			__builtin_trap();
}

static void guest_invalidate(struct iommu_domain *nd, struct reader *r)
{
	struct iommu_inv inv[4];
	unsigned n = rd(r, 1) % 5, done;

	memset(inv, 0, sizeof(inv));
	for (unsigned i = 0; i < n; i++) {
		inv[i].kind = rd(r, 1) & 1 ? IOMMU_INV_VTD : IOMMU_INV_ATC;
		inv[i].vtd =
			(struct iommu_inv_vtd){ .gran = (enum iommu_inv_vtd_gran)(rd(r, 1) % 3),
						.vdid = (u16)rd(r, 2),
						.pasid = (u32)rd(r, 3),
						.addr = rd(r, 8),
						.am = (u8)rd(r, 1),
						.ih = rd(r, 1) & 1 };
		if (inv[i].kind == IOMMU_INV_ATC)
			inv[i].atc = (struct iommu_inv_atc){ .rid = (u32)rd(r, 4),
							     .pasid = (u32)rd(r, 4),
							     .addr = rd(r, 8),
							     .size_order = (u8)rd(r, 1) };
	}
	(void)iommu_invalidate(nd, inv, n, &done);
}

static void guest_s1(struct reader *r, struct iommu_s1 *s1)
{
	u64 ptr = rd(r, 8);
	u8 flags = (u8)rd(r, 1);

	/* Mostly inside guest memory, so that its tables get walked. */
	if (ptr & 1)
		ptr = GUEST_BASE + (ptr & 0x7000);
	*s1 = (struct iommu_s1){ .vendor = flags & 0x80 ? IOMMU_VENDOR_SMMUV3 : IOMMU_VENDOR_VTD,
				 .vtd = { .fsptptr = gpa(ptr),
					  .levels = (u8)(3 + (flags & 3)),
					  .sre = flags & 4,
					  .wpe = flags & 8,
					  .eafe = flags & 16,
					  .vdid = (u16)rd(r, 2) } };
}

/* ---- the guest ABI: a VM with one vdev behind the unit ------------------------------------ */

#define VM_PRIV (1ULL << 20)
#define VM_SHARED (1ULL << 20)
#define SHB (VM_RAM_BASE + VM_PRIV) /* shared RAM: the guest's tables (walked via the view) */
#define VSID 0x18
#define GUEST_VDID 0x100 /* or-ed into every guest vDID: Moat's are below VTD_MAX_DIDS */

static struct {
	bool up;
	struct vm *vm;
	u8 *ram;
	u64 bits[VM_PRIV / PAGE_SIZE / 64];
} V;

static const struct vm_config vcfg = {
	.name = "fz", .private_size = VM_PRIV, .shared_size = VM_SHARED, .nvcpus = 1
};

static u32 be_cfg(const struct vdev *d, u16 off)
{
	(void)d;
	return off ? 0 : 0x12348086u;
}
static const struct vdev_backend be = { .cfg_read32 = be_cfg };

static void abi_up(void)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	V.vm = vm_alloc();
	V.ram = aligned_alloc(1 << 21, VM_PRIV + VM_SHARED);
	if (!V.vm || !V.ram || own_add(pa((u64)(uintptr_t)V.ram), VM_PRIV + VM_SHARED, own_vm(1)))
		abort();
	vtd_model_add_ram(F.m, (u64)(uintptr_t)V.ram, VM_PRIV + VM_SHARED);
	vm_init(V.vm, 1, &vcfg, pa((u64)(uintptr_t)V.ram));
	if (viommu_init(V.vm, F.u, V.bits) ||
	    vdev_create(V.vm, 0, VSID, 0x8086, 0x1234, none, types, NULL, &be, NULL))
		abort();
	V.up = true;
}

static u64 hc(u64 fn, u64 a1, u64 a2, u64 a3)
{
	u64 regs[HC_NREGS] = { fn, a1, a2, a3 };

	hypercall_dispatch(&V.vm->vcpu[0], regs);
	return regs[0];
}

static void *vga(u64 g)
{
	return vm_gpa_to_host(V.vm, gpa(g), 1, VM_MEM_ANY);
}

/* A fuzzed description at SHB: any type and bytes; the VT-d pointer mostly in guest RAM. */
static void abi_s1(struct reader *r)
{
	struct moat_s1_desc *s = vga(SHB);
	u8 sel = (u8)rd(r, 1);

	for (unsigned i = 0; i < 4; i++)
		s->raw[i] = rd(r, 8);
	s->size = sizeof(*s);
	s->type = sel & 3;
	if (sel & 4)
		s->vtd.flptptr = (sel & 8 ? SHB : VM_RAM_BASE) + (s->vtd.flptptr & 0xff000);
	s->vtd.vdid |= GUEST_VDID;
	if (sel & 16) { /* mostly well-formed otherwise */
		s->vtd.flags &= MOAT_S1_VTD_FLAGS;
		s->vtd.pasid = 0;
		s->vtd.flpm &= 1;
		s->vtd.reserved[0] = s->vtd.reserved[1] = 0;
	}
}

static const u32 abi_ops[] = { MOAT_INV_VTD_PIOTLB_PASID, MOAT_INV_VTD_PIOTLB_ADDR,
			       MOAT_INV_VTD_PASID_CACHE,  MOAT_INV_VTD_DEVTLB,
			       MOAT_INV_SMMU_TLBI_ALL,	  MOAT_INV_AMD_IOMMU_PAGES };

static unsigned abi_inv(struct reader *r, u32 vdid)
{
	struct moat_inv *e = vga(SHB + 0x100);
	unsigned n = 1 + (unsigned)rd(r, 1) % 4;

	for (unsigned i = 0; i < n; i++) {
		u8 sel = (u8)rd(r, 1);

		memset(&e[i], 0, sizeof(e[i]));
		e[i].size = sizeof(e[i]);
		e[i].op = sel & 0x80 ? (u32)rd(r, 1) : abi_ops[sel % 6];
		e[i].vtd.vdid = (u16)(sel & 0x40 ? vdid : rd(r, 2) | GUEST_VDID);
		e[i].vtd.vdev = sel & 0x20 ? vdev_at(V.vm, 0)->handle : (u32)rd(r, 1);
		e[i].vtd.am = (u8)(rd(r, 1) & 0x3f);
		e[i].vtd.flags = (u8)(rd(r, 1) & 1);
		e[i].vtd.addr = rd(r, 8) & ~0xfffULL;
		e[i].vtd.pasid = sel & 0x10 ? (u32)rd(r, 3) : 0;
	}
	return n;
}

/* Descriptors with a DID (IOTLB, PIOTLB, PASID cache): Moat's DIDs, RID_PASID only. */
static void abi_check_descriptors(void)
{
	unsigned first = F.m->nlog > VTDM_LOG ? F.m->nlog - VTDM_LOG : 0;

	for (unsigned i = first; i < F.m->nlog; i++) {
		u64 w0 = F.m->log[i % VTDM_LOG].w[0];
		unsigned type = (unsigned)(w0 & 0xf);

		if ((type == 2 || type == 6 || type == 7) &&
		    FIELD_GET(GENMASK(31, 16), w0) >= VTD_MAX_DIDS)
			__builtin_trap(); /* a guest's vDID reached the unit */
		if ((type == 6 || type == 7) && FIELD_GET(GENMASK(51, 32), w0))
			__builtin_trap(); /* a PASID the device is not attached at */
	}
	if (F.m->iqe || F.m->width_aborts || F.m->sw_if_aborts)
		__builtin_trap();
}

/* The vdev's faults are the VM's: by its source-id, in its ring. */
static void abi_faults(void)
{
	struct iommu_fault f;

	if (F.u->drv->ops->fault_poll(F.u))
		__builtin_trap();
	while (!iommu_fault_pop(F.u, &f))
		if (f.tag != VSID || (f.rid != VSID && f.rid != IOMMU_RID_NONE) ||
		    (f.rid == VSID && f.owner != V.vm->id))
			__builtin_trap();
}

static void abi_round(struct reader *r, struct reader *mem)
{
	struct vdev *d;
	unsigned n;
	u32 w = 0;

	if (!V.up)
		abi_up();
	d = vdev_at(V.vm, 0);
	F.m->nlog = 0;
	for (u64 off = 0x1000; off < 0x9000; off += PAGE_SIZE)
		rd_fill(mem, vga(SHB + off), PAGE_SIZE); /* a page at a time: vga() is per page */
	abi_s1(r);
	if (hc(MOAT_HC_VIOMMU_SET_S1, d->handle, SHB, MOAT_S1_DESC_SIZE) == MOAT_OK &&
	    (!d->s1_set || !vm_gpa_to_host(V.vm, d->s1.vtd.fsptptr, PAGE_SIZE, VM_MEM_ANY)))
		__builtin_trap(); /* a first-stage root outside the VM accepted */
	n = abi_inv(r, d->s1_set ? d->s1.vtd.vdid : GUEST_VDID);
	if (n)
		(void)hc(MOAT_HC_VIOMMU_INVALIDATE, SHB + 0x100, n, 0);
	for (unsigned i = rd(r, 1) & 3; i; i--)
		(void)vtd_model_dma(F.m, VSID, rd(r, 8), &w, 4, true);
	if (d->s1_set && hc(MOAT_HC_VIOMMU_CLEAR_S1, d->handle, 0, 0) != MOAT_OK)
		__builtin_trap();
	abi_check_descriptors();
	abi_faults();
}

#define CTL_BYTES 192 /* requests first (for both rounds), then the guest's memory */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, MIN(size, CTL_BYTES) }, mem = { data + r.n, size - r.n };
	struct reader abi = { data, r.n }; /* the same control bytes, read the ABI's way */
	struct iommu_domain nd;
	struct iommu_s1 s1;
	u16 did = 0;
	u32 pasid;

	if (!F.up)
		fuzz_up();
	F.m->nlog = 0;
	for (unsigned i = 0; i < GUEST_PAGES; i++)
		rd_fill(&mem, F.guest[i], PAGE_SIZE);
	guest_s1(&r, &s1);
	pasid = rd(&r, 1) & 1 ? IOMMU_NO_PASID : (u32)rd(&r, 3);
	if (!iommu_domain_nested_init(&nd, &F.s2, &s1)) {
		did = nd.tags.did;
		if (!iommu_attach(&nd, SID, pasid)) {
			guest_dma(&r);
			guest_invalidate(&nd, &r);
			guest_dma(&r);
			if (iommu_detach(&nd, SID, pasid))
				__builtin_trap();
		}
		if (iommu_domain_fini(&nd))
			__builtin_trap();
	}
	check_descriptors(did);
	abi_round(&abi, &mem);
	return 0;
}
