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
#include "fuzz_unit.h"

#define RAM_SIZE (2ULL << 20)
#define SID 0x10

static struct fz_unit F;
static struct vtd_model *M;

static void fuzz_up(void)
{
	struct vtd_model_cfg cfg = vtd_model_qemu_sl();
	struct pa_range r;

	cfg.cap |= 3ULL << 40; /* four fault-recording registers */
	r = fz_unit_ram(&F, RAM_SIZE, false);
	M = vtd_model_create(0xfed90000ULL, &cfg);
	vtd_model_add_ram(M, r.base.v, RAM_SIZE);
	/* vtd_driver() also links the driver in from the library */
	fz_unit_probe(&F, IOMMU_KIND_VTD, vtd_driver(), 0xfed90000ULL, 0x1000, 39);
	if (iommu_attach(&F.s2, SID, IOMMU_NO_PASID))
		abort();
	F.s2.owner = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader in = { data, size };
	struct iommu_fault f;
	unsigned n = 0;
	bool ppf;
	u64 before;

	if (!M)
		fuzz_up();
	M->fsts = (uint32_t)rd(&in, 8) & 0xff03u; /* FRI, PPF, PFO */
	for (unsigned i = 0; i < M->nfr; i++) {
		M->frcd[i][0] = rd(&in, 8);
		M->frcd[i][1] = rd(&in, 8);
	}
	ppf = M->fsts & 2;
	before = vtd_unit_of(F.u)->dev.faults_seen;
	if (F.u->drv->ops->fault_poll(F.u))
		__builtin_trap();
	if (vtd_unit_of(F.u)->dev.faults_seen - before > M->nfr)
		__builtin_trap();
	for (unsigned i = 0; i < M->nfr && ppf; i++)
		if (M->frcd[i][1] >> 63) /* PPF set: every F must have been read and cleared */
			__builtin_trap();
	if (M->fsts & 1)
		__builtin_trap(); /* PFO acknowledged */
	while (!iommu_fault_pop(F.u, &f)) {
		n++;
		if (f.tag > 0xffff || (f.rid != IOMMU_RID_NONE && f.tag != SID) ||
		    (f.rid == SID && f.owner != 1))
			__builtin_trap();
	}
	if (n > M->nfr || M->width_aborts)
		__builtin_trap();
	return 0;
}
