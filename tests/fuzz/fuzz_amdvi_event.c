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

#define RAM_SIZE (4ULL << 20)
#define DEVID 0x10

static struct {
	bool up;
	u8 *ram;
	struct frame_alloc fa;
	struct pt_allocator alloc;
	struct amdvi_model *m;
	struct platform plat;
	struct boot_info bi;
	struct moat_ctx ctx;
	struct iommu *u;
	struct iommu_domain s2;
} F;

static void fuzz_up(void)
{
	struct amdvi_model_cfg cfg = amdvi_model_qemu();
	const struct iommu_driver *drv;
	struct pa_range r;

	F.ram = aligned_alloc(1 << 21, RAM_SIZE);
	r = (struct pa_range){ pa((u64)(uintptr_t)F.ram), RAM_SIZE };
	if (!F.ram || frame_init(&F.fa, &r, 1, NULL, 0))
		abort();
	pt_allocator_frames(&F.alloc, &F.fa);
	F.m = amdvi_model_create(0xfed80000ULL, &cfg);
	amdvi_model_add_ram(F.m, r.base.v, RAM_SIZE);
	F.plat.niommu = 1;
	F.plat.iommu[0] = (struct plat_iommu){ .kind = IOMMU_KIND_AMDVI,
					       .base = pa(0xfed80000ULL),
					       .size = 0x80000 };
	F.ctx = (struct moat_ctx){ .bi = &F.bi, .plat = &F.plat, .frames = &F.fa };
	drv = amdvi_driver(); /* also links the driver in from the library */
	if (!drv || drv->ops->probe(&F.ctx, &F.plat.iommu[0], &F.u) ||
	    iommu_unit_add(F.u, drv, &F.plat.iommu[0], &F.alloc) ||
	    iommu_domain_s2_init(&F.s2, F.u, 39) || iommu_attach(&F.s2, DEVID, IOMMU_NO_PASID))
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
	struct amdvi_dev *v;
	struct iommu_fault f;
	u64 *log, ctl, before;
	bool bad_tail;
	int err;

	if (!F.up)
		fuzz_up();
	v = &amdvi_unit_of(F.u)->dev;
	log = (u64 *)(uintptr_t)(F.m->evtbase & 0x000ffffffffff000ULL);
	ctl = take(&data, &size);
	before = v->events_seen;
	F.m->evt_tail = ctl & 0x7fff0;
	F.m->status = (F.m->status & ~3ULL) | ((ctl >> 20) & 3); /* overflow, interrupt */
	bad_tail = (F.m->evt_tail >> 4) >= AMDVI_EVT_ENTRIES;
	for (unsigned i = 0; i < 2 * AMDVI_EVT_ENTRIES && size; i++)
		log[i] = take(&data, &size);
	err = F.u->drv->ops->fault_poll(F.u);
	if (bad_tail != (err == -E_IO) || (err && err != -E_IO))
		__builtin_trap();
	if (!bad_tail && (F.m->evt_head != F.m->evt_tail || v->evt_head * 16 != F.m->evt_head))
		__builtin_trap();
	if (v->events_seen - before > AMDVI_EVT_ENTRIES)
		__builtin_trap();
	if (!bad_tail && ((F.m->status & 1) || !(F.m->status & (1 << 3))))
		__builtin_trap(); /* overflow acknowledged, logging running */
	while (!iommu_fault_pop(F.u, &f))
		if (f.tag > 0xffff || (f.rid != IOMMU_RID_NONE && f.tag != DEVID) ||
		    (f.rid == DEVID && f.owner != 1))
			__builtin_trap();
	if (bad_tail) { /* the test's own reset: the next input starts from a sane log */
		F.m->evt_tail = F.m->evt_head;
		F.m->status &= ~3ULL;
	}
	return 0;
}
