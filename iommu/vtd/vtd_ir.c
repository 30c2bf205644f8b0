// SPDX-License-Identifier: MIT
/*
 * Interrupt remapping (VT-d 5.1, 9.10). Moat owns the one remapping table: a device's MSI
 * names an entry by handle, and the entry fixes vector, destination and the source-id the
 * request must carry (SVT 1, all 16 bits compared). Compatibility-format interrupts stay
 * blocked (GCMD.CFI is never set), so an assigned device can raise only the vectors Moat
 * gave it, only on the CPUs of its VM, and only under its own requester ID.
 */
#define LOG_COMPONENT "vtd"
#include <arch/mm.h>
#include <string.h>

#include "core/frame.h"
#include "core/log.h"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/vtd_regs.h"
#include "lib/err.h"

#define VTD_IRTA_S 7 /* 2^(7 + 1) = 256 entries */
#define VTD_VECTOR_MIN 0x20

STATIC_ASSERT(VTD_IRT_ENTRIES == 2u << VTD_IRTA_S, "IRTA.S matches the table");

int vtd_ir_init(struct vtd_dev *v)
{
	paddr_t t;
	int err = frame_alloc_one(v->frames, &t);

	if (err)
		return err;
	v->irt = phys_to_virt(t);
	memset(v->irt, 0, PAGE_SIZE);
	memset(v->irte_owner, 0, sizeof(v->irte_owner));
	/* xAPIC mode (EIME 0): QEMU under TCG offers no x2APIC remapping (eim=off) */
	vtd_write64(v, VTD_IRTA, t.v | FIELD_PREP(IRTA_S, VTD_IRTA_S));
	return vtd_gcmd_oneshot(v, GCMD_SIRTP);
}

static bool vtd_irq_req_ok(const struct vtd_irq_req *r)
{
	/* 0..31 are exceptions; 0xff is the spurious vector */
	if (r->vector < VTD_VECTOR_MIN || r->vector == 0xff || r->dest >= 64)
		return false;
	return (r->allowed >> r->dest) & 1;
}

int vtd_irte_alloc(struct iommu *u, const struct vtd_irq_req *r, u32 *handle)
{
	struct vtd_dev *v = &vtd_unit_of(u)->dev;
	struct vtd_qi_desc iec;
	u64 *e;
	u32 i;
	int err;

	if (!v->irt)
		return -E_NOTSUP;
	if (!vtd_irq_req_ok(r))
		return trace_err(-E_RANGE);
	for (i = 0; i < VTD_IRT_ENTRIES; i++)
		if (__atomic_compare_exchange_n(&v->irte_owner[i], &(u32){ 0 }, r->owner + 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	if (i == VTD_IRT_ENTRIES)
		return trace_err(-E_NOSPC);
	e = v->irt + i * 2;
	/* high qword (source-id check) before the low one that makes the entry present */
	__atomic_store_n(&e[1], FIELD_PREP(IRTE_SID, r->sid) | FIELD_PREP(IRTE_SVT, IRTE_SVT_SID),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&e[0],
			 IRTE_P | FIELD_PREP(IRTE_VECTOR, r->vector) |
				 FIELD_PREP(IRTE_DST_XAPIC, r->dest),
			 __ATOMIC_RELEASE);
	iec = vtd_qi_iec(i);
	if ((err = vtd_qi_submit(v, &iec, 1))) {
		__atomic_store_n(&e[0], 0, __ATOMIC_RELEASE);
		__atomic_store_n(&v->irte_owner[i], 0, __ATOMIC_RELEASE);
		return err;
	}
	*handle = i;
	return 0;
}

int vtd_irte_free(struct iommu *u, u32 handle, u32 owner)
{
	struct vtd_dev *v = &vtd_unit_of(u)->dev;
	struct vtd_qi_desc iec;
	int err;

	if (!v->irt || handle >= VTD_IRT_ENTRIES)
		return -E_RANGE;
	if (__atomic_load_n(&v->irte_owner[handle], __ATOMIC_ACQUIRE) != owner + 1)
		return trace_err(-E_PERM);
	__atomic_store_n(&v->irt[handle * 2], 0, __ATOMIC_RELEASE);
	iec = vtd_qi_iec(handle);
	/* the slot is reused only once the entry cache is known to have dropped it */
	if ((err = vtd_qi_submit(v, &iec, 1)))
		return err;
	v->irt[handle * 2 + 1] = 0;
	__atomic_store_n(&v->irte_owner[handle], 0, __ATOMIC_RELEASE);
	return 0;
}

void vtd_msi_compose(u32 handle, u64 *addr, u32 *data)
{
	*addr = 0xfee00000ULL | FIELD_PREP(MSI_HANDLE_LO, handle & 0x7fff) | MSI_REMAP_FMT |
		((handle >> 15) & 1 ? MSI_HANDLE_HI : 0);
	*data = 0; /* SHV clear: the handle alone names the entry */
}

/* ---- the core's interrupt-remapping ops (iommu/iommu.h) ------------------------------------- */

int vtd_op_irq_map(struct iommu *u, const struct iommu_irq *r, struct iommu_msi *out)
{
	const struct vtd_irq_req q = { .sid = (u16)r->tag,
				       .owner = r->owner,
				       .vector = r->vector,
				       .dest = r->dest,
				       .allowed = r->allowed };
	u32 handle;
	int err;

	if (r->tag > 0xffff)
		return trace_err(-E_RANGE);
	if ((err = vtd_irte_alloc(u, &q, &handle)))
		return err;
	vtd_msi_compose(handle, &out->addr, &out->data);
	out->cookie = handle;
	return 0;
}

int vtd_op_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie)
{
	return vtd_irte_free(u, cookie, r->owner);
}
