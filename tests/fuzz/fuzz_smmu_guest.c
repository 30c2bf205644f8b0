// SPDX-License-Identifier: MIT
/*
 * Everything a guest controls on an SMMUv3 nested domain, from one fuzz input: the contents of
 * its memory (CDs, stage-1 tables), its stage-1 description, the addresses its device touches
 * and its invalidation requests. Runs the real driver behind the IOMMU core over the SMMUv3
 * model. Properties: nothing crashes; the driver never sends a command the SMMU refuses; every
 * stage-1 TLB invalidation carries the nesting parent's VMID; fault records name the device.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/own.h"
#include "core/frame.h"
#include "core/init.h"
#include "iommu/iommu.h"
#include "iommu/smmuv3/smmu_iommu.h"
#include "iommu/smmuv3/smmuv3_regs.h"
#include "lib/bits.h"

/* The model is test support, not part of the fuzzed library: built into the harness. */
#include "pt/ref_walk.c"
#include "smmuv3/smmuv3_model.c"
#include "fuzz_reader.h"

#define RAM_SIZE (4ULL << 20)
#define GUEST_PAGES 8
#define GUEST_BASE 0x1000ULL
#define RID 0x10

static struct {
	bool up;
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct smmu_model *m;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2;
	u8 *guest[GUEST_PAGES];
} F;

static void fuzz_up(void)
{
	struct smmu_model_cfg cfg = smmu_model_default_cfg();
	const struct iommu_driver *drv;
	struct pa_range r;

	F.ram = aligned_alloc(1 << 21, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)F.ram), RAM_SIZE };
	if (!F.ram || frame_init(&F.fa, &r, 1, NULL, 0) || own_add(r.base, RAM_SIZE, own_moat()))
		abort(); /* the RAM is Moat's (core/own.h): its domain maps it */
	pt_allocator_frames(&F.alloc, &F.fa);
	F.m = smmu_model_create(0x09050000ULL, &cfg);
	smmu_model_add_ram(F.m, r.base.v, RAM_SIZE);
	F.plat.niommu = 1;
	F.plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_SMMUV3,
					       .base = pa(0x09050000ULL),
					       .size = 0x20000 };
	F.ctx = (struct moat_ctx){ .bi = &F.bi, .plat = &F.plat, .frames = &F.fa };
	drv = iommu_driver_find(IOMMU_KIND_SMMUV3);
	if (!drv || drv->ops->probe(&F.ctx, &F.plat.iommu[0], &F.u) ||
	    iommu_unit_add(F.u, drv, &F.plat.iommu[0], &F.alloc) ||
	    iommu_domain_s2_init(&F.s2, F.u, 40))
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

static void check_commands(void)
{
	for (unsigned i = 0; i < F.m->nlog; i++) {
		unsigned op = F.m->log[i].w0 & 0xff;
		if (op >= CMD_TLBI_NH_ALL && op <= CMD_TLBI_NH_VAA &&
		    FIELD_GET(CMD0_VMID, F.m->log[i].w0) != F.s2.tags.vmid)
			__builtin_trap();
	}
	if (smmu_unit_of(F.u)->dev.cmd_errors)
		__builtin_trap();
}

static void guest_dma(struct reader *r)
{
	struct iommu_fault f;
	u32 w = 0;

	for (unsigned i = rd(r, 1) & 7; i; i--)
		(void)smmu_model_dma(F.m, RID, rd(r, 8), &w, 4, rd(r, 1) & 1);
	if (F.u->drv->ops->fault_poll(F.u))
		__builtin_trap();
	while (!iommu_fault_pop(F.u, &f))
		if (f.tag != RID || (f.rid != RID && f.rid != IOMMU_RID_NONE))
			__builtin_trap();
}

static void guest_invalidate(struct reader *r)
{
	struct iommu_inv inv[4];
	unsigned n = rd(r, 1) % 5, done;

	memset(inv, 0, sizeof(inv));
	for (unsigned i = 0; i < n; i++) {
		inv[i].kind = (enum iommu_inv_kind)(rd(r, 1) & 3) + 1;
		inv[i].smmu = (struct iommu_inv_smmu){ .op = (enum iommu_inv_smmu_op)rd(r, 1),
						       .asid = (u16)rd(r, 2),
						       .addr = rd(r, 8),
						       .leaf = rd(r, 1) & 1,
						       .tg = (u8)rd(r, 1),
						       .ttl = (u8)rd(r, 1),
						       .num = (u8)rd(r, 1),
						       .scale = (u8)rd(r, 1) };
		if (inv[i].kind == IOMMU_INV_ATC)
			inv[i].atc = (struct iommu_inv_atc){ .rid = (u32)rd(r, 4),
							     .pasid = (u32)rd(r, 4),
							     .addr = rd(r, 8),
							     .size_order = (u8)rd(r, 1) };
	}
	(void)iommu_invalidate(&F.s2, inv, n, &done);
}

#define CTL_BYTES 192 /* requests first, then the guest's memory */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, MIN(size, CTL_BYTES) }, mem = { data + r.n, size - r.n };
	struct iommu_domain nd;
	struct iommu_s1 s1 = { .vendor = IOMMU_VENDOR_SMMUV3 };
	u64 ptr;

	if (!F.up)
		fuzz_up();
	F.m->nlog = 0;
	for (unsigned i = 0; i < GUEST_PAGES; i++)
		rd_fill(&mem, F.guest[i], PAGE_SIZE);
	/* Half the time the CD pointer lands in guest memory, so that CDs get parsed. */
	ptr = rd(&r, 8);
	if (ptr & 1)
		ptr = GUEST_BASE + (ptr & 0x7fc0);
	s1.smmu = (struct iommu_s1_smmu){ .s1ctxptr = gpa(ptr),
					  .s1fmt = (enum iommu_smmu_s1fmt)rd(&r, 1),
					  .s1cdmax = (u8)rd(&r, 1),
					  .s1dss = (u8)rd(&r, 1) };
	if (!iommu_domain_nested_init(&nd, &F.s2, &s1)) {
		if (!iommu_attach(&nd, RID, IOMMU_NO_PASID)) {
			guest_dma(&r);
			guest_invalidate(&r);
			guest_dma(&r);
			if (iommu_detach(&nd, RID, IOMMU_NO_PASID))
				__builtin_trap();
		}
		if (iommu_domain_fini(&nd))
			__builtin_trap();
	}
	check_commands();
	return 0;
}
