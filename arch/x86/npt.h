/* SPDX-License-Identifier: MIT */
/*
 * AMD nested paging for a VM (AMD APM vol. 2 15.25): the shared page-table library in the
 * x86-64 format (lib/pt.h PT_X86_64) with the user bit on every leaf, because every guest
 * access is a user access to the nested tables (15.25.5). Guest-physical addresses below
 * 2^47 (4-level tables; the library's lower half). RAM is write-back, read-write-execute;
 * assigned MMIO is uncached (PCD|PWT) and never executable; everything else is not mapped,
 * so an access to it is a #NPF the exit handler turns into the guest's documented fault.
 * The caller serialises changes per VM, as for the arm64 stage-2.
 */
#ifndef X86_NPT_H
#define X86_NPT_H

#include "lib/pt.h"

struct vm_ram;

struct npt {
	struct pt pt;
	/* The VM whose NPT it is: maps take only its RAM and its vdevs' BARs (core/own.h). */
	u32 vm;
};

/*
 * gbpages: the CPU has 1 GiB pages (CPUID 8000_0001 EDX bit 26); otherwise 2 MiB leaves.
 * Set n->vm afterwards: until then no page can be mapped.
 */
int npt_init(struct npt *n, struct pt_allocator *a, bool gbpages) __must_check;
void npt_destroy(struct npt *n);
/* Maps never replace: -E_EXIST when part of the range is mapped (unmap first). */
int npt_map_ram(struct npt *n, const struct vm_ram *r) __must_check;
int npt_map_mmio(struct npt *n, gpa_t g, paddr_t hpa, u64 size) __must_check;
/* `flush` must make every vCPU of the VM stop using the old translations (ASIDs). */
int npt_unmap(struct npt *n, gpa_t g, u64 size,
	      void (*flush)(struct pt_gather *g, struct pt *pt)) __must_check;
/* nCR3 for the VMCB. */
u64 npt_root(const struct npt *n);

#endif
