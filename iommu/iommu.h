/* SPDX-License-Identifier: MIT */
/*
 * IOMMU core (docs/architecture.md sections 1 and 2): domains, device attach by
 * (requester, PASID/SSID), typed invalidation per vendor, fault records, and the one driver
 * interface that VT-d, AMD-Vi and SMMUv3 implement. Drivers register at link time with
 * IOMMU_DRIVER(); the core probes one unit per IOMMU the platform describes.
 *
 * Requesters and hardware tags (issue 13 items 2 and 10): a PCI function is named by its
 * requester key IOMMU_RID(segment, bus/devfn). What a unit tells DMA apart by is a hardware
 * tag: the SMMUv3 StreamID, the VT-d source-id, the AMD-Vi DeviceID. The firmware tables
 * (iommu-map, IORT, DMAR, IVRS: struct plat_scope) say which unit sees a requester and with
 * which tags; the core resolves them (iommu/scope.c) and keeps the owner per (unit, tag):
 * requesters that share a tag (overlapping map outputs, iommu-map-mask, a PCIe-to-PCI bridge,
 * IVRS aliases) are one alias group, translated by one domain at a time, never split between
 * two.
 *
 * Domains:
 * - IOMMU_DOMAIN_S2: the nesting parent, a stage-2 (GPA -> PA) table owned by Moat, in the
 *   format the driver asks for (Arm S2, VT-d second stage, AMD-Vi v1).
 * - IOMMU_DOMAIN_NESTED: a guest-owned stage-1 described by a typed, vendor-specific
 *   structure (struct iommu_s1), stacked on an S2 parent of the same unit.
 *
 * Tags follow the hardware: the S2 domain carries the VMID (Arm) or the pDID (AMD: pDID per
 * vDID via the nested domain; Intel: per (DID, PASID) of the nested domain); a guest-supplied
 * tag is only ever used as a lookup key, never written to hardware.
 *
 * No void * payloads: every vendor structure is a member of a tagged union selected by
 * enum iommu_vendor, and the core checks the tag against the unit's driver.
 */
#ifndef IOMMU_IOMMU_H
#define IOMMU_IOMMU_H

#include "core/platform.h"
#include "lib/compiler.h"
#include "lib/lock.h"
#include "lib/pt.h"
#include "lib/types.h"

struct moat_ctx;
struct iommu;

enum iommu_vendor {
	IOMMU_VENDOR_VTD = 1,
	IOMMU_VENDOR_AMDVI,
	IOMMU_VENDOR_SMMUV3
};

/* Requester keys: PCI segment in bits 31:16, bus/device/function in 15:0. */
#define IOMMU_RID(seg, bdf) ((u32)(seg) << 16 | (u16)(bdf))
#define IOMMU_RID_SEG(rid) ((u16)((rid) >> 16))
#define IOMMU_RID_BDF(rid) ((u16)(rid))
#define IOMMU_RID_NONE 0xffffffffu /* a fault on a tag no requester holds */

/* "No PASID": the request carries none (RID-level attach / invalidation). */
#define IOMMU_NO_PASID 0xffffffffu
#define IOMMU_PASID_MAX ((1u << 20) - 1) /* PCIe PASID and SMMUv3 SubstreamID: 20 bits */

/* ---- stage-1 descriptions carried by nested domains ------------------------------------- */

/* VT-d scalable-mode PASID-table entry, first-stage fields (VT-d 4.x section 9.6). */
struct iommu_s1_vtd {
	gpa_t fsptptr; /* first-stage page-table pointer (GPA, 4 KiB aligned) */
	u8 levels;     /* 4 or 5 (FSPM) */
	bool sre;      /* supervisor requests enabled */
	bool wpe;      /* write protect enable */
	bool eafe;     /* extended accessed flag enable */
	u16 vdid;      /* guest's domain ID (lookup key only) */
};

/* AMD-Vi DTE guest fields (AMD IOMMU spec section 2.2.2.1): GCR3 table root and levels. */
struct iommu_s1_amd {
	gpa_t gcr3_root; /* GCR3 table base (GPA, 4 KiB aligned) */
	u8 glx;		 /* GCR3 table levels - 1: 0 (one level) or 1 (two levels) */
	u8 guest_levels; /* guest page table levels: 4 or 5 (GPT level) */
	u16 vdid;	 /* guest's domain ID (lookup key for the vDID -> pDID map) */
	bool giov;	 /* guest I/O protection valid (requests without PASID use PASID 0) */
};

/* SMMUv3 STE stage-1 fields (SMMUv3 section 5.2): CD-table pointer and format. */
enum iommu_smmu_s1fmt {
	IOMMU_SMMU_S1FMT_LINEAR = 0,
	IOMMU_SMMU_S1FMT_64K_L2 = 1,
	IOMMU_SMMU_S1FMT_4K_L2 = 2
};
struct iommu_s1_smmu {
	gpa_t s1ctxptr; /* CD table (IPA, 64-byte aligned) */
	enum iommu_smmu_s1fmt s1fmt;
	u8 s1cdmax; /* log2 of the number of CDs (0..20) */
	u8 s1dss;   /* STE.S1DSS: what substream-less traffic uses */
};

struct iommu_s1 {
	enum iommu_vendor vendor;
	union {
		struct iommu_s1_vtd vtd;
		struct iommu_s1_amd amd;
		struct iommu_s1_smmu smmu;
	};
};

/* ---- requesters -------------------------------------------------------------------------- */

#define IOMMU_DEV_MAX_ALIAS 3
#define IOMMU_DEV_MAX_DEPTH 8
#define IOMMU_MAX_TAGS 4

/*
 * A PCI function as the IOMMU core sees it. `alias` are the other requester keys its DMA may
 * arrive with (a PCIe-to-PCI bridge above it takes ownership of its requests; pci/alias.c).
 * `path` (root bus, then device/function hops down to it) lets DMAR device scopes, which
 * name functions by path, find it; depth 0 means "on the root bus at its requester ID".
 */
struct iommu_dev {
	u32 rid;
	u8 nalias;
	u32 alias[IOMMU_DEV_MAX_ALIAS];
	u8 root_bus, depth;
	u8 path[IOMMU_DEV_MAX_DEPTH];
};

/* The hardware tags of one requester on its unit. */
struct iommu_tagset {
	u8 n;
	u32 tag[IOMMU_MAX_TAGS];
};

/* ---- domains ------------------------------------------------------------------------------ */

enum iommu_domain_kind {
	IOMMU_DOMAIN_S2 = 1,
	IOMMU_DOMAIN_NESTED
};

/* Hardware tags of a domain, written by the driver's domain_init. */
struct iommu_tags {
	u16 vmid; /* SMMUv3: VMID of the nesting parent */
	u16 did;  /* VT-d/AMD-Vi: physical domain ID used for this domain's tables */
};

#define IOMMU_DOMAIN_MAX_ATTACH 32

struct iommu_attach {
	u32 rid;
	u32 pasid;		  /* IOMMU_NO_PASID for RID-level */
	struct iommu_tagset tags; /* the tags this attach holds on the unit */
};

struct iommu_domain {
	enum iommu_domain_kind kind;
	struct iommu *unit;
	struct iommu_domain *parent; /* NESTED: its S2 domain */
	struct pt s2;		     /* S2: the stage-2 table */
	struct iommu_s1 s1;	     /* NESTED: guest stage-1 */
	struct iommu_tags tags;
	/*
	 * Who the domain translates for (a VM id; 0: Moat), set by its creator right after init
	 * (nested domains take their parent's). Tags of different owners never mix, and fault
	 * records are accounted per owner.
	 */
	u32 owner;
	unsigned nchildren;	   /* S2: nested domains stacked on it */
	struct iommu_domain *next; /* the unit's list of live domains */
	unsigned nattach;
	struct iommu_attach attach[IOMMU_DOMAIN_MAX_ATTACH];
	/*
	 * S2: an invalidation of [owed_start, owed_end) failed, so the IOTLBs (and ATCs) may
	 * still hold translations the table no longer has. Every later stage-2 change, attach
	 * or unit flush of this domain resends it first and fails while it cannot.
	 */
	bool flush_owed;
	u64 owed_start, owed_end;
};

/* ---- invalidation ------------------------------------------------------------------------- */

/*
 * Guest-issued invalidation entries, one typed structure per vendor (the guest's own command
 * encodings decoded by the vIOMMU emulation). Tags in them are guest tags; the core maps them
 * to the hardware ones of the domain the entry is routed to (docs/architecture.md section 2, invalidation by hardware tag):
 * VT-d to the nested domain of (vDID, PASID), AMD-Vi to the nested domains sharing a vDID,
 * SMMUv3 to the nesting parent (VMID forced).
 */
enum iommu_inv_vtd_gran {
	IOMMU_VTD_INV_PASID_ALL = 1,
	IOMMU_VTD_INV_PASID_ADDR,
	IOMMU_VTD_INV_PASID_CACHE /* 6.5.2.2: the PASID entry, then all of the PASID's IOTLB */
};
struct iommu_inv_vtd { /* PASID-based IOTLB invalidation descriptor (VT-d 6.5.2.4) */
	enum iommu_inv_vtd_gran gran;
	u16 vdid;
	u32 pasid;
	u64 addr; /* gran == PASID_ADDR: 4 KiB aligned */
	u8 am;	  /* address mask: 2^am pages, addr aligned to it (<= 52 - 12) */
	bool ih;  /* invalidation hint: leaf only */
};

struct iommu_inv_amd { /* INVALIDATE_IOMMU_PAGES (AMD IOMMU spec 2.4.3) */
	u16 vdid;
	u32 pasid; /* with gn */
	bool gn;   /* guest (PASID-tagged) translation */
	bool s;	   /* size bit: addr encodes a power-of-two range */
	bool pde;  /* also page-directory entries */
	u64 addr;
};

enum iommu_inv_smmu_op { /* SMMUv3 section 4.4 */
	IOMMU_SMMU_TLBI_NH_ALL = 1,
	IOMMU_SMMU_TLBI_NH_ASID,
	IOMMU_SMMU_TLBI_NH_VA,
	IOMMU_SMMU_TLBI_NH_VAA,
	IOMMU_SMMU_CFGI_CD, /* the guest changed a CD: rid's CD cache (SSID 0) */
};
struct iommu_inv_smmu {
	enum iommu_inv_smmu_op op;
	u16 asid;
	u64 addr;
	bool leaf;
	u8 tg, ttl, num, scale; /* range invalidation fields (0 when not a range) */
	u32 rid;		/* CFGI_CD: physical requester key, attached behind the domain */
	u32 tag;		/* CFGI_CD: filled by the core, once per hardware tag of rid */
};

/* Device-TLB (ATC) invalidation, in guest terms (vRID translated by the vIOMMU). */
struct iommu_inv_atc {
	u32 rid;   /* physical requester key once routed */
	u32 tag;   /* filled by the core, once per hardware tag of rid */
	u32 pasid; /* IOMMU_NO_PASID if none */
	u64 addr;
	u8 size_order; /* 2^size_order bytes, >= 12; 64 = everything */
};

enum iommu_inv_kind {
	IOMMU_INV_VTD = 1,
	IOMMU_INV_AMD,
	IOMMU_INV_SMMU,
	IOMMU_INV_ATC
};
struct iommu_inv {
	enum iommu_inv_kind kind;
	union {
		struct iommu_inv_vtd vtd;
		struct iommu_inv_amd amd;
		struct iommu_inv_smmu smmu;
		struct iommu_inv_atc atc;
	};
};

/* ---- faults -------------------------------------------------------------------------------- */

enum iommu_fault_stage {
	IOMMU_FAULT_S1 = 1,
	IOMMU_FAULT_S2,
	IOMMU_FAULT_CONFIG
};
enum iommu_fault_kind {
	IOMMU_FAULT_TRANSLATION = 1, /* non-present entry */
	IOMMU_FAULT_PERMISSION,
	IOMMU_FAULT_ADDRESS_SIZE, /* input or output beyond the configured size */
	IOMMU_FAULT_ACCESS,	  /* access flag */
	IOMMU_FAULT_BAD_ENTRY,	  /* reserved bits set / malformed descriptor */
	IOMMU_FAULT_BAD_CONFIG,	  /* context/DTE/STE/CD/PASID entry invalid */
};
#define IOMMU_FAULT_READ (1u << 0)
#define IOMMU_FAULT_WRITE (1u << 1)
#define IOMMU_FAULT_EXEC (1u << 2)
#define IOMMU_FAULT_PRIV (1u << 3)

struct iommu_fault {
	u32 tag;	/* the hardware tag the unit reported (driver) */
	u32 rid;	/* requester holding the tag, IOMMU_RID_NONE if none (core) */
	u32 owner;	/* owner of the domain translating the tag, 0 if none (core) */
	u32 pasid;	/* IOMMU_NO_PASID if none */
	u64 addr;	/* input address of the faulting request */
	u64 fetch_addr; /* S2 fault on a stage-1 table fetch: the table's GPA; else 0 */
	enum iommu_fault_stage stage;
	enum iommu_fault_kind kind;
	u8 level;	 /* architecture's level numbering; 0xff if unknown */
	u32 access;	 /* IOMMU_FAULT_* */
	u32 vendor_code; /* raw reason/event code, for logs */
};

/*
 * Fault records wait in one ring per owner (issue 13 item 14): a VM whose devices flood the
 * unit loses its own oldest records, never another VM's. Owner 0 and the VM ids 1..4
 * (CFG_MAX_VMS; vmm/viommu.c checks the bound); ids at or above IOMMU_FAULT_OWNERS are
 * accounted with owner 0.
 */
#define IOMMU_FAULT_RING 64
#define IOMMU_FAULT_OWNERS 5

struct iommu_fault_ring {
	struct iommu_fault rec[IOMMU_FAULT_RING];
	u64 seq[IOMMU_FAULT_RING]; /* report order, so that records leave oldest first */
	unsigned head, count;
	u64 dropped;
};

/* A hardware tag in use on a unit: the domain translating it and the attaches holding it. */
struct iommu_stream {
	u32 tag, pasid;
	u32 refs;
	struct iommu_domain *dom;
};

#define IOMMU_MAX_STREAMS 128

/* ---- what a unit offers a guest stage-1 (the vIOMMU's VIOMMU_INFO) --------------------- */

/* Guest stage-1 table formats a nested domain of the unit may point at. */
#define IOMMU_S1FMT_ARM_4K (1u << 0) /* SMMUv3 CD with AArch64 4 KiB translation tables */
#define IOMMU_S1FMT_X86_4L (1u << 1) /* x86-64 4-level tables (VT-d first stage, AMD GCR3) */
#define IOMMU_S1FMT_X86_5L (1u << 2) /* x86-64 5-level tables */

/*
 * Filled by the driver's `info` op from the unit's own registers (ID/CAP registers): nothing
 * about a vendor is a constant of generic code.
 */
struct iommu_info {
	u32 s1_formats; /* IOMMU_S1FMT_*; 0: the unit cannot nest a guest stage-1 */
	u8 s1_ias;	/* guest stage-1 input (IOVA) size in bits */
	u8 s2_ias_max;	/* largest nesting-parent input (GPA) size the unit translates */
	u8 pasid_bits;	/* PASID/SubstreamID bits a guest stage-1 may use (0: none) */
	u8 tag_bits;	/* guest stage-1 tag width: ASID (SMMUv3), domain ID (VT-d, AMD-Vi) */
};

/* ---- the driver interface ---------------------------------------------------------------- */

/*
 * One remapped interrupt of a requester (x86: VT-d IRTE, AMD-Vi interrupt table entry):
 * fixed delivery of `vector` to APIC ID `dest`, which must be one of `allowed` (bit per APIC
 * ID < 64), for messages carrying hardware tag `tag` of a requester attached for `owner`.
 */
struct iommu_irq {
	u32 tag; /* VT-d source-id, AMD-Vi DeviceID (iommu_irq_map fills it in) */
	u32 owner;
	u8 vector;
	u32 dest;
	u64 allowed;
};

/* The message a requester writes to raise a remapped interrupt, and the entry's name. */
struct iommu_msi {
	u64 addr;
	u32 data;
	u32 cookie;
};

struct iommu_ops {
	/* Probes the hardware of `desc` and fills `*out` with its unit (driver-allocated). */
	int (*probe)(struct moat_ctx *ctx, const struct plat_iommu *desc, struct iommu **out);
	/* Stage-2 page-table format and input size this unit uses for nesting parents. */
	int (*s2_config)(struct iommu *u, unsigned gpa_bits, struct pt_config *cfg);
	/* Allocates hardware tags; for NESTED also validates the stage-1 description. */
	int (*domain_init)(struct iommu *u, struct iommu_domain *d);
	void (*domain_fini)(struct iommu *u, struct iommu_domain *d);
	/*
	 * Points hardware tag `tag` (with `pasid`) at the domain / back at blocked; must be
	 * idempotent on failure. The core has checked the tag is free or already d's.
	 */
	int (*attach)(struct iommu *u, struct iommu_domain *d, u32 tag, u32 pasid);
	int (*detach)(struct iommu *u, struct iommu_domain *d, u32 tag, u32 pasid);
	/* After a stage-2 change: invalidate per the gather (tags of d), ATCs included. */
	int (*flush_s2)(struct iommu *u, struct iommu_domain *d, const struct pt_gather *g);
	/*
	 * One routed guest invalidation, tags already mapped to d's hardware tags (for ATC and
	 * CFGI_CD entries: called once per hardware tag of the requester, in inv->*.tag).
	 */
	int (*invalidate)(struct iommu *u, struct iommu_domain *d, const struct iommu_inv *inv);
	/* Drains the hardware fault/event log into iommu_fault_report(). */
	int (*fault_poll)(struct iommu *u);
	/* What the unit offers a guest stage-1 (struct iommu_info). */
	int (*info)(struct iommu *u, struct iommu_info *out);
	/*
	 * Interrupt remapping (struct iommu_irq): an entry that delivers r->vector to APIC ID
	 * r->dest for messages carrying hardware tag r->tag only, in force (the unit's entry
	 * cache invalidated) before the call returns; out gets the message the requester must
	 * write and the driver's cookie for irq_unmap, which also returns only once the unit
	 * has dropped the entry. NULL where the unit does not remap interrupts.
	 */
	int (*irq_map)(struct iommu *u, const struct iommu_irq *r, struct iommu_msi *out);
	int (*irq_unmap)(struct iommu *u, const struct iommu_irq *r, u32 cookie);
};

struct iommu_driver {
	const char *name;
	enum iommu_kind kind; /* platform kind it drives */
	enum iommu_vendor vendor;
	const struct iommu_ops *ops;
};

#define IOMMU_DRIVER(_var, _name, _kind, _vendor, _ops)                                         \
	static const struct iommu_driver _var __section("moat_iommu_drivers") __used __aligned( \
		8) = { .name = (_name), .kind = (_kind), .vendor = (_vendor), .ops = (_ops) }

/* A hardware unit; drivers embed it in their own state (container_of). */
struct iommu {
	const struct iommu_driver *drv;
	const struct plat_iommu *desc;
	struct pt_allocator *alloc;
	unsigned index;
	/* Protects streams[] and faults[] (taken from interrupt handlers too). */
	struct spinlock lock;
	unsigned nstreams;
	struct iommu_stream streams[IOMMU_MAX_STREAMS];
	/* fault rings: the core keeps the newest IOMMU_FAULT_RING records of each owner */
	struct iommu_fault_ring faults[IOMMU_FAULT_OWNERS];
	u64 fault_seq;
	u64 faults_dropped; /* all owners */
	/*
	 * Faults arrive by interrupt: the driver's handler drains the hardware and calls
	 * iommu_fault_notify(); fault_poll is then not called from the run loop.
	 */
	bool irq_driven;
	struct iommu_domain *domains; /* live domains of this unit */
};

#define IOMMU_MAX_UNITS 8

/* ---- core API ------------------------------------------------------------------------------ */

/* Probes every IOMMU of the platform with its registered driver (boot unit, INIT_IOMMU). */
int iommu_probe_all(struct moat_ctx *ctx) __must_check;
unsigned iommu_unit_count(void);
struct iommu *iommu_unit(unsigned i);
/* Drivers linked into this image, for tests and diagnostics. */
const struct iommu_driver *iommu_driver_find(enum iommu_kind kind);
/* Registers a unit (iommu_probe_all does this; tests too). */
int iommu_unit_add(struct iommu *u, const struct iommu_driver *drv, const struct plat_iommu *desc,
		   struct pt_allocator *alloc) __must_check;
void iommu_units_reset(void);

/* The unit's offer to a guest stage-1, from its driver; -E_NOTSUP if the driver has none. */
int iommu_unit_info(struct iommu *u, struct iommu_info *out) __must_check;

/*
 * Interrupt remapping of `dev` on `u` (ops irq_map, irq_unmap): `r` without its tag, which
 * is dev's first hardware tag on u. -E_NOTSUP if u remaps no interrupts, -E_PERM unless dev
 * is attached on u for r->owner, else the driver's error (-E_RANGE for an exception vector
 * or a CPU outside r->allowed, -E_NOSPC when the table is full).
 */
int iommu_irq_map(struct iommu *u, const struct iommu_dev *dev, struct iommu_irq *r,
		  struct iommu_msi *out) __must_check;
int iommu_irq_unmap(struct iommu *u, const struct iommu_irq *r, u32 cookie) __must_check;

/* Creates the nesting parent for a VM with `gpa_bits` of guest-physical space. */
int iommu_domain_s2_init(struct iommu_domain *d, struct iommu *u, unsigned gpa_bits) __must_check;
/* Creates a nested domain over `parent` with the guest's stage-1 description. */
int iommu_domain_nested_init(struct iommu_domain *d, struct iommu_domain *parent,
			     const struct iommu_s1 *s1) __must_check;
/* Refused (-E_BUSY) while attached or (S2) while nested domains sit on it. */
int iommu_domain_fini(struct iommu_domain *d) __must_check;

/*
 * Nested domains stacked on `parent`, one after the other (prev NULL for the first). Used to
 * route AMD-Vi invalidations to every nested domain of a vDID and to share its pDID.
 */
struct iommu_domain *iommu_nested_next(const struct iommu_domain *parent,
				       const struct iommu_domain *prev);

/*
 * The unit that translates `dev`'s DMA: the one whose firmware scope names it, else the one
 * whose segment it includes all of, else the only unit without a description. -E_NOENT if
 * none, -E_CORRUPT if two units claim it alike (the firmware is inconsistent: refused).
 */
int iommu_unit_for(const struct iommu_dev *dev, struct iommu **out) __must_check;
/* The tags `dev` carries on `u`; -E_NOENT if u does not translate (all of) its DMA. */
int iommu_dev_tags(const struct iommu *u, const struct iommu_dev *dev,
		   struct iommu_tagset *out) __must_check;
/* The requester key attached on `u` that holds one of `ts` (first found), or false. */
bool iommu_tag_holder(struct iommu *u, const struct iommu_tagset *ts, u32 *rid, u32 *owner);
/* Firmware scope of a unit checked at probe: -E_CORRUPT if a range is malformed. */
int iommu_scope_check(const struct plat_iommu *desc) __must_check;
/* One line per alias group the scope creates (overlapping outputs, masks, IVRS aliases). */
void iommu_scope_report_aliases(const struct plat_iommu *desc, const char *name);

/*
 * Attaches a requester. -E_BUSY if the requester is attached anywhere, or one of its tags is
 * translated by another domain (an alias of another requester: the group moves as a whole).
 */
int iommu_attach_dev(struct iommu_domain *d, const struct iommu_dev *dev, u32 pasid) __must_check;
/* The same for a function without aliases, on its root bus. */
int iommu_attach(struct iommu_domain *d, u32 rid, u32 pasid) __must_check;
int iommu_detach(struct iommu_domain *d, u32 rid, u32 pasid) __must_check;
bool iommu_domain_attached(const struct iommu_domain *d, u32 rid, u32 pasid);

/* Stage-2 changes on a nesting parent; the unit is flushed before this returns. */
int iommu_s2_map(struct iommu_domain *d, gpa_t in, paddr_t out, u64 size, u32 prot) __must_check;
int iommu_s2_unmap(struct iommu_domain *d, gpa_t in, u64 size) __must_check;
/*
 * Maps one page of an interrupt controller's message doorbell (the GICv3 ITS's
 * GITS_TRANSLATER frame; leaves need R, and the register is write-only, so a read has no
 * effect) into a stage-2 at `in`, outside the owner's RAM. The page
 * is in no ownership record (it is neither RAM nor a BAR) and may sit in every VM's view:
 * the controller tells writers apart by their requester ID, so a function reaches only the
 * events Moat mapped for it (docs/gic-its.md).
 */
int iommu_s2_map_msi(struct iommu_domain *d, gpa_t in, paddr_t doorbell) __must_check;

/*
 * Guest invalidation batch for one domain: each entry is checked (kind matches the unit's
 * vendor, fields in range) and routed; stops at the first failing entry, whose index is
 * stored in *done (entries before it were executed).
 */
int iommu_invalidate(struct iommu_domain *d, const struct iommu_inv *inv, unsigned n,
		     unsigned *done) __must_check;

/*
 * Drivers report faults here, by hardware tag; the core fills in the requester and owner and
 * drops the owner's oldest record when that owner's ring is full.
 */
void iommu_fault_report(struct iommu *u, const struct iommu_fault *f);
/* Takes the oldest fault record of any owner; -E_NOENT if none. */
int iommu_fault_pop(struct iommu *u, struct iommu_fault *out) __must_check;
/* Records waiting on the unit. */
unsigned iommu_faults_pending(struct iommu *u);
/*
 * The consumer of fault records (vmm/viommu.c) registers here; a driver's interrupt handler
 * calls iommu_fault_notify() once it has reported new records on `u`.
 */
typedef void (*iommu_fault_notify_fn)(struct iommu *u);
void iommu_fault_notify_set(iommu_fault_notify_fn fn);
void iommu_fault_notify(struct iommu *u);

#endif
