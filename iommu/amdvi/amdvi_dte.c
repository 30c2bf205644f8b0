// SPDX-License-Identifier: MIT
/*
 * Device table entries and interrupt remapping tables (48882 "Device Table Entry Format",
 * "Interrupt Remapping Tables"). A DTE is 256 bits the unit may fetch at any time, so a live
 * entry is changed in steps, each closed by INVALIDATE_DEVTAB_ENTRY and a completion wait:
 * qword 0 to blocked (V, TV, Mode 0, IR = IW = 0: no DMA whatever the rest says), then
 * qwords 1-3, then the new qword 0 (one 64-bit store). Interrupt tables are Moat's, one per
 * assigned function, 256 legacy 32-bit entries, all off until amdvi_irte_alloc() sets one.
 */
#define LOG_COMPONENT "amdvi"
#include <arch/mm.h>
#include <string.h>

#include "core/frame.h"
#include "core/log.h"
#include "iommu/amdvi/amdvi.h"
#include "iommu/amdvi/amdvi_regs.h"
#include "lib/err.h"

#define AMDVI_INTTABLEN 8 /* 2^8 entries */
#define AMDVI_VECTOR_MIN 0x20
#define AMDVI_IRT_FRAMES 2

STATIC_ASSERT(AMDVI_IRT_ENTRIES == 1u << AMDVI_INTTABLEN, "IntTabLen matches the table");

void amdvi_dte_blocked(struct amdvi_dte *e)
{
	memset(e, 0, sizeof(*e));
	e->q[0] = DTE0_V | DTE0_TV; /* Mode 0 with IR = IW = 0: every DMA refused */
	/* IV with IntCtl 00: interrupts target-aborted, the pass bits (NMI, INIT, ...) clear */
	e->q[2] = DTE2_IV | FIELD_PREP(DTE2_INTCTL, INTCTL_ABORT);
}

static void amdvi_store(u64 *q, u64 v)
{
	__atomic_store_n(q, v, __ATOMIC_RELEASE);
}

static int amdvi_dte_sync(struct amdvi_dev *v, u16 devid)
{
	const struct amdvi_cmd c[2] = { amdvi_cmd_inv_dte(devid), amdvi_cmd_inv_intr(devid) };

	return amdvi_cmd_submit(v, c, 2);
}

int amdvi_dte_write(struct amdvi_dev *v, u16 devid, const struct amdvi_dte *e)
{
	u64 *q = v->devtab + (u32)devid * 4;
	struct amdvi_dte blocked;
	int err;

	amdvi_dte_blocked(&blocked);
	if (q[0] != blocked.q[0]) {
		amdvi_store(&q[0], blocked.q[0]);
		if ((err = amdvi_dte_sync(v, devid)))
			return err;
	}
	for (unsigned i = 1; i < 4; i++)
		amdvi_store(&q[i], e->q[i]);
	if ((err = amdvi_dte_sync(v, devid)))
		return err;
	if (e->q[0] == blocked.q[0])
		return 0;
	amdvi_store(&q[0], e->q[0]);
	if ((err = amdvi_dte_sync(v, devid))) {
		/* not known to be in force: blocked again rather than left half-installed */
		amdvi_store(&q[0], blocked.q[0]);
		if (amdvi_dte_sync(v, devid))
			pr_err("DTE 0x%x: blocked entry not confirmed", devid);
	}
	return err;
}

/* ---- interrupt remapping tables ------------------------------------------------------------- */

static struct amdvi_irt *amdvi_irt_find(struct amdvi_dev *v, u32 devid)
{
	for (unsigned i = 0; i < AMDVI_MAX_IRT; i++)
		if (v->irt[i].devid == devid)
			return &v->irt[i];
	return NULL;
}

int amdvi_irt_get(struct amdvi_dev *v, u16 devid, u32 owner, struct amdvi_irt **out)
{
	struct amdvi_irt *t = amdvi_irt_find(v, devid);
	paddr_t p;
	int err;

	if (!t) {
		if (!(t = amdvi_irt_find(v, ~0u)))
			return trace_err(-E_NOSPC);
		/* 2048 entries' worth (data[10:0]), zero past the 256 in use: a unit that does
		 * not check IntTabLen still finds nothing there */
		if ((err = frame_alloc_run(v->frames, AMDVI_IRT_FRAMES,
					   AMDVI_IRT_FRAMES * PAGE_SIZE, &p)))
			return err;
		t->tbl = phys_to_virt(p);
		t->devid = devid;
	} else if (t->owner == owner) {
		*out = t;
		return 0;
	}
	/* new, or moving to another VM: nothing of the previous owner's stays */
	memset(t->tbl, 0, AMDVI_IRT_FRAMES * PAGE_SIZE);
	memset(t->used, 0, sizeof(t->used));
	t->owner = owner;
	*out = t;
	return 0;
}

void amdvi_irt_put(struct amdvi_dev *v, u16 devid)
{
	struct amdvi_irt *t = amdvi_irt_find(v, devid);

	if (!t)
		return;
	if (frame_free_run(v->frames, virt_to_phys(t->tbl), AMDVI_IRT_FRAMES))
		pr_err("interrupt table of 0x%x not freed", devid);
	memset(t, 0, sizeof(*t));
	t->devid = ~0u;
}

static bool amdvi_irq_req_ok(const struct amdvi_irq_req *r)
{
	/* 0..31 are exceptions; 0xff is the spurious vector; legacy IRTEs: 8-bit APIC IDs */
	if (r->vector < AMDVI_VECTOR_MIN || r->vector == 0xff || r->dest >= 64)
		return false;
	return (r->allowed >> r->dest) & 1;
}

int amdvi_irte_alloc(struct iommu *u, const struct amdvi_irq_req *r, u32 *index)
{
	struct amdvi_dev *v = &amdvi_unit_of(u)->dev;
	struct amdvi_irt *t = amdvi_irt_find(v, r->devid);
	struct amdvi_cmd c = amdvi_cmd_inv_intr(r->devid);
	unsigned i;
	int err;

	if (!t || t->owner != r->owner)
		return trace_err(-E_PERM); /* not attached, or not this VM's function */
	if (!amdvi_irq_req_ok(r))
		return trace_err(-E_RANGE);
	for (i = 0; i < AMDVI_IRT_ENTRIES; i++) /* claimed atomically: callers may race */
		if (!(__atomic_fetch_or(&t->used[i / 64], 1ULL << (i % 64), __ATOMIC_ACQ_REL) &
		      (1ULL << (i % 64))))
			break;
	if (i == AMDVI_IRT_ENTRIES)
		return trace_err(-E_NOSPC);
	__atomic_store_n(&t->tbl[i],
			 (u32)(IRTE_REMAP_EN | FIELD_PREP(IRTE_DEST, r->dest) |
			       FIELD_PREP(IRTE_VECTOR, r->vector)),
			 __ATOMIC_RELEASE);
	if ((err = amdvi_cmd_submit(v, &c, 1))) {
		__atomic_store_n(&t->tbl[i], 0, __ATOMIC_RELEASE);
		__atomic_fetch_and(&t->used[i / 64], ~(1ULL << (i % 64)), __ATOMIC_RELEASE);
		return err;
	}
	*index = i;
	return 0;
}

int amdvi_irte_free(struct iommu *u, u16 devid, u32 index, u32 owner)
{
	struct amdvi_dev *v = &amdvi_unit_of(u)->dev;
	struct amdvi_irt *t = amdvi_irt_find(v, devid);
	struct amdvi_cmd c = amdvi_cmd_inv_intr(devid);
	int err;

	if (!t || t->owner != owner)
		return trace_err(-E_PERM);
	if (index >= AMDVI_IRT_ENTRIES || !((t->used[index / 64] >> (index % 64)) & 1))
		return trace_err(-E_RANGE);
	__atomic_store_n(&t->tbl[index], 0, __ATOMIC_RELEASE);
	/* the slot is reused only once the unit is known to have dropped the entry */
	if ((err = amdvi_cmd_submit(v, &c, 1)))
		return err;
	__atomic_fetch_and(&t->used[index / 64], ~(1ULL << (index % 64)), __ATOMIC_RELEASE);
	return 0;
}

void amdvi_msi_compose(u32 index, u64 *addr, u32 *data)
{
	*addr = 0xfee00000ULL; /* the destination comes from the IRTE */
	*data = index;	       /* data[10:0] names the entry; [10:8] = 0: fixed */
}

/* The core's interrupt-remapping ops (iommu/iommu.h): the request's tag is the DeviceID. */
int amdvi_op_irq_map(struct iommu *u, const struct iommu_irq *r, struct iommu_msi *out)
{
	const struct amdvi_irq_req q = { .devid = (u16)r->tag,
					 .owner = r->owner,
					 .vector = r->vector,
					 .dest = r->dest,
					 .allowed = r->allowed };
	u32 index;
	int err;

	if (r->tag > 0xffff)
		return trace_err(-E_RANGE);
	if ((err = amdvi_irte_alloc(u, &q, &index)))
		return err;
	amdvi_msi_compose(index, &out->addr, &out->data);
	out->cookie = index;
	return 0;
}

int amdvi_op_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie)
{
	if (r->tag > 0xffff)
		return trace_err(-E_RANGE);
	return amdvi_irte_free(u, (u16)r->tag, cookie, r->owner);
}

/* The DTE fields that point at `t`: remapped through it, nothing passed through. */
u64 amdvi_dte_intr(const struct amdvi_irt *t)
{
	return DTE2_IV | FIELD_PREP(DTE2_INTTABLEN, AMDVI_INTTABLEN) |
	       (virt_to_phys(t->tbl).v & DTE2_INTTAB) | FIELD_PREP(DTE2_INTCTL, INTCTL_REMAP);
}

void amdvi_tables_free(struct amdvi_dev *v)
{
	const u64 pages = AMDVI_DEVIDS * 32 / PAGE_SIZE;
	void *bufs[3] = { v->cmd, v->evt, (void *)v->wait_word };

	for (unsigned i = 0; i < AMDVI_MAX_IRT; i++)
		if (v->irt[i].devid != ~0u && v->irt[i].tbl)
			amdvi_irt_put(v, (u16)v->irt[i].devid);
	for (unsigned i = 0; i < 3; i++)
		if (bufs[i] && frame_free_run(v->frames, virt_to_phys(bufs[i]), 1))
			pr_err("buffer not freed");
	if (v->devtab && frame_free_run(v->frames, virt_to_phys(v->devtab), pages))
		pr_err("device table not freed");
	v->devtab = v->cmd = v->evt = NULL;
	v->wait_word = NULL;
}
