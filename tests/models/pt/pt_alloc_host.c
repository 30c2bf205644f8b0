// SPDX-License-Identifier: MIT
#include "pt_alloc_host.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

static int host_alloc(struct pt_allocator *a, unsigned nframes, paddr_t *out)
{
	struct pt_host_alloc *h = container_of(a, struct pt_host_alloc, a);
	size_t size = (size_t)nframes * PAGE_SIZE;
	void *p = NULL;

	if (h->fail_after == 0)
		return -E_NOMEM;
	if (h->fail_after > 0)
		h->fail_after--;
	if (posix_memalign(&p, size, size))
		return -E_NOMEM;
	memset(p, 0x5a, size); /* the library must zero what it uses */
	h->live += nframes;
	h->allocs++;
	*out = pa((u64)(uintptr_t)p);
	return 0;
}

static void host_free(struct pt_allocator *a, paddr_t base, unsigned nframes)
{
	struct pt_host_alloc *h = container_of(a, struct pt_host_alloc, a);

	h->live -= nframes;
	free((void *)(uintptr_t)base.v);
}

void pt_host_alloc_init(struct pt_host_alloc *h)
{
	memset(h, 0, sizeof(*h));
	h->a.alloc = host_alloc;
	h->a.free = host_free;
	h->fail_after = -1;
}
