/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d in scalable mode behind the IOMMU core (docs/vtd.md). The core's hardware tags
 * are source-ids (bus/devfn); every function Moat attaches gets a scalable context entry, a
 * PASID directory and PASID tables owned by Moat; requests without PASID use PASID 0
 * (RID_PASID). Nesting parents are second-stage tables (lib/pt vtd-ss) with one domain ID;
 * nested domains (PGTT 3) carry the guest's validated first-stage pointer and get their own
 * domain ID, so a guest invalidation (vDID, PASID) is split onto physical (DID, PASID) pairs
 * only. Interrupt remapping entries are owned by Moat and verify the source-id.
 */
#ifndef IOMMU_VTD_VTD_H
#define IOMMU_VTD_VTD_H

#include "iommu/iommu.h"
#include "lib/lock.h"

struct frame_alloc;

#define VTD_MAX_DIDS 256    /* domain IDs Moat hands out per unit (DID 0 is never used) */
#define VTD_IRT_ENTRIES 256 /* one 4 KiB interrupt-remapping table */
#define VTD_QI_DESCS 256    /* 256-bit descriptors: 8 KiB queue */

struct vtd_dev {
	paddr_t phys;
	u8 *regs;
	struct frame_alloc *frames;
	u64 cap, ecap;
	unsigned nfr, fro, haw, mamv, ndid;
	bool fl, sl, nest, ir, dt;
	u32 gcmd; /* persistent GCMD bits in force (TE, QIE, IRE): every write carries them */
	u64 poll_timeout_ns;
	u64 *root; /* 256 root entries (scalable: lower/upper context-table pointers) */
	/* queued invalidation: one producer at a time, the lock held from write to wait */
	struct spinlock qi_lock;
	u64 *iq;
	unsigned iq_tail; /* in descriptors */
	volatile u32 *wait_status;
	u32 wait_seq;
	u64 did_used[VTD_MAX_DIDS / 64];
	/* interrupt remapping: entries and their owners (VM id + 1; 0 = free) */
	u64 *irt;
	u32 irte_owner[VTD_IRT_ENTRIES];
	/* ATS-enabled functions: device-TLB invalidations are synthesised for them */
	u64 ats[65536 / 64];
	/* fault event MSI to Moat (arch_msi_request), if the arch delivers them */
	bool msi_routed;
	u32 msi_data;
	/* observation */
	u64 faults_seen, faults_overflow, qi_errors, fault_irqs;
};

struct vtd_unit {
	struct iommu unit;
	struct vtd_dev dev;
};

struct vtd_unit *vtd_unit_of(struct iommu *u);
const struct iommu_driver *vtd_driver(void);
void vtd_units_reset(void);
/* Drops the unit: translation, QI and remapping off (host tests re-probe between cases). */
void vtd_fini(struct vtd_dev *v);

/*
 * Marks `sid` as having PCIe ATS enabled (the PCI layer enables the capability, before the
 * function's first attach): its context entry is created with DTE, and invalidations of its
 * domains include its device TLB.
 * -E_NOTSUP if the unit has no device-TLB support (ECAP.DT).
 */
int vtd_ats_set(struct iommu *u, u16 sid, bool on) __must_check;

/*
 * Interrupt remapping (VT-d 5.1): an IRTE owned by Moat that delivers `vector` to APIC ID
 * `dest` for MSIs from `sid` only (source-id verification). `dest` must be one of the APIC
 * IDs in `allowed` (the VM's physical CPUs, bit per APIC ID < 64). The device is programmed
 * with the remappable MSI (*addr, *data) this returns. -E_RANGE for an exception vector or a
 * CPU outside the set, -E_NOSPC when the table is full.
 */
struct vtd_irq_req {
	u16 sid;
	u32 owner; /* the VM the device is assigned to */
	u8 vector;
	u32 dest;
	u64 allowed;
};
int vtd_irte_alloc(struct iommu *u, const struct vtd_irq_req *r, u32 *handle) __must_check;
/* Frees an IRTE of `owner` (P cleared, interrupt-entry cache invalidated); -E_PERM if not its. */
int vtd_irte_free(struct iommu *u, u32 handle, u32 owner) __must_check;
void vtd_msi_compose(u32 handle, u64 *addr, u32 *data);
/* The same behind the core's ops: the request's tag is the source-id to verify. */
int vtd_op_irq_map(struct iommu *u, const struct iommu_irq *r, struct iommu_msi *out);
int vtd_op_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie);
/* A fault-recording register (low, high qword) as the core's fault record, by source-id. */
void vtd_frcd_to_fault(u64 lo, u64 hi, struct iommu_fault *f);

/* ---- the driver's own files ------------------------------------------------------------------ */

int vtd_hw_init(struct vtd_dev *v, paddr_t base, struct frame_alloc *fa) __must_check;
u32 vtd_read32(struct vtd_dev *v, u32 off);
void vtd_write32(struct vtd_dev *v, u32 off, u32 val);
void vtd_write64(struct vtd_dev *v, u32 off, u64 val);
/* A one-shot global command (SRTP, SIRTP), waited for through GSTS. */
int vtd_gcmd_oneshot(struct vtd_dev *v, u32 bit) __must_check;

/* Queued invalidation: descriptors (two or four qwords) then one wait with status write. */
struct vtd_qi_desc {
	u64 w[4];
};
int vtd_qi_submit(struct vtd_dev *v, const struct vtd_qi_desc *d, unsigned n) __must_check;
struct vtd_qi_desc vtd_qi_piotlb(u16 did, u32 pasid, u64 addr, u64 size, bool ih);
struct vtd_qi_desc vtd_qi_iotlb(u16 did, u64 addr, u64 size, bool ih);
struct vtd_qi_desc vtd_qi_pc(u16 did, u32 pasid);
struct vtd_qi_desc vtd_qi_cc_dev(u16 sid);
struct vtd_qi_desc vtd_qi_pdevtlb(u16 sid, u32 pasid, u64 addr, u64 size);
struct vtd_qi_desc vtd_qi_iec(u32 index);
void vtd_fault_event_route(struct vtd_dev *v, u64 addr, u32 data);
/* Drains the fault-recording registers into `sink`; returns the number of records. */
int vtd_faults_drain(struct vtd_dev *v, void (*sink)(struct vtd_dev *v, u64 lo, u64 hi));

/* Scalable-mode tables (vtd_ctx.c). */
struct vtd_pe {
	u64 w[4];
};
int vtd_pe_install(struct vtd_dev *v, u16 sid, u32 pasid, const struct vtd_pe *pe) __must_check;
int vtd_pe_clear(struct vtd_dev *v, u16 sid, u32 pasid, u16 did) __must_check;
void vtd_tables_free(struct vtd_dev *v);
int vtd_ir_init(struct vtd_dev *v) __must_check;

#endif
