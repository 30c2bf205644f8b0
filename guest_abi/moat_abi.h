/* SPDX-License-Identifier: MIT */
/*
 * Moat guest ABI (stable; see docs/guest-abi.md). Shared by the hypervisor, the guest-side
 * library and guest kernels: freestanding C, fixed-width types only.
 *
 * arm64 conduit: SMCCC (Arm DEN 0028) "HVC #0" from EL1. Function IDs are SMC64 fast calls in
 * the vendor-specific hypervisor service range (owning entity 6, SMCCC section 6.2): bit 31
 * fast, bit 30 SMC64, bits 29:24 = 6. Arguments in x1..x6, status in x0 (one enum, below),
 * results in x1..x3. Unused argument registers are reserved and must be zero.
 */
#ifndef MOAT_ABI_H
#define MOAT_ABI_H

#include <stdint.h>

#define MOAT_ABI_VERSION_MAJOR 1
#define MOAT_ABI_VERSION_MINOR 3
#define MOAT_ABI_VERSION ((MOAT_ABI_VERSION_MAJOR << 16) | MOAT_ABI_VERSION_MINOR)

#define MOAT_HC_BASE 0xC6000000u /* fast, SMC64, owner 6 (vendor hypervisor service) */
#define MOAT_HC_FN(n) (MOAT_HC_BASE | (uint32_t)(n))

/* Every function, its arguments and results. */
enum moat_hc {
	/* -> x1 = MOAT_ABI_VERSION, x2 = bitmap of supported function numbers (bit n = fn n) */
	MOAT_HC_VERSION = MOAT_HC_FN(0),
	/* x1 = function ID -> MOAT_OK if implemented, MOAT_NOT_SUPPORTED otherwise */
	MOAT_HC_FEATURES = MOAT_HC_FN(1),
	/* no arguments, no effect: measures the round trip */
	MOAT_HC_NULL = MOAT_HC_FN(2),
	/* x1 = GPA, x2 = length (1..MOAT_CONSOLE_MAX) of text in guest RAM (private or shared) */
	MOAT_HC_CONSOLE_WRITE = MOAT_HC_FN(3),
	/* x1 = GPA of a struct moat_vm_info in guest RAM, x2 = its size -> fills it */
	MOAT_HC_VM_INFO = MOAT_HC_FN(4),
	/* x1 = vCPU handle -> x1 = enum moat_vcpu_state */
	MOAT_HC_VCPU_STATE = MOAT_HC_FN(5),
	/* x1 = GPA, x2 = length (page aligned) that must be shared RAM -> checks and returns OK */
	MOAT_HC_SHARED_CHECK = MOAT_HC_FN(6),

	/* ---- 1.1: device assignment (docs/guest-abi.md "Device assignment") ---- */
	/* x1 = GPA, x2 = length (page aligned, private RAM), x3 = enum moat_share_op */
	MOAT_HC_MEM_SHARE = MOAT_HC_FN(7),
	/* x1 = GPA of struct moat_vdev_info[], x2 = bytes -> x1 = number of vdevs of the VM */
	MOAT_HC_VDEV_LIST = MOAT_HC_FN(8),
	/* x1 = GPA of struct moat_viommu_info, x2 = its size -> fills it */
	MOAT_HC_VIOMMU_INFO = MOAT_HC_FN(9),
	/* x1 = vdev handle, x2 = GPA of struct moat_s1_desc, x3 = its size */
	MOAT_HC_VIOMMU_SET_S1 = MOAT_HC_FN(10),
	/* x1 = vdev handle: back to stage 2 only */
	MOAT_HC_VIOMMU_CLEAR_S1 = MOAT_HC_FN(11),
	/* x1 = GPA of struct moat_inv[], x2 = count (1..MOAT_INV_MAX)
	 * -> x1 = entries done; on failure x2 = index of the first failing entry */
	MOAT_HC_VIOMMU_INVALIDATE = MOAT_HC_FN(12),
	/* x1 = GPA of the fault queue page (guest RAM, 4 KiB aligned), x2 = INTID (32..63);
	 * x1 = 0, x2 = 0 unregisters */
	MOAT_HC_VIOMMU_FAULTQ = MOAT_HC_FN(13),
	/* x1 = vdev handle -> BUSY while the device works; call again until OK */
	MOAT_HC_TDI_BIND = MOAT_HC_FN(14),
	/* x1 = vdev handle, x2 = GPA, x3 = capacity, x4 = GPA of a 32-byte digest out
	 * -> x1 = report length */
	MOAT_HC_TDI_GET_REPORT = MOAT_HC_FN(15),
	/* x1 = vdev handle, x2 = enum moat_evidence, x3 = GPA, x4 = capacity,
	 * x5 = GPA of a 32-byte nonce (MOAT_EV_MEASUREMENTS, MOAT_EV_SIGNED_MEASUREMENTS; 0 otherwise) -> x1 = length
	 * (also with MOAT_BAD_SIZE: the length needed) */
	MOAT_HC_TDI_GET_EVIDENCE = MOAT_HC_FN(16),
	/* x1 = vdev handle, x2 = GPA of the 32-byte report digest the guest checked */
	MOAT_HC_TDI_ACCEPT = MOAT_HC_FN(17),
	/* x1 = vdev handle */
	MOAT_HC_TDI_UNBIND = MOAT_HC_FN(18),
	/* x1 = vdev handle -> x1 = enum moat_tdi_state, x2 = enum moat_tdi_cause of the last
	 * teardown (0 if none), x3 = number of teardowns so far */
	MOAT_HC_TDI_STATE = MOAT_HC_FN(19),
};

#define MOAT_HC_COUNT 20
#define MOAT_CONSOLE_MAX 256

/* Status in x0. Values are SMCCC-compatible: -1 is NOT_SUPPORTED for an unknown function. */
enum moat_status {
	MOAT_OK = 0,
	MOAT_NOT_SUPPORTED = -1, /* unknown function ID */
	MOAT_INVALID_PARAM = -2, /* malformed argument, or a reserved field/register not zero */
	MOAT_BAD_ADDRESS = -3,	 /* (GPA, length) overflows or is not RAM of the required kind */
	MOAT_BAD_HANDLE = -4,	 /* the handle does not name an object of the calling VM */
	MOAT_BAD_SIZE = -5,	 /* a structure's size field is too small or inconsistent */
	MOAT_DENIED = -6,	 /* the caller may not do this */
	MOAT_BUSY = -7,		 /* resumable: call again to continue */
	MOAT_BAD_STATE = -8,	 /* the object is not in a state that allows the call */
	MOAT_MISMATCH = -9,	 /* the echoed digest is not the current report's */
	MOAT_DEVICE_ERROR = -10, /* the device failed; the TDI was torn down */
};

enum moat_vcpu_state {
	MOAT_VCPU_OFF = 0,
	MOAT_VCPU_ON = 1,
	MOAT_VCPU_ON_PENDING = 2,
};

/* MOAT_HC_VM_INFO output. Every structure starts with its size; reserved fields are zero. */
struct moat_vm_info {
	uint32_t size; /* sizeof(struct moat_vm_info) as written by Moat */
	uint32_t vm_id;
	uint32_t nr_vcpus;
	uint32_t reserved0;
	uint64_t private_base, private_size;
	uint64_t shared_base, shared_size;
	char name[32]; /* NUL-terminated */
};

#define MOAT_VM_INFO_SIZE 80
_Static_assert(sizeof(struct moat_vm_info) == MOAT_VM_INFO_SIZE, "ABI layout");

/* ---- device assignment (1.1) ---------------------------------------------------------- */

/* Fixed guest-physical windows of the virtual PCI host (generic ECAM, bus 0 only). */
#define MOAT_GPA_ECAM 0x30000000ull /* 1 MiB: bus 0, 32 devices x 8 functions */
#define MOAT_GPA_ECAM_SIZE 0x100000ull
#define MOAT_GPA_BARS 0x10000000ull /* guest BAR window: Moat places every BAR here */
#define MOAT_GPA_BARS_SIZE 0x10000000ull

/* A vdev handle: vm_id << 16 | MOAT_VDEV_TAG | index (a vCPU handle never has the tag). */
#define MOAT_VDEV_TAG 0x8000u
#define MOAT_VDEV_MAX 8

enum moat_share_op {
	MOAT_SHARE = 1,	  /* private -> shared: DMA of unaccepted devices may reach the pages */
	MOAT_UNSHARE = 2, /* shared -> private: off untrusted DMA before the call returns */
};

enum moat_tdi_state {
	MOAT_TDI_NONE = 0, /* the vdev has no TDI (not TDISP-capable, or not connected) */
	MOAT_TDI_UNLOCKED = 1,
	MOAT_TDI_LOCKED = 2,
	MOAT_TDI_RUN = 3,
	MOAT_TDI_ERROR = 4,
};

enum moat_tdi_cause {
	MOAT_CAUSE_UNBIND = 1,
	MOAT_CAUSE_DEVICE_ERROR = 2,
	MOAT_CAUSE_FLR = 3,
	MOAT_CAUSE_VM_TEARDOWN = 4,
	MOAT_CAUSE_BIND_FAILED = 5,
	MOAT_CAUSE_ACCEPT_FAILED = 6,
};

struct moat_vdev_info {
	uint32_t size; /* sizeof(struct moat_vdev_info) */
	uint32_t handle;
	uint16_t vbdf;	 /* guest-visible bus/device/function on the virtual ECAM */
	uint16_t vendor; /* PCI vendor and device IDs */
	uint16_t device;
	uint16_t tdi_state;  /* enum moat_tdi_state */
	uint64_t bar_gpa[6]; /* guest-physical BAR addresses (0: no BAR) */
	uint64_t bar_size[6];
};
#define MOAT_VDEV_INFO_SIZE 112
_Static_assert(sizeof(struct moat_vdev_info) == MOAT_VDEV_INFO_SIZE, "ABI layout");

/*
 * The vIOMMU's vendor (1.3: all three; 1.1 and 1.2 knew only SMMUv3). Everything vendor-
 * specific below is a distinct typed structure selected by this type.
 */
enum moat_iommu_type {
	MOAT_IOMMU_SMMUV3 = 1,
	MOAT_IOMMU_VTD = 2,
	MOAT_IOMMU_AMDVI = 3,
};
#define MOAT_S1FMT_ARM_4K (1u << 0) /* SMMUv3 CD with AArch64 4 KiB translation tables */
#define MOAT_S1FMT_X86_4L (1u << 1) /* x86-64 4-level tables (VT-d first stage, AMD guest) */
#define MOAT_S1FMT_X86_5L (1u << 2) /* x86-64 5-level tables */

/* Every value comes from the VM's IOMMU unit (its driver reads the unit's ID registers). */
struct moat_viommu_info {
	uint32_t size;
	uint32_t type;	   /* enum moat_iommu_type */
	uint32_t formats;  /* MOAT_S1FMT_* the vIOMMU accepts; 0: no guest stage-1 */
	uint8_t ias_bits;  /* guest stage-1 input address size */
	uint8_t ipa_bits;  /* stage-1 output (guest-physical) address size */
	uint8_t ssid_bits; /* PASID / SubstreamID bits a stage-1 description may use */
	uint8_t asid_bits; /* stage-1 tag bits: ASID (SMMUv3), domain ID (VT-d, AMD-Vi) */
	uint32_t nr_vdevs;
	uint32_t inv_max; /* entries per MOAT_HC_VIOMMU_INVALIDATE */
	uint64_t reserved[2];
};
#define MOAT_VIOMMU_INFO_SIZE 40
_Static_assert(sizeof(struct moat_viommu_info) == MOAT_VIOMMU_INFO_SIZE, "ABI layout");

/* SMMUv3 stage-1 for one vdev: the STE's S1 fields (SMMUv3 5.2); the CD table is an IPA. */
struct moat_s1_smmu {
	uint64_t cd_table; /* IPA of the CD table (64-byte aligned, in guest RAM) */
	uint8_t s1fmt;	   /* 0 linear (the only format accepted in 1.1) */
	uint8_t s1cdmax;   /* log2 number of CDs: 0 in 1.1 (one CD, no substreams) */
	uint16_t asid;	   /* the ASID of CD 0, for invalidation routing */
	uint32_t reserved;
};
_Static_assert(sizeof(struct moat_s1_smmu) == 16, "ABI layout");

/*
 * VT-d (1.3): the first-stage fields of a scalable-mode PASID-table entry (VT-d 9.6; rev. 4.x
 * calls them FSPTPTR and FSPM). Moat writes the entry itself, nested over the VM's stage 2.
 */
#define MOAT_S1_VTD_SRE (1u << 0)  /* supervisor requests enabled (refused: no such requests) */
#define MOAT_S1_VTD_WPE (1u << 1)  /* write protect enable (supervisor writes obey R/W) */
#define MOAT_S1_VTD_EAFE (1u << 2) /* extended accessed flag enable (if the unit has EAFS) */
#define MOAT_S1_VTD_FLAGS (MOAT_S1_VTD_SRE | MOAT_S1_VTD_WPE | MOAT_S1_VTD_EAFE)
struct moat_s1_vtd {
	uint64_t flptptr; /* GPA of the first-stage root table (4 KiB aligned, in guest RAM) */
	uint32_t pasid;	  /* 0: requests without PASID (RID_PASID); others need ssid_bits */
	uint16_t vdid;	  /* the guest's domain ID for it: the key of its invalidations */
	uint8_t flpm;	  /* paging mode: 0 4-level, 1 5-level (MOAT_S1FMT_X86_5L) */
	uint8_t flags;	  /* MOAT_S1_VTD_* */
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct moat_s1_vtd) == 32, "ABI layout");

/*
 * AMD-Vi (1.3): the guest fields of a device-table entry (AMD IOMMU spec 2.2.2.1): the GCR3
 * table (indexed by PASID, 9 bits per level) and the guest paging mode.
 */
#define MOAT_S1_AMD_GIOV (1u << 0) /* requests without PASID use PASID 0's table */
struct moat_s1_amd {
	uint64_t gcr3_root; /* GPA of the GCR3 table (4 KiB aligned, in guest RAM) */
	uint16_t vdid;	    /* the guest's domain ID: the key of INVALIDATE_IOMMU_PAGES */
	uint8_t glx;	    /* GCR3 table levels - 1: 0 or 1 */
	uint8_t gpm;	    /* guest paging mode: 0 4-level, 1 5-level (MOAT_S1FMT_X86_5L) */
	uint8_t pasid_bits; /* PASIDs the GCR3 table covers, log2: <= 9 * (glx + 1), <= ssid_bits */
	uint8_t flags;	    /* MOAT_S1_AMD_* */
	uint16_t reserved0;
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct moat_s1_amd) == 32, "ABI layout");

struct moat_s1_desc {
	uint32_t size; /* sizeof(struct moat_s1_desc) */
	uint32_t type; /* enum moat_iommu_type: selects the member (the VM's vIOMMU type) */
	union {
		struct moat_s1_smmu smmu;
		struct moat_s1_vtd vtd;
		struct moat_s1_amd amd;
		uint64_t raw[4]; /* bytes a member does not use are reserved: zero */
	};
};
#define MOAT_S1_DESC_SIZE 40
_Static_assert(sizeof(struct moat_s1_desc) == MOAT_S1_DESC_SIZE, "ABI layout");

/* Invalidation operations; an operation of another vendor than the VM's vIOMMU is refused. */
enum moat_inv_op {
	MOAT_INV_SMMU_TLBI_ALL = 1,  /* every stage-1 entry of the VM (NH_ALL) */
	MOAT_INV_SMMU_TLBI_ASID = 2, /* asid */
	MOAT_INV_SMMU_TLBI_VA = 3,   /* asid, addr (leaf: last level only) */
	MOAT_INV_SMMU_TLBI_VAA = 4,  /* addr, every ASID */
	MOAT_INV_SMMU_CFGI_CD = 5,   /* vdev: its CD was changed in guest memory */
	/* 1.3, VT-d (6.5.2.4, 6.5.2.2, 6.5.2.7), fields in struct moat_inv_vtd */
	MOAT_INV_VTD_PIOTLB_PASID = 16, /* vdid, pasid: all of the PASID's entries */
	MOAT_INV_VTD_PIOTLB_ADDR = 17,	/* vdid, pasid, addr, am (2^am pages), IH flag */
	MOAT_INV_VTD_PASID_CACHE = 18,	/* vdid, pasid: cached PASID entry and its IOTLB */
	MOAT_INV_VTD_DEVTLB = 19,	/* vdev, pasid, addr, am: the device's ATC */
	/* 1.3, AMD-Vi (2.4.3, 2.4.4), fields in struct moat_inv_amd */
	MOAT_INV_AMD_IOMMU_PAGES = 32, /* vdid, addr (S: range), PDE, GN + pasid */
	MOAT_INV_AMD_IOTLB_PAGES =
		33, /* vdev (the guest's DeviceID), addr (S: range), GN + pasid */
};

/* VT-d fields of struct moat_inv (bytes 8..31). */
#define MOAT_INV_VTD_IH (1u << 0) /* invalidation hint: leaf entries only (PIOTLB_ADDR) */
struct moat_inv_vtd {
	uint32_t vdev;	/* DEVTLB: vdev handle; else 0 */
	uint16_t vdid;	/* PIOTLB_*, PASID_CACHE: the vdid given with the stage-1; else 0 */
	uint8_t am;	/* *_ADDR, DEVTLB: address mask, 2^am pages, addr aligned to it */
	uint8_t flags;	/* MOAT_INV_VTD_IH */
	uint64_t addr;	/* 4 KiB aligned */
	uint32_t pasid; /* 0: requests without PASID */
	uint32_t reserved;
};

/* AMD-Vi fields of struct moat_inv (bytes 8..31). */
#define MOAT_INV_AMD_S (1u << 0)   /* size: addr encodes a power-of-two range (2.4.3) */
#define MOAT_INV_AMD_PDE (1u << 1) /* IOMMU_PAGES: page-directory entries too */
#define MOAT_INV_AMD_GN (1u << 2)  /* guest (PASID-tagged) translations: pasid is used */
struct moat_inv_amd {
	uint32_t vdev; /* IOTLB_PAGES: vdev handle; else 0 */
	uint16_t vdid; /* IOMMU_PAGES: the vdid given with the stage-1; else 0 */
	uint8_t flags; /* MOAT_INV_AMD_* */
	uint8_t reserved0;
	uint64_t addr;	/* 4 KiB aligned (with S: the range encoding) */
	uint32_t pasid; /* with GN; else 0 */
	uint32_t reserved1;
};

struct moat_inv {
	uint32_t size; /* sizeof(struct moat_inv) */
	uint32_t op;   /* enum moat_inv_op: selects the member */
	union {
		struct {	       /* SMMUv3 (the 1.1 layout) */
			uint32_t vdev; /* CFGI_CD: vdev handle; else 0 */
			uint16_t asid;
			uint8_t leaf;
			uint8_t reserved0;
			uint64_t addr; /* 4 KiB aligned */
			uint64_t reserved1;
		};
		struct moat_inv_vtd vtd;
		struct moat_inv_amd amd;
	};
};
#define MOAT_INV_SIZE 32
#define MOAT_INV_MAX 64
_Static_assert(sizeof(struct moat_inv_vtd) == 24, "ABI layout");
_Static_assert(sizeof(struct moat_inv_amd) == 24, "ABI layout");
_Static_assert(sizeof(struct moat_inv) == MOAT_INV_SIZE, "ABI layout");
_Static_assert(__builtin_offsetof(struct moat_inv, addr) == 16, "ABI layout (1.1)");
_Static_assert(__builtin_offsetof(struct moat_inv, vtd.pasid) == 24, "ABI layout");

/* The fault queue page: a header, then records; Moat writes at tail, the guest consumes at head. */
struct moat_fault {
	uint32_t size;	/* sizeof(struct moat_fault) */
	uint32_t vdev;	/* vdev handle */
	uint64_t addr;	/* input address (IOVA) of the faulting request */
	uint64_t fetch; /* stage-2 fault on a stage-1 table fetch: the table's IPA */
	uint8_t stage;	/* 1, 2, 3 (configuration), or MOAT_FAULT_TDI_EVENT */
	uint8_t kind;	/* DMA: 1 translation, 2 permission, 3 address size, 4 access, 5 bad entry,
			   6 bad configuration; TDI event: enum moat_tdi_cause */
	uint8_t access; /* bit 0 read, 1 write, 2 exec, 3 privileged */
	uint8_t reserved0;
	uint32_t reserved1;
};
/* Not a DMA fault: the vdev's TDI was torn down without the guest asking (device error,
 * FLR, reset); addr and fetch are 0. */
#define MOAT_FAULT_TDI_EVENT 4
#define MOAT_FAULT_SIZE 32
_Static_assert(sizeof(struct moat_fault) == MOAT_FAULT_SIZE, "ABI layout");

struct moat_fault_queue {
	uint32_t size;	   /* sizeof(struct moat_fault_queue), written by Moat at registration */
	uint32_t nslots;   /* records that fit in the page */
	uint32_t head;	   /* next record the guest reads (written by the guest) */
	uint32_t tail;	   /* next record Moat writes */
	uint32_t overflow; /* records dropped because the queue was full */
	uint32_t reserved[3];
	struct moat_fault rec[];
};
#define MOAT_FAULTQ_HDR_SIZE 32
_Static_assert(sizeof(struct moat_fault_queue) == MOAT_FAULTQ_HDR_SIZE, "ABI layout");

enum moat_evidence {
	MOAT_EV_CERT_CHAIN = 1, /* the device's certificate chain (SPDM slot of the session) */
	/* without a nonce: the measurement record Moat took at connect; with the guest's nonce:
	 * a fresh record, signed over the nonce (the signature checked by Moat) */
	MOAT_EV_MEASUREMENTS = 2,
	MOAT_EV_VCA_DIGEST = 3, /* SHA-256 of the SPDM VCA (version, caps, algorithms) */
	/* 1.2, the guest's nonce required: the fresh signed exchange itself, for the guest to
	 * verify (struct moat_ev_meas) */
	MOAT_EV_SIGNED_MEASUREMENTS = 4,
};

#define MOAT_DIGEST_LEN 32
#define MOAT_NONCE_LEN 32

/*
 * MOAT_EV_SIGNED_MEASUREMENTS (1.2): the signed SPDM exchange exactly as it went over
 * the wire, for a guest that verifies the device's signature itself (docs/guest-abi.md
 * "Verifying measurements"). The header, then the parts, contiguous and in this order:
 * VCA (GET_VERSION .. ALGORITHMS), the GET_MEASUREMENTS request, the MEASUREMENTS response
 * whose last sig.len bytes are the signature. The signed transcript L1/L2 (DSP0274 1.2) is
 * therefore the bytes [vca.off, sig.off). Offsets count from the start of the header.
 */
struct moat_ev_part {
	uint32_t off;
	uint32_t len;
};

struct moat_ev_meas {
	uint32_t size;	      /* sizeof(struct moat_ev_meas): where the parts may start */
	uint16_t version;     /* MOAT_EV_MEAS_VERSION */
	uint8_t spdm_version; /* negotiated SPDM version byte (0x12, 0x13) */
	uint8_t slot;	      /* certificate slot whose leaf key signed */
	uint32_t base_asym;   /* BaseAsymSel (0x80 ECDSA P-384, 0x10 ECDSA P-256) */
	uint32_t base_hash;   /* BaseHashSel (0x4 SHA-512, 0x2 SHA-384, 0x1 SHA-256) */
	uint32_t meas_hash;   /* MeasurementHashAlgo */
	uint32_t total;	      /* bytes of the whole blob, header included */
	struct moat_ev_part vca, req, rsp, sig;
	uint32_t reserved[2];
};
#define MOAT_EV_MEAS_VERSION 1
#define MOAT_EV_MEAS_SIZE 64
_Static_assert(sizeof(struct moat_ev_meas) == MOAT_EV_MEAS_SIZE, "ABI layout");

#endif
