// SPDX-License-Identifier: MIT
/* Extended page tables on lib/pt (arch/x86/ept.h). */
#include "arch/x86/ept.h"

#include "vmm/vm.h"
#include "lib/err.h"

#define EPT_GPA_BITS 48
#define EPT_RAM (PT_PROT_R | PT_PROT_W | PT_PROT_X)
#define EPT_MMIO (PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE)
#define EPTP_WB 6ULL
#define EPTP_WALK4 (3ULL << 3) /* walk length minus one */

int ept_init(struct ept *e, struct pt_allocator *a, u64 max_leaf)
{
	struct pt_config cfg = {
		.fmt = PT_VTD_SS, .ias = EPT_GPA_BITS, .oas = 52, .max_leaf = max_leaf, .alloc = a
	};

	return pt_init(&e->pt, &cfg);
}

void ept_destroy(struct ept *e)
{
	pt_destroy(&e->pt);
}

/* Maps over nothing only (-E_EXIST otherwise): no translation is cached to invalidate. */
static int ept_map(struct ept *e, u64 g, paddr_t hpa, u64 size, u32 prot)
{
	struct pt_gather gt;
	struct pt_extent x;
	u64 end;
	int err;

	if (add_overflow(g, size, &end))
		return -E_OVERFLOW;
	err = pt_lookup_next(&e->pt, g, end, &x);
	if (err != -E_NOENT)
		return err ? err : -E_EXIST;
	pt_gather_init(&gt, NULL);
	err = pt_map(&e->pt, g, hpa, size, prot, &gt);
	pt_gather_sync(&gt, &e->pt);
	return err;
}

int ept_map_ram(struct ept *e, const struct vm_ram *r)
{
	return r->size ? ept_map(e, r->base.v, r->hpa, r->size, EPT_RAM) : 0;
}

int ept_map_mmio(struct ept *e, gpa_t g, paddr_t hpa, u64 size)
{
	return ept_map(e, g.v, hpa, size, EPT_MMIO);
}

int ept_unmap(struct ept *e, gpa_t g, u64 size, void (*flush)(struct pt_gather *g, struct pt *pt))
{
	struct pt_gather gt;
	int err;

	pt_gather_init(&gt, flush);
	err = pt_unmap(&e->pt, g.v, size, &gt);
	pt_gather_sync(&gt, &e->pt);
	return err;
}

u64 ept_pointer(const struct ept *e)
{
	return e->pt.root.v | EPTP_WALK4 | EPTP_WB;
}
