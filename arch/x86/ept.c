// SPDX-License-Identifier: MIT
/* Extended page tables on lib/pt (arch/x86/ept.h), by the shared rules of arch/x86/s2pt.h. */
#include "arch/x86/ept.h"

#include "arch/x86/s2pt.h"

#define EPT_RAM (PT_PROT_R | PT_PROT_W | PT_PROT_X)
#define EPT_MMIO (PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE)
#define EPTP_WB 6ULL
#define EPTP_WALK4 (3ULL << 3) /* walk length minus one */

int ept_init(struct ept *e, struct pt_allocator *a, u64 max_leaf)
{
	e->vm = 0;
	return x86_s2_init(&e->pt, a, PT_VTD_SS, max_leaf);
}

void ept_destroy(struct ept *e)
{
	x86_s2_destroy(&e->pt);
}

int ept_map_ram(struct ept *e, const struct vm_ram *r)
{
	return x86_s2_map_ram(&e->pt, e->vm, r, EPT_RAM);
}

int ept_map_mmio(struct ept *e, gpa_t g, paddr_t hpa, u64 size)
{
	return x86_s2_map_mmio(&e->pt, e->vm, g, hpa, size, EPT_MMIO);
}

int ept_unmap(struct ept *e, gpa_t g, u64 size, void (*flush)(struct pt_gather *g, struct pt *pt))
{
	return x86_s2_unmap(&e->pt, g, size, flush);
}

u64 ept_pointer(const struct ept *e)
{
	return e->pt.root.v | EPTP_WALK4 | EPTP_WB;
}
