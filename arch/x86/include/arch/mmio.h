/* SPDX-License-Identifier: MIT */
/* x86 MMIO: plain volatile accesses (UC mappings are strongly ordered). */
#ifndef ARCH_MMIO_H
#define ARCH_MMIO_H

#include <stdint.h>

#define MMIO_ACC(bits)                                                          \
	static inline uint##bits##_t mmio_read##bits(const volatile void *a)    \
	{                                                                       \
		return *(const volatile uint##bits##_t *)a;                     \
	}                                                                       \
	static inline void mmio_write##bits(volatile void *a, uint##bits##_t v) \
	{                                                                       \
		*(volatile uint##bits##_t *)a = v;                              \
	}
MMIO_ACC(8)
MMIO_ACC(16)
MMIO_ACC(32)
MMIO_ACC(64)
#undef MMIO_ACC

#endif
