// SPDX-License-Identifier: MIT
/*
 * Scalable-mode translation structures (VT-d 9.1, 9.4-9.6): root entries point at context
 * tables (lower and upper halves of each bus), each context entry at a PASID directory of
 * 512 entries, each directory entry at a PASID table of 64 entries. All of it is Moat's.
 * Entries are written in the order 6.5.3.3 / 9.6 require: a live PASID entry is first made
 * non-present and invalidated, then written (qword 0 with P last) and invalidated again.
 */
#define LOG_COMPONENT "vtd"
#include <arch/mm.h>
#include <string.h>

#include "core/frame.h"
#include "core/log.h"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/vtd_regs.h"
#include "lib/err.h"

#define VTD_PDIR_PDTS 2 /* 2^(2 + 7) = 512 directory entries: PASIDs 0..32767 */
#define VTD_PASID_LIMIT (512u * 64u)

static void vtd_store(u64 *e, u64 v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

static void *vtd_table(u64 e)
{
	return phys_to_virt(pa(e & ~0xfffULL));
}

/* The table `*e` points at, allocated (zeroed) and linked with `flags` if absent. */
static int vtd_table_get(struct vtd_dev *v, u64 *e, u64 flags, u64 **out)
{
	paddr_t p;
	int err;

	if (!(*e & 1)) {
		if ((err = frame_alloc_one(v->frames, &p)))
			return err;
		memset(phys_to_virt(p), 0, PAGE_SIZE);
		vtd_store(e, p.v | flags);
	}
	*out = vtd_table(*e);
	return 0;
}

static bool vtd_ats_on(const struct vtd_dev *v, u16 sid)
{
	return (v->ats[sid / 64] >> (sid % 64)) & 1;
}

/* The function's context entry, created on first use: PASID directory, RID_PASID 0. */
static int vtd_context_get(struct vtd_dev *v, u16 sid, u64 **pdir)
{
	u64 *ctx, *ce, dte = vtd_ats_on(v, sid) ? SCE_DTE : 0;
	u16 devfn = sid & 0xff;
	int err = vtd_table_get(v, &v->root[(sid >> 8) * 2 + (devfn >= 128)], RE_P, &ctx);

	if (err)
		return err;
	ce = ctx + (devfn & 0x7f) * 4;
	/* Written once, while not present; DTE (ATS) takes effect at the first attach only. */
	if (!(ce[0] & SCE_P)) {
		struct vtd_qi_desc cc = vtd_qi_cc_dev(sid);
		paddr_t d;

		if ((err = frame_alloc_one(v->frames, &d)))
			return err;
		memset(phys_to_virt(d), 0, PAGE_SIZE);
		ce[1] = FIELD_PREP(SCE_RID_PASID, 0);
		vtd_store(&ce[0], d.v | FIELD_PREP(SCE_PDTS, VTD_PDIR_PDTS) | dte | SCE_P);
		if ((err = vtd_qi_submit(v, &cc, 1)))
			return err;
	}
	*pdir = vtd_table(ce[0]);
	return 0;
}

static int vtd_pe_slot(struct vtd_dev *v, u16 sid, u32 pasid, bool create, u64 **pe)
{
	u64 *pdir, *ptbl;
	int err;

	if (pasid >= VTD_PASID_LIMIT)
		return -E_RANGE;
	if ((err = vtd_context_get(v, sid, &pdir)))
		return err;
	if (!create && !(pdir[pasid >> 6] & PDE_P)) {
		*pe = NULL;
		return 0;
	}
	if ((err = vtd_table_get(v, &pdir[pasid >> 6], PDE_P, &ptbl)))
		return err;
	*pe = ptbl + (pasid & 63) * 8;
	return 0;
}

/* After a PASID entry of (did, pasid) changed: PASID cache, IOTLBs, and the device's TLB. */
static int vtd_pe_flush(struct vtd_dev *v, u16 sid, u32 pasid, u16 did)
{
	struct vtd_qi_desc d[4] = { vtd_qi_pc(did, pasid), vtd_qi_piotlb(did, pasid, 0, 0, false),
				    vtd_qi_iotlb(did, 0, 0, false),
				    vtd_qi_pdevtlb(sid, pasid, 0, 0) };

	return vtd_qi_submit(v, d, vtd_ats_on(v, sid) ? 4 : 3);
}

static int vtd_pe_retire(struct vtd_dev *v, u16 sid, u32 pasid, u64 *e)
{
	if (!(e[0] & PE0_P))
		return 0;
	vtd_store(&e[0], e[0] & ~PE0_P);
	return vtd_pe_flush(v, sid, pasid, (u16)FIELD_GET(PE1_DID, e[1]));
}

int vtd_pe_install(struct vtd_dev *v, u16 sid, u32 pasid, const struct vtd_pe *pe)
{
	u64 *e;
	int err = vtd_pe_slot(v, sid, pasid, true, &e);

	if (err || (err = vtd_pe_retire(v, sid, pasid, e)))
		return err;
	for (unsigned i = 1; i < 8; i++)
		vtd_store(&e[i], i < 4 ? pe->w[i] : 0);
	vtd_store(&e[0], pe->w[0] | PE0_P);
	err = vtd_pe_flush(v, sid, pasid, (u16)FIELD_GET(PE1_DID, pe->w[1]));
	if (err) /* not known to be visible: leave it blocked rather than half-installed */
		vtd_store(&e[0], pe->w[0] & ~PE0_P);
	return err;
}

int vtd_pe_clear(struct vtd_dev *v, u16 sid, u32 pasid, u16 did)
{
	u64 *e;
	int err = vtd_pe_slot(v, sid, pasid, false, &e);

	if (err || !e)
		return err;
	if ((u16)FIELD_GET(PE1_DID, e[1]) != did && (e[0] & PE0_P))
		return trace_err(-E_PERM);
	if ((err = vtd_pe_retire(v, sid, pasid, e)))
		return err;
	for (unsigned i = 0; i < 8; i++)
		vtd_store(&e[i], 0);
	return 0;
}

int vtd_ats_set(struct iommu *u, u16 sid, bool on)
{
	struct vtd_dev *v = &vtd_unit_of(u)->dev;

	if (!v->dt)
		return -E_NOTSUP;
	if (on)
		__atomic_fetch_or(&v->ats[sid / 64], 1ULL << (sid % 64), __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&v->ats[sid / 64], ~(1ULL << (sid % 64)), __ATOMIC_RELAXED);
	return 0;
}

/* ---- teardown ---------------------------------------------------------------------------------- */

static void vtd_frame_free(struct vtd_dev *v, u64 e)
{
	if ((e & 1) && frame_free_run(v->frames, pa(e & ~0xfffULL), 1))
		pr_err("table frame 0x%llx not freed", (unsigned long long)(e & ~0xfffULL));
}

static void vtd_ctx_free(struct vtd_dev *v, u64 *ctx)
{
	for (unsigned i = 0; i < 128; i++) {
		u64 *ce = ctx + i * 4, *pdir;

		if (!(ce[0] & SCE_P))
			continue;
		pdir = vtd_table(ce[0]);
		for (unsigned k = 0; k < 512; k++)
			vtd_frame_free(v, pdir[k]);
		vtd_frame_free(v, ce[0]);
	}
}

/* With translation off (vtd_fini): every table the unit may have walked. */
void vtd_tables_free(struct vtd_dev *v)
{
	if (!v->root)
		return;
	for (unsigned i = 0; i < 512; i++) {
		if (!(v->root[i] & RE_P))
			continue;
		vtd_ctx_free(v, vtd_table(v->root[i]));
		vtd_frame_free(v, v->root[i]);
	}
	vtd_frame_free(v, virt_to_phys(v->root).v | 1);
	v->root = NULL;
}
