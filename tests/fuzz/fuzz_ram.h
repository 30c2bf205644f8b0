/* SPDX-License-Identifier: MIT */
/*
 * RAM for the fuzz harnesses that a fresh input wants all zero: mapped once, and given back
 * to the kernel between inputs (MADV_DONTNEED) instead of cleared with memset. The next input
 * reads zero pages again, and pays one fault for each page it touches, not a clear of the
 * whole range: an input that uses three pages of 4 MiB costs three pages. Huge pages are off
 * for the range, so that a touched page is a 4 KiB one and not 2 MiB cleared at once.
 */
#ifndef TESTS_FUZZ_FUZZ_RAM_H
#define TESTS_FUZZ_FUZZ_RAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/types.h"

/* Every byte of the range zero again; the kernel guarantees it for private anonymous pages. */
static inline void fz_ram_zero(void *ram, size_t size)
{
	if (madvise(ram, size, MADV_DONTNEED))
		abort();
}

/* `size` bytes (a multiple of 4 KiB) aligned to `align` (a power of two), all zero. */
static inline void *fz_ram_map(size_t size, size_t align)
{
	size_t span = size + align;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		abort();
	a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (madvise((void *)a, size, MADV_NOHUGEPAGE))
		abort();
	/* Once, that the reset does what the harnesses rely on: dirtied, reset, all zero. */
	memset((void *)a, 0xa5, size);
	fz_ram_zero((void *)a, size);
	for (size_t i = 0; i < size; i += sizeof(u64))
		if (*(volatile u64 *)(a + i))
			abort();
	return (void *)a;
}

#endif
