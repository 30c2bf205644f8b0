// SPDX-License-Identifier: MIT
/* Nested page tables on lib/pt (arch/x86/npt.h). */
#include "arch/x86/npt.h"

#include "vmm/vm.h"
#include "lib/err.h"

#define NPT_GPA_BITS 48
#define NPT_RAM (PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_U)
#define NPT_MMIO (PT_PROT_R | PT_PROT_W | PT_PROT_U | PT_PROT_DEVICE)

int npt_init(struct npt *n, struct pt_allocator *a, bool gbpages)
{
	struct pt_config cfg = { .fmt = PT_X86_64,
				 .ias = NPT_GPA_BITS,
				 .oas = 52,
				 .max_leaf = gbpages ? 0 : PT_SIZE_2M,
				 .alloc = a };

	return pt_init(&n->pt, &cfg);
}

void npt_destroy(struct npt *n)
{
	pt_destroy(&n->pt);
}

/* Maps over nothing only (-E_EXIST otherwise), so no translation is cached to invalidate. */
static int npt_map(struct npt *n, u64 g, paddr_t hpa, u64 size, u32 prot)
{
	struct pt_gather gt;
	struct pt_extent x;
	u64 end;
	int err;

	if (add_overflow(g, size, &end))
		return -E_OVERFLOW;
	err = pt_lookup_next(&n->pt, g, end, &x);
	if (err != -E_NOENT)
		return err ? err : -E_EXIST;
	pt_gather_init(&gt, NULL);
	err = pt_map(&n->pt, g, hpa, size, prot, &gt);
	pt_gather_sync(&gt, &n->pt);
	return err;
}

int npt_map_ram(struct npt *n, const struct vm_ram *r)
{
	return r->size ? npt_map(n, r->base.v, r->hpa, r->size, NPT_RAM) : 0;
}

int npt_map_mmio(struct npt *n, gpa_t g, paddr_t hpa, u64 size)
{
	return npt_map(n, g.v, hpa, size, NPT_MMIO);
}

int npt_unmap(struct npt *n, gpa_t g, u64 size, void (*flush)(struct pt_gather *g, struct pt *pt))
{
	struct pt_gather gt;
	int err;

	pt_gather_init(&gt, flush);
	err = pt_unmap(&n->pt, g.v, size, &gt);
	pt_gather_sync(&gt, &n->pt);
	return err;
}

u64 npt_root(const struct npt *n)
{
	return n->pt.root.v;
}
