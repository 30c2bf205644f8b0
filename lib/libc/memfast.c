// SPDX-License-Identifier: MIT
/*
 * memset and memcpy for the images, a 64-bit word at a time (issue 21): picolibc's (arm64)
 * and string.c's (x86_64) moved a byte per loop, four or five instructions a byte, and boot
 * and crypto copy and clear a lot. Aligned accesses only, so they stay safe on memory mapped
 * as Device (the arm64 MMU-off path, -mstrict-align); unaligned heads and tails go by byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The loops must not be compiled back into calls to the functions they implement. */
#ifdef __clang__
#define MEMFAST_NO_CALL __attribute__((no_builtin("memset"), no_builtin("memcpy")))
#else
#define MEMFAST_NO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

MEMFAST_NO_CALL void *memset(void *d, int c, size_t n)
{
	unsigned char *b = d;
	uint64_t v = (unsigned char)c * 0x0101010101010101ULL, *w;

	for (; n && ((uintptr_t)b & 7); n--)
		*b++ = (unsigned char)c;
	for (w = (uint64_t *)b; n >= 32; n -= 32, w += 4) {
		w[0] = v;
		w[1] = v;
		w[2] = v;
		w[3] = v;
	}
	for (; n >= 8; n -= 8)
		*w++ = v;
	for (b = (unsigned char *)w; n; n--)
		*b++ = (unsigned char)c;
	return d;
}

MEMFAST_NO_CALL void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *db = d;
	const unsigned char *sb = s;

	if ((((uintptr_t)db ^ (uintptr_t)sb) & 7) == 0) {
		uint64_t *dw;
		const uint64_t *sw;

		for (; n && ((uintptr_t)db & 7); n--)
			*db++ = *sb++;
		for (dw = (uint64_t *)db, sw = (const uint64_t *)sb; n >= 32; n -= 32) {
			dw[0] = sw[0];
			dw[1] = sw[1];
			dw[2] = sw[2];
			dw[3] = sw[3];
			dw += 4;
			sw += 4;
		}
		for (; n >= 8; n -= 8)
			*dw++ = *sw++;
		db = (unsigned char *)dw;
		sb = (const unsigned char *)sw;
	}
	while (n--)
		*db++ = *sb++;
	return d;
}
