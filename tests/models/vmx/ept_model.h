/* SPDX-License-Identifier: MIT */
/*
 * An EPT walker and a model of the VMX TLB rules, written from the Intel SDM vol. 3C and
 * sharing no definition with lib/pt or arch/x86 (they are what ept.c and vmx_tlb.c are
 * checked against).
 *
 * Walker (28.3.2, tables 28-1 .. 28-6; misconfigurations 28.3.3.1): 4-level from the EPTP,
 * host memory read directly (physical == virtual on the host), the output address, R/W/X,
 * the memory type of the leaf, or the fault: not present (an EPT violation) or
 * misconfigured (W without R, a reserved memory type 2/3/7, reserved bits, PS at level 4).
 *
 * TLB (28.4): guest-physical mappings are cached per EP4TA, linear/combined ones per
 * (VPID, EP4TA). Nothing is dropped by entry or exit when the VPID is not 0; with VPID 0
 * every entry and exit drops the linear and combined mappings of VPID 0, never the
 * guest-physical ones (28.4.3.1). INVEPT single drops every mapping of one EP4TA, all-context
 * every mapping; INVVPID single drops the linear/combined mappings of one VPID, all-context
 * those of every VPID but 0 (28.4.3.3, 28.4.3.4).
 */
#ifndef EPT_MODEL_H
#define EPT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

enum ept_walk_status {
	EPTW_OK,
	EPTW_NOT_PRESENT,
	EPTW_MISCONFIG,
};

struct ept_walk {
	enum ept_walk_status status;
	uint64_t hpa;
	unsigned perms; /* bit 0 R, 1 W, 2 X */
	unsigned memtype;
	unsigned level; /* 1: 4 KiB leaf, 2: 2 MiB, 3: 1 GiB; where the walk stopped otherwise */
};

/* eptp: the VMCS EPT pointer (memory type 2:0, walk length 5:3, A/D 6, PML4 address). */
struct ept_walk ept_model_walk(uint64_t eptp, uint64_t gpa);
/* EPTP checks VM entry makes (26.2.1.1): WB or UC, walk length 3, reserved bits clear. */
bool ept_model_eptp_valid(uint64_t eptp, bool ad_supported);

#define TLBM_MAX 256

struct tlb_model {
	struct {
		bool valid, linear; /* linear: tagged by VPID too */
		uint16_t vpid;
		uint64_t ep4ta, page, hpa;
	} e[TLBM_MAX];
	unsigned invept_single, invept_all, invvpid_single, invvpid_all;
	unsigned stale_hits; /* translations served that the tables no longer give */
};

void tlbm_reset(struct tlb_model *t);
/* A guest access through EPTP `eptp` with `vpid` (0: none): the translation the CPU uses,
 * from the model's cache if present (a stale one is counted), else walked and cached.
 * `linear`: a combined (linear + EPT) mapping, else a guest-physical one. -1: no mapping. */
int64_t tlbm_access(struct tlb_model *t, uint64_t eptp, uint16_t vpid, uint64_t gpa, bool linear);
void tlbm_entry_or_exit(struct tlb_model *t, uint16_t vpid);
void tlbm_invept(struct tlb_model *t, unsigned type, uint64_t eptp);
void tlbm_invvpid(struct tlb_model *t, unsigned type, uint16_t vpid);
/* Cached entries of one kind (for checks). */
unsigned tlbm_count(const struct tlb_model *t, bool linear, uint16_t vpid);

#endif
