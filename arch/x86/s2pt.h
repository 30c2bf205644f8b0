/* SPDX-License-Identifier: MIT */
/*
 * What AMD nested paging (npt.c) and Intel EPT (ept.c) share: a VM's second-level tables on
 * lib/pt, 48-bit guest-physical addresses, maps that never replace a mapping, and the
 * ownership rule of core/own.h (RAM enters only as the VM's own, MMIO only as a BAR of one of
 * its vdevs) checked before a table is touched, and every mapped page counted in the record
 * (core/own_pt.h: uncounted only once an unmap's shootdown is done). The entry bits differ (the format and the
 * prot each caller passes); the rules do not. VM id 0 is no VM: nothing can be mapped.
 */
#ifndef X86_S2PT_H
#define X86_S2PT_H

#include "lib/pt.h"

struct vm_ram;

int x86_s2_init(struct pt *pt, struct pt_allocator *a, enum pt_format fmt,
		u64 max_leaf) __must_check;
/* The VM's RAM range `r` (a no-op when empty), with `prot`; -E_PERM if not VM `vm`'s. */
int x86_s2_map_ram(struct pt *pt, u32 vm, const struct vm_ram *r, u32 prot) __must_check;
/* Assigned MMIO; -E_PERM unless every page is a BAR assigned to VM `vm`. */
int x86_s2_map_mmio(struct pt *pt, u32 vm, gpa_t g, paddr_t hpa, u64 size, u32 prot) __must_check;
/* `flush` runs once if anything was removed (the caller's TLB shootdown). */
int x86_s2_unmap(struct pt *pt, gpa_t g, u64 size,
		 void (*flush)(struct pt_gather *g, struct pt *pt)) __must_check;
/* Uncounts what the tables map (core/own_pt.h) and frees them: no CPU may reach them. */
void x86_s2_destroy(struct pt *pt);

#endif
