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
	/* 128 bytes a step: eight store pairs for three instructions of loop. */
	for (w = (u64 *)b; n >= 128; n -= 128, w += 16) {
		w[0] = w[1] = w[2] = w[3] = w[4] = w[5] = w[6] = w[7] = 0;
		w[8] = w[9] = w[10] = w[11] = w[12] = w[13] = w[14] = w[15] = 0;
	}
	for (; n >= 8; n -= 8)
		*w++ = 0;
	for (b = (u8 *)w; n; n--)
		*b++ = 0;
}
