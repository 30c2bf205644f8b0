/* SPDX-License-Identifier: MIT */
/*
 * Intel EPT for a VM (SDM vol. 3C 28.3 "The extended page table mechanism"): the shared
 * page-table library in the VT-d second-stage format (lib/pt.h PT_VTD_SS), whose entries are
 * the EPT's bit for bit in what Moat writes: R/W/X in bits 2:0, the memory type in 5:3 (WB 6,
 * UC 0) on leaves only, PS in bit 7, no ignore-PAT, no accessed/dirty (table 28-1 .. 28-6 and
 * VT-d 9.8). 4-level tables, guest-physical addresses below 2^48. RAM is write-back
 * read-write-execute; assigned MMIO uncached and never executable; everything else is not
 * mapped, so an access to it is an EPT violation the exit handler turns into the guest's
 * documented fault. Like NPT, a map takes only the VM's own RAM and its vdevs' BARs
 * (core/own.h, arch/x86/s2pt.h). tests/unit/test_vmx_ept.c walks the tables with an EPT
 * walker written from the SDM. The caller serialises changes per VM, as for NPT.
 */
#ifndef X86_EPT_H
#define X86_EPT_H

#include "lib/pt.h"

struct vm_ram;

struct ept {
	struct pt pt;
	/* The VM whose EPT it is: maps take only its RAM and its vdevs' BARs (core/own.h). */
	u32 vm;
};

/*
 * max_leaf: PT_SIZE_4K, PT_SIZE_2M or PT_SIZE_1G as IA32_VMX_EPT_VPID_CAP allows.
 * Set e->vm afterwards: until then no page can be mapped.
 */
int ept_init(struct ept *e, struct pt_allocator *a, u64 max_leaf) __must_check;
void ept_destroy(struct ept *e);
/* Maps never replace: -E_EXIST when part of the range is mapped (unmap first). */
int ept_map_ram(struct ept *e, const struct vm_ram *r) __must_check;
int ept_map_mmio(struct ept *e, gpa_t g, paddr_t hpa, u64 size) __must_check;
/* `flush` must make every vCPU of the VM stop using the old translations (INVEPT). */
int ept_unmap(struct ept *e, gpa_t g, u64 size,
	      void (*flush)(struct pt_gather *g, struct pt *pt)) __must_check;
/* The EPT pointer (24.6.11): WB, a 4-level walk, no accessed/dirty flags. */
u64 ept_pointer(const struct ept *e);

#endif
