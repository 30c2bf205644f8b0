// SPDX-License-Identifier: MIT
/*
 * VT-d bring-up, global command handshakes, queued invalidation and fault recording (VT-d
 * 10.4, 6.5.2, 7.2). 32-bit registers are written with 4-byte accesses only; every GCMD write
 * carries the persistent bits already in force (GCMD acts on the whole value); every wait on
 * the hardware is bounded.
 */
#define LOG_COMPONENT "vtd"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>
#include <string.h>

#include "core/frame.h"
#include "core/irq.h"
#include "core/log.h"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/vtd_regs.h"
#include "lib/err.h"

/*
 * The spec gives no completion time for GSTS or invalidation waits; a second is orders of
 * magnitude beyond any implementation, so expiry means the unit is broken.
 */
#define VTD_POLL_TIMEOUT_NS 1000000000ULL

u32 vtd_read32(struct vtd_dev *v, u32 off)
{
	return mmio_read32(v->regs + off);
}

void vtd_write32(struct vtd_dev *v, u32 off, u32 val)
{
	mmio_write32(v->regs + off, val);
}

static u64 vtd_read64(struct vtd_dev *v, u32 off)
{
	return mmio_read64(v->regs + off);
}

void vtd_write64(struct vtd_dev *v, u32 off, u64 val)
{
	mmio_write64(v->regs + off, val);
}

/* 10.4.4: a GCMD change is complete when GSTS shows it. */
static int vtd_gsts_wait(struct vtd_dev *v, u32 mask, u32 want)
{
	u64 start = arch_time_ns();

	while ((vtd_read32(v, VTD_GSTS) & mask) != want) {
		if (arch_time_ns() - start > v->poll_timeout_ns) {
			pr_err("GSTS 0x%x did not reach 0x%x (mask 0x%x)", vtd_read32(v, VTD_GSTS),
			       want, mask);
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
	return 0;
}

/* Sets or clears a persistent bit (TE, QIE, IRE). */
static int vtd_gcmd_set(struct vtd_dev *v, u32 bit, bool on)
{
	u32 next = on ? (v->gcmd | bit) : (v->gcmd & ~bit);

	vtd_write32(v, VTD_GCMD, next);
	v->gcmd = next;
	return vtd_gsts_wait(v, bit, on ? bit : 0);
}

/* A one-shot command (SRTP, SIRTP): its status bit sets once the pointer is latched. */
int vtd_gcmd_oneshot(struct vtd_dev *v, u32 bit)
{
	vtd_write32(v, VTD_GCMD, v->gcmd | bit);
	return vtd_gsts_wait(v, bit, bit);
}

/* ---- queued invalidation ----------------------------------------------------------------- */

struct vtd_qi_desc vtd_qi_piotlb(u16 did, u32 pasid, u64 addr, u64 size, bool ih)
{
	struct vtd_qi_desc d = { { QI_PIOTLB | FIELD_PREP(QI_DID, did) |
				   FIELD_PREP(QI_PASID, pasid) } };
	unsigned am = 0;

	if (!size) { /* everything of (DID, PASID) */
		d.w[0] |= FIELD_PREP(QI_GRAN, 2);
		return d;
	}
	/* 6.5.2.4: 2^AM pages at an address aligned to them, covering [addr, addr + size) */
	while (am < 63 - 12 && ((addr >> (12 + am)) != ((addr + size - 1) >> (12 + am))))
		am++;
	d.w[0] |= FIELD_PREP(QI_GRAN, 3);
	d.w[1] = ALIGN_DOWN(addr, 4096ULL << am) | FIELD_PREP(QI_ADDR_AM, am) |
		 (ih ? QI_ADDR_IH : 0);
	return d;
}

/*
 * 6.5.2.3 IOTLB: second-stage-only mappings of a domain (PASID-based descriptors do not
 * cover them); size 0: domain-selective.
 */
struct vtd_qi_desc vtd_qi_iotlb(u16 did, u64 addr, u64 size, bool ih)
{
	struct vtd_qi_desc d = vtd_qi_piotlb(did, 0, addr, size, ih);

	d.w[0] = QI_IOTLB | FIELD_PREP(QI_DID, did) | FIELD_PREP(QI_GRAN, size ? 3 : 2);
	return d;
}

struct vtd_qi_desc vtd_qi_pc(u16 did, u32 pasid)
{
	/* PASID-selective within the domain (granularity 1) */
	return (struct vtd_qi_desc){ { QI_PC | FIELD_PREP(QI_GRAN, 1) | FIELD_PREP(QI_DID, did) |
				       FIELD_PREP(QI_PASID, pasid) } };
}

struct vtd_qi_desc vtd_qi_cc_dev(u16 sid)
{
	return (struct vtd_qi_desc){ { QI_CC | FIELD_PREP(QI_GRAN, 3) |
				       FIELD_PREP(QI_CC_SID, sid) } };
}

/* 6.5.2.7 PASID-based device-TLB: size encoded in the address (S), everything if size 0. */
struct vtd_qi_desc vtd_qi_pdevtlb(u16 sid, u32 pasid, u64 addr, u64 size)
{
	struct vtd_qi_desc d = { { QI_PDEVTLB | FIELD_PREP(QI_PDEVTLB_SID, sid) |
				   FIELD_PREP(QI_PASID, pasid) } };
	u64 span = 4096;

	if (!size) {
		d.w[1] = (~0ULL >> 1) & ~0xfffULL & ~(1ULL << 11); /* 7.5.1: S with all ones */
		d.w[1] |= QI_PDEVTLB_S;
		return d;
	}
	while (span < (1ULL << 62) && ALIGN_DOWN(addr, span) + span < addr + size)
		span <<= 1;
	addr = ALIGN_DOWN(addr, span);
	/* ATS 10.3.2: a range of 2^n pages sets the address bits below n (minus one) */
	d.w[1] = span == 4096 ? addr : (addr | ((span >> 1) - 1)) & ~0xfffULL;
	d.w[1] |= span == 4096 ? 0 : QI_PDEVTLB_S;
	return d;
}

struct vtd_qi_desc vtd_qi_iec(u32 index)
{
	return (struct vtd_qi_desc){ { QI_IEC | QI_IEC_INDEXED | FIELD_PREP(QI_IEC_IIDX, index) } };
}

static void vtd_qi_put(struct vtd_dev *v, const struct vtd_qi_desc *d)
{
	u64 *slot = v->iq + v->iq_tail * 4;

	for (unsigned i = 0; i < 4; i++)
		slot[i] = d->w[i];
	v->iq_tail = (v->iq_tail + 1) % VTD_QI_DESCS;
}

/* 6.5.2.10: on an invalidation-queue error the head stays on the bad descriptor. */
static int vtd_qi_error(struct vtd_dev *v)
{
	u64 head = vtd_read64(v, VTD_IQH);

	v->qi_errors++;
	pr_err("invalidation queue error at descriptor %llu", (unsigned long long)(head >> 5));
	/* drop what is queued behind it: IQT = IQH, then clear IQE */
	v->iq_tail = (unsigned)(head >> 5) % VTD_QI_DESCS;
	vtd_write64(v, VTD_IQT, head);
	vtd_write32(v, VTD_FSTS, FSTS_IQE);
	return trace_err(-E_IO);
}

/*
 * The wait descriptor writes the status dword (SW) and never raises the completion interrupt
 * at the same time (QEMU 10.0 aborts on SW with IF). Polled until the status shows or time
 * runs out; the queue's lock is held throughout, so descriptors of two callers never mix.
 */
static int vtd_qi_wait(struct vtd_dev *v)
{
	u32 seq = ++v->wait_seq;
	struct vtd_qi_desc w = { { QI_WAIT | QI_WAIT_SW | FIELD_PREP(QI_WAIT_DATA, seq),
				   virt_to_phys((const void *)v->wait_status).v } };
	u64 start = arch_time_ns();

	vtd_qi_put(v, &w);
	vtd_write64(v, VTD_IQT, (u64)v->iq_tail << 5);
	while (__atomic_load_n(v->wait_status, __ATOMIC_ACQUIRE) != seq) {
		if (vtd_read32(v, VTD_FSTS) & FSTS_IQE)
			return vtd_qi_error(v);
		if (arch_time_ns() - start > v->poll_timeout_ns) {
			pr_err("invalidation wait %u timed out", seq);
			return trace_err(-E_TIMEOUT);
		}
		cpu_relax();
	}
	return 0;
}

int vtd_qi_submit(struct vtd_dev *v, const struct vtd_qi_desc *d, unsigned n)
{
	int err;

	spin_lock(&v->qi_lock);
	/* room for n descriptors and the wait; bigger batches go in slices */
	for (unsigned i = 0; i < n; i++) {
		vtd_qi_put(v, &d[i]);
		if ((i + 1) % (VTD_QI_DESCS / 2) == 0 && (err = vtd_qi_wait(v)))
			goto out;
	}
	err = vtd_qi_wait(v);
out:
	spin_unlock(&v->qi_lock);
	return err;
}

static int vtd_qi_init(struct vtd_dev *v)
{
	paddr_t q, s;
	int err = frame_alloc_run(v->frames, 2, 2 * PAGE_SIZE, &q);

	if (err || (err = frame_alloc_one(v->frames, &s)))
		return err;
	v->iq = phys_to_virt(q);
	memset(v->iq, 0, 2 * PAGE_SIZE);
	v->wait_status = phys_to_virt(s);
	memset((void *)v->wait_status, 0, PAGE_SIZE);
	spin_lock_init(&v->qi_lock);
	v->iq_tail = 0;
	vtd_write64(v, VTD_IQT, 0);
	/* 256-bit descriptors (needed for PASID-based ones), QS = 1: two pages */
	vtd_write64(v, VTD_IQA, q.v | IQA_DW | FIELD_PREP(IQA_QS, 1));
	return vtd_gcmd_set(v, GCMD_QIE, true);
}

/* ---- fault recording (7.2.1) ---------------------------------------------------------------- */

int vtd_faults_drain(struct vtd_dev *v, void (*sink)(struct vtd_dev *v, u64 lo, u64 hi))
{
	u32 fsts = vtd_read32(v, VTD_FSTS);
	unsigned i = (unsigned)FIELD_GET(FSTS_FRI, fsts) % v->nfr, n = 0;

	for (unsigned k = 0; k < v->nfr && (fsts & FSTS_PPF); k++, i = (i + 1) % v->nfr) {
		u32 off = v->fro + i * 16;
		u64 hi = vtd_read64(v, off + 8);

		if (!(hi & FRCD_F))
			continue;
		sink(v, vtd_read64(v, off), hi);
		vtd_write32(v, off + 12, (u32)(FRCD_F >> 32)); /* W1C F, 4-byte access */
		v->faults_seen++;
		n++;
	}
	if (fsts & FSTS_PFO) {
		/* records were lost while all registers were full: counted, then re-armed */
		v->faults_overflow++;
		vtd_write32(v, VTD_FSTS, FSTS_PFO);
	}
	return (int)n;
}

/* 7.4: the fault event is an MSI (FEDATA/FEADDR/FEUADDR, 4-byte writes), unmasked last. */
void vtd_fault_event_route(struct vtd_dev *v, u64 addr, u32 data)
{
	vtd_write32(v, VTD_FECTL, FECTL_IM);
	vtd_write32(v, VTD_FEDATA, data);
	vtd_write32(v, VTD_FEADDR, (u32)addr);
	vtd_write32(v, VTD_FEUADDR, (u32)(addr >> 32));
	vtd_write32(v, VTD_FECTL, 0);
}

/* ---- bring-up -------------------------------------------------------------------------------- */

static int vtd_caps(struct vtd_dev *v)
{
	v->cap = vtd_read64(v, VTD_CAP);
	v->ecap = vtd_read64(v, VTD_ECAP);
	if (!(v->ecap & ECAP_SMTS) || !(v->ecap & ECAP_QI))
		return -E_NODEV; /* legacy-mode-only unit: not driven */
	v->fl = v->ecap & ECAP_FLTS;
	v->sl = v->ecap & ECAP_SLTS;
	v->nest = (v->ecap & ECAP_NEST) && v->fl && v->sl;
	v->ir = v->ecap & ECAP_IR;
	v->dt = v->ecap & ECAP_DT;
	v->nfr = (unsigned)FIELD_GET(CAP_NFR, v->cap) + 1;
	v->fro = (unsigned)FIELD_GET(CAP_FRO, v->cap) * 16;
	v->haw = (unsigned)FIELD_GET(CAP_MGAW, v->cap) + 1;
	v->mamv = (unsigned)FIELD_GET(CAP_MAMV, v->cap);
	v->ndid = 1u << (4 + 2 * FIELD_GET(CAP_ND, v->cap));
	if (!v->fl && !v->sl)
		return -E_NODEV;
	if (v->fro + 16 * v->nfr > VTD_MMIO_SIZE || v->haw < 39 || v->haw > 52)
		return trace_err(-E_CORRUPT);
	return 0;
}

static int vtd_root_init(struct vtd_dev *v)
{
	paddr_t r;
	int err = frame_alloc_one(v->frames, &r);

	if (err)
		return err;
	v->root = phys_to_virt(r);
	memset(v->root, 0, PAGE_SIZE);
	vtd_write64(v, VTD_RTADDR, r.v | RTADDR_SMT);
	return vtd_gcmd_oneshot(v, GCMD_SRTP);
}

/* Global invalidation of every cache after the root pointer is set (6.5.2). */
static int vtd_flush_all(struct vtd_dev *v)
{
	const struct vtd_qi_desc d[] = {
		{ { QI_CC | FIELD_PREP(QI_GRAN, 1) } },
		{ { QI_PC | FIELD_PREP(QI_GRAN, 3) } },
		{ { QI_IOTLB | FIELD_PREP(QI_GRAN, 1) } }, /* global */
		{ { QI_IEC } },				   /* interrupt entry cache, global */
	};

	return vtd_qi_submit(v, d, v->ir ? 4 : 3);
}

static void vtd_faults_reset(struct vtd_dev *v)
{
	vtd_write32(v, VTD_FECTL, FECTL_IM);
	for (unsigned i = 0; i < v->nfr; i++)
		vtd_write32(v, v->fro + i * 16 + 12, (u32)(FRCD_F >> 32));
	vtd_write32(v, VTD_FSTS, FSTS_PFO | FSTS_IQE);
}

static int vtd_disable(struct vtd_dev *v)
{
	v->gcmd = 0;
	vtd_write32(v, VTD_GCMD, 0);
	return vtd_gsts_wait(v, GCMD_PERSISTENT, 0);
}

int vtd_hw_init(struct vtd_dev *v, paddr_t base, struct frame_alloc *fa)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->phys = base;
	v->frames = fa;
	v->poll_timeout_ns = VTD_POLL_TIMEOUT_NS;
	v->regs = arch_map_device(base, VTD_MMIO_SIZE);
	if (!v->regs)
		return -E_NOMEM;
	if ((err = vtd_caps(v)) || (err = vtd_disable(v)))
		return err;
	vtd_faults_reset(v);
	if ((err = vtd_root_init(v)) || (err = vtd_qi_init(v)))
		return err;
	if (v->ir && (err = vtd_ir_init(v)))
		return err;
	if ((err = vtd_flush_all(v)))
		return err;
	if (v->ir && (err = vtd_gcmd_set(v, GCMD_IRE, true)))
		return err;
	/* Every function without a context entry is blocked from here on. */
	return vtd_gcmd_set(v, GCMD_TE, true);
}

void vtd_fini(struct vtd_dev *v)
{
	if (v->regs)
		vtd_write32(v, VTD_FECTL, FECTL_IM);
	if (v->msi_routed)
		arch_msi_release(v->msi_data);
	v->msi_routed = false;
	if (v->regs && vtd_disable(v))
		pr_err("VT-d at 0x%llx did not disable", (unsigned long long)v->phys.v);
	vtd_tables_free(v);
}
