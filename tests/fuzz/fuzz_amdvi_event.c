// SPDX-License-Identifier: MIT
/*
 * Event-log records as the unit writes them, from one fuzz input: the records, the tail
 * pointer and the status bits (overflow, interrupt) are hardware-supplied, so any value may
 * appear: a tail beyond the log, codes the spec does not define, flags and PASIDs of any
 * width. Drained by the real driver (fault_poll -> amdvi_events_drain -> the IOMMU core's
 * per-owner rings). Properties: nothing crashes; a tail outside the log is refused without
 * reading; otherwise the head catches up with the tail, at most one lap is read, overflow is
 * acknowledged with logging running again; records carry a 16-bit DeviceID and name a
 * requester only if it is attached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/init.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "lib/err.h"

#include "amdvi/amdvi_model.c"
#include "amdvi/amdvi_model_xlate.c"
#include "pt/ref_walk.c"
#include "fuzz_unit.h"

#define RAM_SIZE (4ULL << 20)
#define DEVID 0x10

static struct fz_unit F;
static struct amdvi_model *M;

static void fuzz_up(void)
{
	struct amdvi_model_cfg cfg = amdvi_model_qemu();
	struct pa_range r;

	r = fz_unit_ram(&F, RAM_SIZE, false);
	M = amdvi_model_create(0xfed80000ULL, &cfg);
	amdvi_model_add_ram(M, r.base.v, RAM_SIZE);
	/* amdvi_driver() also links the driver in from the library */
	fz_unit_probe(&F, IOMMU_KIND_AMDVI, amdvi_driver(), 0xfed80000ULL, 0x80000, 39);
	if (iommu_attach(&F.s2, DEVID, IOMMU_NO_PASID))
		abort();
	F.s2.owner = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader in = { data, size };
	struct amdvi_dev *v;
	struct iommu_fault f;
	u64 *log, ctl, before;
	bool bad_tail;
	int err;

	if (!M)
		fuzz_up();
	v = &amdvi_unit_of(F.u)->dev;
	log = (u64 *)(uintptr_t)(M->evtbase & 0x000ffffffffff000ULL);
	ctl = rd(&in, 8);
	before = v->events_seen;
	M->evt_tail = ctl & 0x7fff0;
	M->status = (M->status & ~3ULL) | ((ctl >> 20) & 3); /* overflow, interrupt */
	bad_tail = (M->evt_tail >> 4) >= AMDVI_EVT_ENTRIES;
	for (unsigned i = 0; i < 2 * AMDVI_EVT_ENTRIES && in.n; i++)
		log[i] = rd(&in, 8);
	err = F.u->drv->ops->fault_poll(F.u);
	if (bad_tail != (err == -E_IO) || (err && err != -E_IO))
		__builtin_trap();
	if (!bad_tail && (M->evt_head != M->evt_tail || v->evt_head * 16 != M->evt_head))
		__builtin_trap();
	if (v->events_seen - before > AMDVI_EVT_ENTRIES)
		__builtin_trap();
	if (!bad_tail && ((M->status & 1) || !(M->status & (1 << 3))))
		__builtin_trap(); /* overflow acknowledged, logging running */
	while (!iommu_fault_pop(F.u, &f))
		if (f.tag > 0xffff || (f.rid != IOMMU_RID_NONE && f.tag != DEVID) ||
		    (f.rid == DEVID && f.owner != 1))
			__builtin_trap();
	if (bad_tail) { /* the test's own reset: the next input starts from a sane log */
		M->evt_tail = M->evt_head;
		M->status &= ~3ULL;
	}
	return 0;
}
