/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 driver, hardware layer: initialisation, command queue with CMD_SYNC, event queue
 * and GERROR (polled or by interrupt), the stream table and the stream configurations a hypervisor needs (abort,
 * bypass, stage-2 only, nested stage-1 over stage-2), and the invalidations that go with them.
 * The IOMMU-core glue (smmu_iommu.c) maps domains and guest requests onto these calls.
 *
 * Concurrency: one caller at a time per SMMU (the core serialises calls on a unit).
 */
#ifndef IOMMU_SMMUV3_H
#define IOMMU_SMMUV3_H

#include "lib/compiler.h"
#include "lib/lock.h"
#include "lib/types.h"

struct frame_alloc;

struct smmu_queue {
	u8 *base; /* hypervisor mapping of the queue memory */
	paddr_t pa;
	unsigned log2;	/* log2 of the number of entries */
	unsigned entry; /* bytes per entry */
	u32 prod, cons; /* shadow pointers: index and wrap bit */
	u32 prod_reg, cons_reg;
};

/* A decoded event record (7.3), before it is turned into a fault record. */
struct smmu_event {
	u8 type;
	u32 sid;
	bool ssv;
	u32 ssid;
	bool s2; /* the fault arose at stage 2 */
	u8 cls;	 /* 0: CD fetch, 1: stage-1 table fetch, 2: input address */
	bool read;
	u64 addr; /* input address */
	u64 ipa;  /* s2: the IPA that faulted */
};

struct smmu_dev;
typedef void (*smmu_event_sink)(struct smmu_dev *s, const struct smmu_event *e);

/* Options for tests and bring-up; zero means "as the hardware allows". */
struct smmu_opts {
	bool force_linear;  /* a linear stream table even if 2-level is supported */
	unsigned cmdq_log2; /* cap on the command-queue size */
	unsigned evtq_log2; /* cap on the event-queue size */
};

#define SMMU_VMID_MAX 256 /* VMIDs handed out (bitmap size); hardware may have more */

struct smmu_dev {
	u8 *regs;
	paddr_t phys;
	struct frame_alloc *frames;
	u32 idr0, idr1, idr3, idr5;
	bool s1p, s2p, ats, cd2l, ril;
	bool stall_optional; /* IDR0.STALL_MODEL 0b00: nested STEs set S1STALLD */
	unsigned sid_bits, ssid_bits, oas_enc, asid_bits, vmid_bits;
	struct smmu_queue cmdq, evtq;
	/* stream table */
	u64 *strtab;
	paddr_t strtab_pa;
	bool two_level;
	unsigned strtab_sids_log2; /* SIDs covered */
	unsigned split;		   /* 2-level: SIDs per L2 table = 1 << split */
	/* bounds, counters, sinks */
	u64 poll_timeout_ns;
	u64 vmid_map[SMMU_VMID_MAX / 64];
	u64 events, events_lost, cmd_errors;
	u64 evtq_aborts;	       /* GERROR.EVENTQ_ABT_ERR: records the SMMU could not write */
	unsigned irq_evtq, irq_gerror; /* routed SPIs (0: none), released by smmu_fini() */
	struct spinlock gerrorn_lock;
	smmu_event_sink sink;
	void *owner; /* the IOMMU-core unit, for the sink */
};

/* ---- bring-up --------------------------------------------------------------------------- */

/*
 * Probes and initialises the SMMU at `base` (spec 3.x "initialisation"): global bypass set to
 * abort, tables and queues allocated from `fa`, every stream aborting, queues and translation
 * enabled, caches invalidated. On failure the SMMU is left disabled with GBPA aborting.
 */
int smmu_init(struct smmu_dev *s, paddr_t base, struct frame_alloc *fa,
	      const struct smmu_opts *o) __must_check;
/* Disables translation and the queues (GBPA abort) and frees the tables and queues. */
void smmu_fini(struct smmu_dev *s);

/* ---- commands ----------------------------------------------------------------------------- */

/*
 * Issues `n` commands followed by a CMD_SYNC and waits (bounded) for it. -E_TIMEOUT if the
 * SMMU did not consume the sync in time, -E_IO if a command was refused (CERROR, recovered:
 * the queue keeps going past the bad command).
 */
int smmu_cmd_issue(struct smmu_dev *s, const u64 (*cmds)[2], unsigned n) __must_check;
int smmu_cmd_sync(struct smmu_dev *s) __must_check;

/* ---- events and global errors --------------------------------------------------------- */

/*
 * Drains the event queue into s->sink, then handles global errors; returns the number of
 * records, or -E_IO on a fatal global error (SFM).
 */
int smmu_evtq_poll(struct smmu_dev *s) __must_check;
/* Drains at most `max` records into s->sink (no GERROR handling); returns how many. */
int smmu_evtq_drain(struct smmu_dev *s, unsigned max) __must_check;
/*
 * Sets IRQ_CTRL (6.3.15: EVENTQ_IRQEN, GERROR_IRQEN) and waits, bounded, for IRQ_CTRLACK to
 * show it. The interrupts themselves are routed by the caller (core/irq.h).
 */
int smmu_irq_ctrl(struct smmu_dev *s, bool evtq, bool gerror) __must_check;
/* Clears IRQ_CTRL and releases the routed SPIs (s->irq_evtq, s->irq_gerror). */
void smmu_irqs_release(struct smmu_dev *s);
/* Handles and acknowledges active global errors; -E_IO if any was fatal (SFM). */
int smmu_gerror_handle(struct smmu_dev *s) __must_check;

/* ---- stream configurations ---------------------------------------------------------------- */

/* Stage-2 (nesting parent) parameters as the STE wants them. */
struct smmu_s2_cfg {
	paddr_t root; /* S2TTB */
	u8 t0sz;      /* S2T0SZ = 64 - input bits */
	u8 sl0;	      /* S2SL0 (4 KiB granule encoding) */
	u16 vmid;
};

/* The guest's stage-1 fields (STE word 0/1); s1ctxptr is an IPA. Untrusted. */
struct smmu_s1_cfg {
	u64 s1ctxptr;
	u8 s1fmt;
	u8 s1cdmax;
	u8 s1dss;
};

int smmu_vmid_alloc(struct smmu_dev *s, u16 *vmid) __must_check;
void smmu_vmid_free(struct smmu_dev *s, u16 vmid);

int smmu_stream_abort(struct smmu_dev *s, u32 sid) __must_check;
int smmu_stream_bypass(struct smmu_dev *s, u32 sid) __must_check;
int smmu_stream_s2(struct smmu_dev *s, u32 sid, const struct smmu_s2_cfg *s2) __must_check;
/* Checks the guest fields against the hardware and `ipa_bits` before anything is written. */
int smmu_s1_check(const struct smmu_dev *s, const struct smmu_s1_cfg *s1,
		  unsigned ipa_bits) __must_check;
int smmu_stream_nested(struct smmu_dev *s, u32 sid, const struct smmu_s2_cfg *s2,
		       const struct smmu_s1_cfg *s1) __must_check;
/* Reads back the STE words (for diagnostics and tests). */
int smmu_ste_read(struct smmu_dev *s, u32 sid, u64 out[8]) __must_check;

/* ---- invalidation ------------------------------------------------------------------------- */

/* After a stage-2 change of [ipa, ipa + size) under `vmid`; `nested` if S1 sits on top. */
int smmu_inv_s2(struct smmu_dev *s, u16 vmid, u64 ipa, u64 size, bool nested) __must_check;

enum smmu_tlbi_op {
	SMMU_TLBI_NH_ALL = 1,
	SMMU_TLBI_NH_ASID,
	SMMU_TLBI_NH_VA,
	SMMU_TLBI_NH_VAA
};
/* A guest stage-1 TLB invalidation; `vmid` is always the nesting parent's, never the guest's. */
struct smmu_tlbi {
	enum smmu_tlbi_op op;
	u16 asid;
	u64 addr;
	bool leaf;
	u8 tg, ttl, num, scale;
};
int smmu_inv_s1(struct smmu_dev *s, u16 vmid, const struct smmu_tlbi *t) __must_check;
/* The guest changed a CD of `sid` (already translated to the physical SID). */
int smmu_inv_cd(struct smmu_dev *s, u32 sid, u32 ssid) __must_check;
/* ATC invalidation for the physical `sid`: 2^size_order bytes at addr (64: everything). */
int smmu_inv_atc(struct smmu_dev *s, u32 sid, u32 ssid, u64 addr, unsigned size_order) __must_check;

#endif
