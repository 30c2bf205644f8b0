// SPDX-License-Identifier: MIT
/* The x86 second-level tables' common rules (arch/x86/s2pt.h), for NPT and EPT. */
#include "arch/x86/s2pt.h"

#include "core/own.h"
#include "vmm/vm.h"
#include "lib/err.h"

#define X86_S2_GPA_BITS 48

int x86_s2_init(struct pt *pt, struct pt_allocator *a, enum pt_format fmt, u64 max_leaf)
{
	struct pt_config cfg = {
		.fmt = fmt, .ias = X86_S2_GPA_BITS, .oas = 52, .max_leaf = max_leaf, .alloc = a
	};

	return pt_init(pt, &cfg);
}

/* Maps over nothing only (-E_EXIST otherwise), so no translation is cached to invalidate. */
static int x86_s2_map(struct pt *pt, u64 g, paddr_t hpa, u64 size, u32 prot)
{
	struct pt_gather gt;
	struct pt_extent x;
	u64 end;
	int err;

	if (add_overflow(g, size, &end))
		return -E_OVERFLOW;
	err = pt_lookup_next(pt, g, end, &x);
	if (err != -E_NOENT)
		return err ? err : -E_EXIST;
	pt_gather_init(&gt, NULL);
	err = pt_map(pt, g, hpa, size, prot, &gt);
	pt_gather_sync(&gt, pt);
	return err;
}

/* Ownership before anything else (core/own.h): another owner's page never enters the tables. */
int x86_s2_map_ram(struct pt *pt, u32 vm, const struct vm_ram *r, u32 prot)
{
	if (!r->size)
		return 0;
	return own_check(r->hpa, r->size, own_vm(vm))
		       ?: x86_s2_map(pt, r->base.v, r->hpa, r->size, prot);
}

int x86_s2_map_mmio(struct pt *pt, u32 vm, gpa_t g, paddr_t hpa, u64 size, u32 prot)
{
	return own_check(hpa, size, own_bar(vm)) ?: x86_s2_map(pt, g.v, hpa, size, prot);
}

int x86_s2_unmap(struct pt *pt, gpa_t g, u64 size,
		 void (*flush)(struct pt_gather *g, struct pt *pt))
{
	struct pt_gather gt;
	int err;

	pt_gather_init(&gt, flush);
	err = pt_unmap(pt, g.v, size, &gt);
	pt_gather_sync(&gt, pt);
	return err;
}
