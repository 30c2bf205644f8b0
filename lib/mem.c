// SPDX-License-Identifier: MIT
#include "lib/mem.h"

#include "lib/types.h"

/* The loops must not be turned back into a memset call: that is the slow path replaced. */
#ifdef __clang__
#define MEM_NO_MEMSET_CALL __attribute__((no_builtin("memset")))
#else
#define MEM_NO_MEMSET_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

MEM_NO_MEMSET_CALL void mem_zero(void *p, size_t n)
{
	u8 *b = p;
	u64 *w;

	for (; n && ((uintptr_t)b & 7); n--)
		*b++ = 0;
	for (w = (u64 *)b; n >= 64; n -= 64, w += 8) {
		w[0] = 0;
		w[1] = 0;
		w[2] = 0;
		w[3] = 0;
		w[4] = 0;
		w[5] = 0;
		w[6] = 0;
		w[7] = 0;
	}
	for (; n >= 8; n -= 8)
		*w++ = 0;
	for (b = (u8 *)w; n; n--)
		*b++ = 0;
}
