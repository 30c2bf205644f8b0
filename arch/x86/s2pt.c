// SPDX-License-Identifier: MIT
/* The x86 second-level tables' common rules (arch/x86/s2pt.h), for NPT and EPT. */
#include "arch/x86/s2pt.h"

#include "core/own_pt.h"
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

/* core/own_pt.h: a second-level change is complete once its gather is synced (the caller's
 * flush, if any, is the TLB shootdown and cannot fail). */
static int x86_s2_sync(struct own_pt *o)
{
	pt_gather_sync(o->g, o->pt);
	return 0;
}

/*
 * Maps over nothing only (-E_EXIST otherwise), so no translation is cached to invalidate; the
 * pages are checked against the ownership record and counted before the table is written.
 */
static int x86_s2_map(struct pt *pt, u64 g, paddr_t hpa, u64 size, u32 prot, struct own_id who)
{
	struct pt_gather gt;
	struct own_pt o = { pt, &gt, x86_s2_sync, NULL };
	struct pt_extent x;
	u64 end;
	int err;

	if (add_overflow(g, size, &end))
		return -E_OVERFLOW;
	err = pt_lookup_next(pt, g, end, &x);
	if (err != -E_NOENT)
		return err ? err : -E_EXIST;
	pt_gather_init(&gt, NULL);
	err = own_pt_map(&o, g, hpa, size, prot, who);
	pt_gather_sync(&gt, pt); /* tables a map folded into a block are freed here */
	return err;
}

/* Ownership before anything else (core/own.h): another owner's page never enters the tables. */
int x86_s2_map_ram(struct pt *pt, u32 vm, const struct vm_ram *r, u32 prot)
{
	if (!r->size)
		return 0;
	if (!vm)
		return -E_PERM;
	return x86_s2_map(pt, r->base.v, r->hpa, r->size, prot, own_vm(vm));
}

int x86_s2_map_mmio(struct pt *pt, u32 vm, gpa_t g, paddr_t hpa, u64 size, u32 prot)
{
	if (!vm)
		return -E_PERM;
	return x86_s2_map(pt, g.v, hpa, size, prot, own_bar(vm));
}

int x86_s2_unmap(struct pt *pt, gpa_t g, u64 size,
		 void (*flush)(struct pt_gather *g, struct pt *pt))
{
	struct pt_gather gt;
	struct own_pt o = { pt, &gt, x86_s2_sync, NULL };

	pt_gather_init(&gt, flush);
	return own_pt_unmap(&o, g.v, size);
}

void x86_s2_destroy(struct pt *pt)
{
	own_pt_forget(pt);
	pt_destroy(pt);
}
