/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi behind the IOMMU core (docs/amdvi.md). The core's hardware tags are DeviceIDs (the
 * IVRS picks the unit and the DeviceID of each function, aliases included). Moat owns one
 * device table covering every DeviceID: at bring-up each entry blocks DMA and interrupts
 * (V = 0 would pass DMA untranslated). Nesting parents are v1 host tables (lib/pt amd-v1)
 * with one DomainID per VM view; nested domains carry the guest's GCR3 table root (a GPA),
 * its levels and the guest paging mode, checked before any DTE field is written, and take a
 * physical DomainID per guest DomainID. Commands go through one command buffer, each batch
 * closed by a store-based COMPLETION_WAIT that is polled with a bound. Interrupt remapping
 * tables are Moat's: one per assigned function, entries set only by amdvi_irte_alloc().
 */
#ifndef IOMMU_AMDVI_AMDVI_H
#define IOMMU_AMDVI_AMDVI_H

#include "iommu/iommu.h"
#include "lib/lock.h"

struct frame_alloc;

#define AMDVI_MAX_DIDS 256    /* DomainIDs Moat hands out per unit (0 is never used) */
#define AMDVI_DEVIDS 65536    /* the device table covers every DeviceID: 2 MiB */
#define AMDVI_CMD_ENTRIES 256 /* one 4 KiB command buffer */
#define AMDVI_EVT_ENTRIES 256 /* one 4 KiB event log */
#define AMDVI_MAX_IRT 32      /* functions with an interrupt remapping table */
#define AMDVI_IRT_ENTRIES 256 /* IntTabLen 8: MSI data[7:0] names the entry */

struct amdvi_irt {
	u32 devid; /* 0xffffffff: slot free */
	u32 owner; /* the VM the function is assigned to */
	u32 *tbl;
	u64 used[AMDVI_IRT_ENTRIES / 64];
};

struct amdvi_dev {
	paddr_t phys;
	u8 *regs;
	struct frame_alloc *frames;
	u64 efr;
	unsigned host_levels, guest_levels, glx_max;
	bool gt, ia;
	u64 ctl; /* CONTROL value in force */
	u64 poll_timeout_ns;
	u64 *devtab; /* AMDVI_DEVIDS entries of four qwords */
	/* command buffer: one producer at a time, the lock held from the first command to the
	 * completion wait */
	struct spinlock cmd_lock;
	u64 *cmd;
	unsigned cmd_tail; /* in entries */
	volatile u64 *wait_word;
	u64 wait_seq;
	u64 *evt;
	unsigned evt_head; /* in entries */
	u8 did_refs[AMDVI_MAX_DIDS];
	struct amdvi_irt irt[AMDVI_MAX_IRT];
	u64 ats[AMDVI_DEVIDS / 64];
	/* observation */
	u64 events_seen, events_unknown, evt_overflows, cmd_errors;
};

struct amdvi_unit {
	struct iommu unit;
	struct amdvi_dev dev;
};

struct amdvi_unit *amdvi_unit_of(struct iommu *u);
const struct iommu_driver *amdvi_driver(void);
void amdvi_units_reset(void);
/* Drops the unit: translation, command buffer and event log off (host tests re-probe). */
void amdvi_fini(struct amdvi_dev *v);

/*
 * Marks `devid` as having PCIe ATS enabled (before its first attach): its DTE gets I = 1 and
 * invalidations of its domains include INVALIDATE_IOTLB_PAGES for it.
 */
int amdvi_ats_set(struct iommu *u, u16 devid, bool on) __must_check;

/*
 * Interrupt remapping: an IRTE in `devid`'s table (which exists once the function is
 * attached, and belongs to the VM it is attached for) delivering `vector` to APIC ID
 * `dest`, one of `allowed` (bit per APIC ID < 64). The device is programmed with the MSI
 * (*addr, *data) amdvi_msi_compose() gives for the returned index. -E_PERM if `devid` is not
 * `owner`'s, -E_RANGE for an exception vector or a CPU outside the set, -E_NOSPC if full.
 */
struct amdvi_irq_req {
	u16 devid;
	u32 owner;
	u8 vector;
	u32 dest;
	u64 allowed;
};
int amdvi_irte_alloc(struct iommu *u, const struct amdvi_irq_req *r, u32 *index) __must_check;
int amdvi_irte_free(struct iommu *u, u16 devid, u32 index, u32 owner) __must_check;
void amdvi_msi_compose(u32 index, u64 *addr, u32 *data);
/* The same behind the core's ops (iommu/iommu.h): the request's tag is the DeviceID. */
int amdvi_op_irq_map(struct iommu *u, const struct iommu_irq *r, struct iommu_msi *out);
int amdvi_op_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie);
/* An event-log record as the core's fault record; false if it names no device fault. */
bool amdvi_event_to_fault(const u64 rec[2], struct iommu_fault *f);

/* ---- the driver's own files ------------------------------------------------------------------ */

int amdvi_hw_init(struct amdvi_dev *v, paddr_t base, u64 fw_efr,
		  struct frame_alloc *fa) __must_check;

struct amdvi_cmd {
	u64 w[2];
};
/* Runs `n` commands, then one completion wait; -E_TIMEOUT / -E_IO if it does not complete. */
int amdvi_cmd_submit(struct amdvi_dev *v, const struct amdvi_cmd *c, unsigned n) __must_check;
struct amdvi_cmd amdvi_cmd_inv_dte(u16 devid);
/* INVALIDATE_IOMMU_PAGES of [addr, addr + size) (size 0: everything); pasid with gn. */
struct amdvi_cmd amdvi_cmd_inv_pages(u16 did, u32 pasid, bool gn, u64 addr, u64 size);
struct amdvi_cmd amdvi_cmd_inv_iotlb(u16 devid, u32 pasid, bool gn, u64 addr, u64 size);
struct amdvi_cmd amdvi_cmd_inv_intr(u16 devid);
struct amdvi_cmd amdvi_cmd_completion_wait(u64 store_pa, u64 data);
/* The S-bit address of a range (48882 INVALIDATE_IOMMU_PAGES): *s set unless one page. */
u64 amdvi_range_addr(u64 addr, u64 size, bool *s);
/* Drains the event log into `sink`; returns the number of records. */
int amdvi_events_drain(struct amdvi_dev *v, void (*sink)(struct amdvi_dev *v, const u64 *rec));

/* Device table entries (amdvi_dte.c). */
struct amdvi_dte {
	u64 q[4];
};
void amdvi_dte_blocked(struct amdvi_dte *e);
/* Writes `devid`'s entry in the safe order, with invalidation and wait between the steps. */
int amdvi_dte_write(struct amdvi_dev *v, u16 devid, const struct amdvi_dte *e) __must_check;
/* The interrupt table of `devid` for `owner`, created (all entries off) on first use. */
int amdvi_irt_get(struct amdvi_dev *v, u16 devid, u32 owner, struct amdvi_irt **out) __must_check;
void amdvi_irt_put(struct amdvi_dev *v, u16 devid);
/* The DTE qword-2 fields that remap `t`'s function through it (nothing passed through). */
u64 amdvi_dte_intr(const struct amdvi_irt *t);
void amdvi_tables_free(struct amdvi_dev *v);

#endif
