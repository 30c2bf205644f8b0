/* SPDX-License-Identifier: MIT */
/*
 * Reference translation walkers, written from the architecture manuals and sharing no
 * descriptor definition with lib/pt (they are what the library is checked against):
 *
 *   REF_ARM_S1  Arm ARM DDI 0487, D8 (VMSAv8-64 stage 1, 4 KiB granule, EL1&0 regime)
 *   REF_ARM_EL2 the same, EL2 regime with E2H = 0 (D8.4: one privilege level, AP[2] and XN
 *               only); stricter than hardware, it reports AP[1] (RES1) clear and PXN or
 *               APTable[0] (RES0) set as reserved-bit faults, so an encoder that gets them
 *               wrong is caught
 *   REF_ARM_S2  Arm ARM DDI 0487, D8 (stage 2, VTCR_EL2.T0SZ/SL0, concatenated tables)
 *   REF_IA32E   Intel SDM vol. 3A, 4.5 (4- and 5-level paging; VT-d first stage, AMD v2)
 *   REF_VTD_SL  Intel VT-d 9.8 (second-stage paging entries, AW -> levels)
 *   REF_AMD_V1  AMD IOMMU 2.2.3 (host page tables: Next Level, skipped levels, NL=7 sizes)
 *
 * The walkers take what the hardware registers hold (table base, T0SZ/SL0, AW, Mode, output
 * size) and return the output address and permissions, or the exact fault: stage, level in
 * the architecture's own numbering, kind. The nested walk translates every stage-1 table
 * address, root included, through stage 2 before reading it.
 */
#ifndef REF_WALK_H
#define REF_WALK_H

#include <stdbool.h>
#include <stdint.h>

enum ref_arch {
	REF_ARM_S1 = 1,
	REF_ARM_S2,
	REF_IA32E,
	REF_VTD_SL,
	REF_AMD_V1,
	REF_ARM_EL2
};

struct ref_regs {
	enum ref_arch arch;
	uint64_t root;	  /* TTBR/VTTBR/CR3-like table base (an IPA for a nested stage 1) */
	unsigned t0sz;	  /* Arm: TCR.T0SZ / VTCR_EL2.T0SZ */
	unsigned sl0;	  /* Arm stage 2: VTCR_EL2.SL0 (4 KiB granule encoding) */
	unsigned oa_bits; /* Arm: PS/IPS in bits; x86/VT-d/AMD: MAXPHYADDR / HAW */
	unsigned levels;  /* IA-32e: 4 or 5; VT-d: from AW (3..5); AMD: DTE Mode (1..6) */
	uint64_t mair;	  /* Arm stage 1: MAIR value (attribute index -> device or normal) */
};

/* Permissions found (ref_result.perms) and access requested (ref_walk access argument). */
#define REF_R (1u << 0)
#define REF_W (1u << 1)
#define REF_XP (1u << 2)  /* executable by privileged (EL1 / supervisor) requests */
#define REF_XU (1u << 3)  /* executable by user (EL0) requests */
#define REF_U (1u << 4)	  /* accessible to user requests */
#define REF_DEV (1u << 5) /* device / uncached memory type (result only) */

/* Access requested; REF_ACC_USER marks an unprivileged request. */
#define REF_ACC_R (1u << 0)
#define REF_ACC_W (1u << 1)
#define REF_ACC_X (1u << 2)
#define REF_ACC_USER (1u << 3)

enum ref_fault {
	REF_OK = 0,
	REF_F_TRANSLATION, /* not present / invalid descriptor / input out of range */
	REF_F_PERMISSION,
	REF_F_ADDRSIZE, /* output or table address beyond the output size */
	REF_F_ACCESS,	/* Arm access flag clear */
	REF_F_RESERVED, /* reserved bits set / malformed descriptor */
	REF_F_CONFIG,	/* the register values themselves are invalid */
};

struct ref_result {
	enum ref_fault fault;
	unsigned stage;	    /* 1 or 2 (of the fault) */
	int level;	    /* architecture numbering; -1 when not tied to a level */
	bool on_s1_walk;    /* stage-2 fault while fetching a stage-1 table */
	unsigned s1_level;  /* on_s1_walk: the stage-1 level being fetched */
	uint64_t fetch_ipa; /* on_s1_walk: IPA of the descriptor fetched */
	uint64_t out;	    /* translated address */
	uint64_t size;	    /* size of the leaf that mapped it (single stage) */
	unsigned perms;	    /* REF_* */
	uint64_t last_desc; /* physical address of the last descriptor read */
};

/* Single stage. access == 0 checks no permission. */
void ref_walk(const struct ref_regs *r, uint64_t in, unsigned access, struct ref_result *res);
/* Two stages: s1 (root and descriptors addressed by IPA) then s2. */
void ref_walk_nested(const struct ref_regs *s1, const struct ref_regs *s2, uint64_t in,
		     unsigned access, struct ref_result *res);

/* Descriptors are read through this hook (default: host memory, physical == virtual). */
extern uint64_t (*ref_read64)(uint64_t pa);

const char *ref_fault_name(enum ref_fault f);

#endif
