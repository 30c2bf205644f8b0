// SPDX-License-Identifier: MIT
/*
 * Fault records as the unit writes them (the fault-recording registers and FSTS), from one
 * fuzz input, drained by the real driver (fault_poll -> vtd_faults_drain -> the IOMMU core's
 * per-owner rings). The registers are hardware-supplied, so any value may appear: PPF without
 * records, FRI beyond the register count, PV and SID of any width. Properties: nothing
 * crashes; each poll reports at most one record per register and clears every F it read;
 * PFO is acknowledged; records carry a 16-bit source-id and name it only if it is attached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/init.h"
#include "iommu/iommu.h"
#include "iommu/vtd/vtd.h"
#include "lib/bits.h"

#include "pt/ref_walk.c"
#include "vtd/vtd_model.c"
#include "vtd/vtd_model_xlate.c"

#define RAM_SIZE (2ULL << 20)
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
} F;

static void fuzz_up(void)
{
	struct vtd_model_cfg cfg = vtd_model_qemu_sl();
	const struct iommu_driver *drv;
	struct pa_range r;

	cfg.cap |= 3ULL << 40; /* four fault-recording registers */
	F.ram = aligned_alloc(1 << 21, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)F.ram), RAM_SIZE };
	if (!F.ram || frame_init(&F.fa, &r, 1, NULL, 0))
		abort();
	pt_allocator_frames(&F.alloc, &F.fa);
	F.m = vtd_model_create(0xfed90000ULL, &cfg);
	vtd_model_add_ram(F.m, r.base.v, RAM_SIZE);
	F.plat.niommu = 1;
	F.plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_VTD,
					       .base = pa(0xfed90000ULL),
					       .size = 0x1000 };
	F.ctx = (struct moat_ctx){ .bi = &F.bi, .plat = &F.plat, .frames = &F.fa };
	drv = vtd_driver(); /* also links the driver in from the library */
	if (!drv || drv->ops->probe(&F.ctx, &F.plat.iommu[0], &F.u) ||
	    iommu_unit_add(F.u, drv, &F.plat.iommu[0], &F.alloc) ||
	    iommu_domain_s2_init(&F.s2, F.u, 39) || iommu_attach(&F.s2, SID, IOMMU_NO_PASID))
		abort();
	F.s2.owner = 1;
	F.up = true;
}

static u64 take(const uint8_t **p, size_t *n)
{
	u64 v = 0;

	for (unsigned i = 0; i < 8 && *n; i++, (*n)--)
		v |= (u64) * (*p)++ << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommu_fault f;
	unsigned n = 0;
	bool ppf;
	u64 before;

	if (!F.up)
		fuzz_up();
	F.m->fsts = (uint32_t)take(&data, &size) & 0xff03u; /* FRI, PPF, PFO */
	for (unsigned i = 0; i < F.m->nfr; i++) {
		F.m->frcd[i][0] = take(&data, &size);
		F.m->frcd[i][1] = take(&data, &size);
	}
	ppf = F.m->fsts & 2;
	before = vtd_unit_of(F.u)->dev.faults_seen;
	if (F.u->drv->ops->fault_poll(F.u))
		__builtin_trap();
	if (vtd_unit_of(F.u)->dev.faults_seen - before > F.m->nfr)
		__builtin_trap();
	for (unsigned i = 0; i < F.m->nfr && ppf; i++)
		if (F.m->frcd[i][1] >> 63) /* PPF set: every F must have been read and cleared */
			__builtin_trap();
	if (F.m->fsts & 1)
		__builtin_trap(); /* PFO acknowledged */
	while (!iommu_fault_pop(F.u, &f)) {
		n++;
		if (f.tag > 0xffff || (f.rid != IOMMU_RID_NONE && f.tag != SID) ||
		    (f.rid == SID && f.owner != 1))
			__builtin_trap();
	}
	if (n > F.m->nfr || F.m->width_aborts)
		__builtin_trap();
	return 0;
}
