// SPDX-License-Identifier: MIT
/* Nested page tables on lib/pt (arch/x86/npt.h), by the shared rules of arch/x86/s2pt.h. */
#include "arch/x86/npt.h"

#include "arch/x86/s2pt.h"

#define NPT_RAM (PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_U)
#define NPT_MMIO (PT_PROT_R | PT_PROT_W | PT_PROT_U | PT_PROT_DEVICE)

int npt_init(struct npt *n, struct pt_allocator *a, bool gbpages)
{
	n->vm = 0;
	return x86_s2_init(&n->pt, a, PT_X86_64, gbpages ? 0 : PT_SIZE_2M);
}

void npt_destroy(struct npt *n)
{
	x86_s2_destroy(&n->pt);
}

int npt_map_ram(struct npt *n, const struct vm_ram *r)
{
	return x86_s2_map_ram(&n->pt, n->vm, r, NPT_RAM);
}

int npt_map_mmio(struct npt *n, gpa_t g, paddr_t hpa, u64 size)
{
	return x86_s2_map_mmio(&n->pt, n->vm, g, hpa, size, NPT_MMIO);
}

int npt_unmap(struct npt *n, gpa_t g, u64 size, void (*flush)(struct pt_gather *g, struct pt *pt))
{
	return x86_s2_unmap(&n->pt, g, size, flush);
}

u64 npt_root(const struct npt *n)
{
	return n->pt.root.v;
}
