// SPDX-License-Identifier: MIT
/*
 * Everything a guest controls on an AMD-Vi nested domain, from one fuzz input: its memory
 * (the GCR3 table and guest page tables), its GCR3 description (root GPA, GLX, guest paging
 * levels, GIoV, vDID), the PASIDs and addresses its device touches, and its invalidation
 * requests (INVALIDATE_IOMMU_PAGES fields, device-TLB entries naming any requester). Runs the
 * real driver behind the IOMMU core over the AMD-Vi model. Some inputs also put a page that
 * is not the owner's (another VM's, per the ownership record) straight into the parent's table
 * as a stale or corrupted table would. Properties: nothing crashes; a nested domain exists
 * only over a GCR3 root the parent maps onto the owner's RAM; the driver never queues a
 * command the unit refuses; every command carries a DomainID Moat allocated and a DeviceID
 * Moat attached (never a guest's); fault records name the device.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "lib/bits.h"

/* The model is test support, not part of the fuzzed library: built into the harness. */
#include "amdvi/amdvi_model.c"
#include "amdvi/amdvi_model_xlate.c"
#include "pt/ref_walk.c"
#include "fuzz_unit.h"

#define RAM_SIZE (8ULL << 20)
#define GUEST_BASE FZ_GUEST_BASE
#define DEVID 0x10

static struct fz_unit F;
static struct amdvi_model *M;

static void fuzz_up(void)
{
	struct amdvi_model_cfg cfg = amdvi_model_full();
	struct pa_range r = fz_unit_ram(&F, RAM_SIZE, true);

	M = amdvi_model_create(0xfed80000ULL, &cfg);
	amdvi_model_add_ram(M, r.base.v, RAM_SIZE);
	/* amdvi_driver() also links the driver in from the library */
	fz_unit_probe(&F, IOMMU_KIND_AMDVI, amdvi_driver(), 0xfed80000ULL, 0x80000, 39);
	if (amdvi_ats_set(F.u, DEVID, true))
		abort();
	fz_unit_guest(&F);
}

/* Commands that name a DomainID or DeviceID carry Moat's. */
static void check_commands(u16 nd_did)
{
	unsigned first = M->nlog > AMDVIM_LOG ? M->nlog - AMDVIM_LOG : 0;

	for (unsigned i = first; i < M->nlog; i++) {
		u64 w0 = M->log[i % AMDVIM_LOG].w[0];
		unsigned op = (unsigned)(w0 >> 60);
		u16 did = (u16)(w0 >> 32), devid = (u16)w0;

		if (op == 3 && did != nd_did && did != F.s2.tags.did)
			__builtin_trap();
		if ((op == 2 || op == 4 || op == 5) && devid != DEVID)
			__builtin_trap();
	}
	if (M->illegal_cmds)
		__builtin_trap();
}

static void guest_dma(struct reader *r)
{
	u32 w = 0;

	for (unsigned i = rd(r, 1) & 7; i; i--) {
		u32 pasid = rd(r, 1) & 1 ? AMDVIM_NO_PASID : (u32)rd(r, 3) & 0xfffff;

		(void)amdvi_model_dma(M, DEVID, pasid, rd(r, 8), &w, 4, rd(r, 1) & 1);
	}
	fz_unit_faults(&F, DEVID);
}

static void guest_invalidate(struct iommu_domain *nd, struct reader *r)
{
	struct iommu_inv inv[4];
	unsigned n = rd(r, 1) % 5, done;

	memset(inv, 0, sizeof(inv));
	for (unsigned i = 0; i < n; i++) {
		u8 f = (u8)rd(r, 1);

		inv[i].kind = f & 1 ? IOMMU_INV_AMD : IOMMU_INV_ATC;
		if (inv[i].kind == IOMMU_INV_AMD)
			inv[i].amd = (struct iommu_inv_amd){ .vdid = (u16)rd(r, 2),
							     .pasid = (u32)rd(r, 3),
							     .gn = f & 2,
							     .s = f & 4,
							     .pde = f & 8,
							     .addr = rd(r, 8) };
		else
			inv[i].atc = fz_read_atc(r);
	}
	(void)iommu_invalidate(nd, inv, n, &done);
}

static void guest_s1(struct reader *r, struct iommu_s1 *s1)
{
	u64 root = rd(r, 8);
	u8 flags = (u8)rd(r, 1);

	/* Mostly inside guest memory, so that its tables get walked. */
	if (root & 1)
		root = GUEST_BASE + (root & 0x7000);
	*s1 = (struct iommu_s1){ .vendor = flags & 0x80 ? IOMMU_VENDOR_VTD : IOMMU_VENDOR_AMDVI,
				 .amd = { .gcr3_root = gpa(root),
					  .glx = (u8)((flags >> 2) & 3),
					  .guest_levels = (u8)(3 + (flags & 3)),
					  .giov = flags & 16,
					  .vdid = (u16)rd(r, 2) } };
}

/* A page of another VM behind GPA FOREIGN_GPA in the parent's table, bypassing the counted
 * map path (which refuses it): the GCR3 check must still refuse a root there. */
#define FOREIGN_GPA (GUEST_BASE + FZ_GUEST_PAGES * PAGE_SIZE)
static u8 foreign_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static bool foreign_map(bool on)
{
	static bool recorded;
	struct pt_gather pg;
	paddr_t p = pa((u64)(uintptr_t)foreign_page);

	if (!recorded && own_add(p, PAGE_SIZE, own_vm(9)))
		__builtin_trap();
	recorded = true;
	pt_gather_init(&pg, NULL);
	if (on ? pt_map(&F.s2.s2, FOREIGN_GPA, p, PAGE_SIZE, PT_PROT_R | PT_PROT_W, &pg)
	       : pt_unmap(&F.s2.s2, FOREIGN_GPA, PAGE_SIZE, &pg))
		__builtin_trap();
	return on;
}

#define CTL_BYTES 192 /* requests first, then the guest's memory */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, MIN(size, CTL_BYTES) }, mem = { data + r.n, size - r.n };
	struct iommu_domain nd;
	struct iommu_s1 s1;
	struct pt_mapping pm;
	bool foreign;
	u16 did = 0;

	if (!M)
		fuzz_up();
	M->nlog = 0;
	fz_unit_guest_fill(&F, &mem); /* one copy a page (a read of 8 bytes each was 60%) */
	guest_s1(&r, &s1);
	foreign = size && (data[size - 1] & 0x80) && foreign_map(true);
	if (foreign && (data[size - 1] & 0x40))
		s1.amd.gcr3_root = gpa(FOREIGN_GPA);
	if (!iommu_domain_nested_init(&nd, &F.s2, &s1)) {
		if (pt_lookup(&F.s2.s2, s1.amd.gcr3_root.v, &pm) ||
		    !own_eq(own_owner(pm.out), own_moat()))
			__builtin_trap(); /* accepted a GCR3 root that is not the owner's RAM */
		did = nd.tags.did;
		if (!iommu_attach(&nd, DEVID, IOMMU_NO_PASID)) {
			guest_dma(&r);
			guest_invalidate(&nd, &r);
			guest_dma(&r);
			if (iommu_detach(&nd, DEVID, IOMMU_NO_PASID))
				__builtin_trap();
		}
		if (iommu_domain_fini(&nd))
			__builtin_trap();
	}
	if (foreign)
		foreign_map(false);
	check_commands(did);
	return 0;
}
