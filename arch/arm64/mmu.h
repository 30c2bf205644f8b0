/* SPDX-License-Identifier: MIT */
#ifndef ARM64_MMU_H
#define ARM64_MMU_H

#include "lib/compiler.h"
#include "lib/types.h"

enum mmu_prot {
	MMU_RX,	    /* normal, read-only, executable */
	MMU_RO,	    /* normal, read-only */
	MMU_RW,	    /* normal, read-write */
	MMU_DEVICE, /* device nGnRE, read-write */
};

/* Identity-maps [base, base + size) with `prot`; frames already mapped are left as they are. */
int mmu_map(paddr_t base, u64 size, enum mmu_prot prot) __must_check;
/* Builds the EL2 stage-1 tables for the image and the DTB and turns the MMU on. */
int mmu_early_init(paddr_t image, paddr_t dtb, u64 dtb_size) __must_check;

#endif
