// SPDX-License-Identifier: MIT
/*
 * Table frames from a fixed array (lib/pt.h, struct pt_pool): for the hypervisor's own
 * mappers, which run before the frame allocator exists (on arm64 with the MMU still off, so
 * this file, like the rest of the library, calls no C library function).
 */
#include "lib/pt.h"

#include <arch/mm.h>

#include "lib/err.h"

static int pt_pool_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	struct pt_pool *p = container_of(a, struct pt_pool, a);

	if (nframes != 1) /* the formats these mappers use have one-frame roots */
		return -E_NOTSUP;
	if (p->free_list.v) {
		*out = p->free_list;
		p->free_list = pa(*(u64 *)phys_to_virt(p->free_list));
		return 0;
	}
	if (p->used == p->nframes)
		return -E_NOMEM;
	*out = virt_to_phys((u8 *)p->frames + (u64)p->used++ * PT_SIZE_4K);
	return 0;
}

/* A frame given back is linked through its first word; pt_alloc_table zeroes it again. */
static void pt_pool_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	struct pt_pool *p = container_of(a, struct pt_pool, a);

	(void)nframes;
	*(u64 *)phys_to_virt(base) = p->free_list.v;
	p->free_list = base;
}

void pt_pool_init(struct pt_pool *p, void *frames, unsigned nframes)
{
	p->a.alloc = pt_pool_alloc;
	p->a.free = pt_pool_free;
	p->a.frames = NULL;
	p->a.in_use = 0;
	p->frames = frames;
	p->nframes = nframes;
	p->used = 0;
	p->free_list = pa(0);
}
