/* SPDX-License-Identifier: MIT */
/*
 * One IOMMU unit behind its real driver and the IOMMU core, over a device model, for the
 * harnesses of one unit (fuzz_amdvi_guest, fuzz_smmu_guest, fuzz_vtd_guest, fuzz_amdvi_event,
 * fuzz_vtd_fault): frames over RAM of the harness's, the unit probed and registered from a
 * one-unit platform, its nesting parent, and guest pages that parent maps. Built once per
 * process: the harness's model is made between fz_unit_ram() and fz_unit_probe() (it needs
 * the RAM, the driver's probe needs the model). And a VM with one vdev behind the unit, for
 * the guest-ABI rounds (fz_vm_up()).
 */
#ifndef TESTS_FUZZ_FUZZ_UNIT_H
#define TESTS_FUZZ_FUZZ_UNIT_H

#include <stdlib.h>

#include "core/frame.h"
#include "core/init.h"
#include "core/own.h"
#include "iommu/iommu.h"
#include "lib/types.h"
#include "vmm/hypercall.h"
#include "vmm/vdev.h"
#include "vmm/viommu.h"

#include "fuzz_reader.h"

#define FZ_GUEST_PAGES 8
#define FZ_GUEST_BASE 0x1000ULL

struct fz_unit {
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2;	   /* the nesting parent */
	u8 *guest[FZ_GUEST_PAGES]; /* the guest pages, at FZ_GUEST_BASE in the parent */
};

/*
 * `size` bytes of RAM (2 MiB-aligned) with frames over it; with `moat_owns`, recorded as
 * Moat's (core/own.h: the parent is Moat's, owner 0, and maps only Moat's RAM).
 */
static struct pa_range fz_unit_ram(struct fz_unit *f, u64 size, bool moat_owns)
{
	struct pa_range r;

	f->ram = aligned_alloc(1 << 21, size);
	r = (struct pa_range){ pa((u64)(uintptr_t)f->ram), size };
	if (!f->ram || frame_init(&f->fa, &r, 1, NULL, 0))
		abort();
	pt_allocator_frames(&f->alloc, &f->fa);
	if (moat_owns) {
		own_reset();
		if (own_add(r.base, size, own_moat()))
			abort();
	}
	return r;
}

/* The unit of `kind` at [base, base + size) probed by `drv`, registered, its parent made. */
static void fz_unit_probe(struct fz_unit *f, enum iommu_kind kind, const struct iommu_driver *drv,
			  u64 base, u64 size, unsigned ias)
{
	f->plat.niommu = 1;
	f->plat.iommu[0] = (struct plat_iommu){ .kind = kind, .base = pa(base), .size = size };
	f->ctx = (struct moat_ctx){ .bi = &f->bi, .plat = &f->plat, .frames = &f->fa };
	if (!drv || drv->ops->probe(&f->ctx, &f->plat.iommu[0], &f->u) ||
	    iommu_unit_add(f->u, drv, &f->plat.iommu[0], &f->alloc) ||
	    iommu_domain_s2_init(&f->s2, f->u, ias))
		abort();
}

/* FZ_GUEST_PAGES frames mapped read-write at FZ_GUEST_BASE in the parent. */
static void fz_unit_guest(struct fz_unit *f)
{
	for (unsigned i = 0; i < FZ_GUEST_PAGES; i++) {
		paddr_t p;

		if (frame_alloc_one(&f->fa, &p) ||
		    iommu_s2_map(&f->s2, gpa(FZ_GUEST_BASE + i * PAGE_SIZE), p, PAGE_SIZE,
				 PT_PROT_R | PT_PROT_W))
			abort();
		f->guest[i] = (u8 *)(uintptr_t)p.v;
	}
}

/* The guest's memory from the stream: every guest page, zero past the stream's end. */
static void fz_unit_guest_fill(struct fz_unit *f, struct reader *mem)
{
	for (unsigned i = 0; i < FZ_GUEST_PAGES; i++)
		rd_fill(mem, f->guest[i], PAGE_SIZE);
}

/* A device-TLB invalidation of any requester, PASID, address and size from the stream. */
static struct iommu_inv_atc fz_read_atc(struct reader *r)
{
	struct iommu_inv_atc atc;

	atc.rid = (u32)rd(r, 4);
	atc.pasid = (u32)rd(r, 4);
	atc.addr = rd(r, 8);
	atc.size_order = (u8)rd(r, 1);
	return atc;
}

/* The unit's fault records drained: each names the device `tag` (and only it, if anyone). */
static void fz_unit_faults(struct fz_unit *f, u32 tag)
{
	struct iommu_fault fl;

	if (f->u->drv->ops->fault_poll(f->u))
		__builtin_trap();
	while (!iommu_fault_pop(f->u, &fl))
		if (fl.tag != tag || (fl.rid != tag && fl.rid != IOMMU_RID_NONE))
			__builtin_trap();
}

/* ---- the guest ABI: a VM (id 1) with one vdev behind the unit ----------------------------- */

#define FZ_VM_PRIV (1ULL << 20)
#define FZ_VM_SHARED (1ULL << 20)
#define FZ_SHB (VM_RAM_BASE + FZ_VM_PRIV) /* shared RAM: the guest's descriptors and tables */

struct fz_vm {
	bool up;
	struct vm *vm;
	u8 *ram;
	u64 bits[FZ_VM_PRIV / PAGE_SIZE / 64];
	struct vdev_backend be;
};

static const struct vm_config fz_vm_cfg = {
	.name = "fz", .private_size = FZ_VM_PRIV, .shared_size = FZ_VM_SHARED, .nvcpus = 1
};

/* The vdev's config space: its IDs at 0, nothing else. */
static u32 fz_vm_cfg_read(const struct vdev *d, u16 off)
{
	return off ? 0 : (u32)d->device << 16 | d->vendor;
}

/*
 * The VM, its RAM recorded as its own, its vIOMMU on the unit and a vdev of requester `rid`
 * with IDs `vendor`, `device`. The caller then gives its model the VM's RAM
 * (v->ram, FZ_VM_PRIV + FZ_VM_SHARED bytes) before any DMA of the vdev.
 */
static void fz_vm_up(struct fz_vm *v, struct fz_unit *f, u16 rid, u16 vendor, u16 device)
{
	struct pa_range none[6] = { { { 0 }, 0 } };
	u32 types[6] = { 0 };

	v->vm = vm_alloc();
	v->ram = aligned_alloc(1 << 21, FZ_VM_PRIV + FZ_VM_SHARED);
	if (!v->vm || !v->ram ||
	    own_add(pa((u64)(uintptr_t)v->ram), FZ_VM_PRIV + FZ_VM_SHARED, own_vm(1)))
		abort();
	vm_init(v->vm, 1, &fz_vm_cfg, pa((u64)(uintptr_t)v->ram));
	v->be = (struct vdev_backend){ .cfg_read32 = fz_vm_cfg_read };
	if (viommu_init(v->vm, f->u, v->bits) ||
	    vdev_create(v->vm, 0, rid, vendor, device, none, types, NULL, &v->be, NULL))
		abort();
	v->up = true;
}

/* A hypercall of the VM's vCPU 0: a0 back, r1 in *r1 (if not NULL). */
static u64 fz_hc(struct fz_vm *v, u64 fn, u64 a1, u64 a2, u64 a3, u64 *r1)
{
	u64 regs[HC_NREGS] = { fn, a1, a2, a3 };

	hypercall_dispatch(&v->vm->vcpu[0], regs);
	if (r1)
		*r1 = regs[1];
	return regs[0];
}

/* The host address of guest-physical `g` (one byte of it) in the VM's RAM, or NULL. */
static void *fz_vga(struct fz_vm *v, u64 g)
{
	return vm_gpa_to_host(v->vm, gpa(g), 1, VM_MEM_ANY);
}

/* Guest memory pages [FZ_SHB + 0x1000, FZ_SHB + 0x9000) from the stream, a page at a time. */
static void fz_vm_fill(struct fz_vm *v, struct reader *mem)
{
	for (u64 off = 0x1000; off < 0x9000; off += PAGE_SIZE)
		rd_fill(mem, fz_vga(v, FZ_SHB + off), PAGE_SIZE);
}

/* The vdev's faults are the VM's: by its requester, in its ring. */
static void fz_vm_faults(struct fz_vm *v, struct fz_unit *f, u32 rid)
{
	struct iommu_fault fl;

	if (f->u->drv->ops->fault_poll(f->u))
		__builtin_trap();
	while (!iommu_fault_pop(f->u, &fl))
		if (fl.tag != rid || (fl.rid != rid && fl.rid != IOMMU_RID_NONE) ||
		    (fl.rid == rid && fl.owner != v->vm->id))
			__builtin_trap();
}

#endif
