/* SPDX-License-Identifier: MIT */
/* MMIO accessors: single-copy-atomic accesses with the barriers the drivers rely on. */
#ifndef ARCH_MMIO_H
#define ARCH_MMIO_H

#include <stdint.h>

#define MMIO_RD(bits, insn, reg)                                                            \
	static inline uint##bits##_t mmio_read##bits(const volatile void *addr)             \
	{                                                                                   \
		uint##bits##_t v;                                                           \
		__asm__ volatile(insn " %" reg "0, [%1]" : "=r"(v) : "r"(addr) : "memory"); \
		__asm__ volatile("dmb oshld" ::: "memory");                                 \
		return v;                                                                   \
	}
#define MMIO_WR(bits, insn, reg)                                                             \
	static inline void mmio_write##bits(volatile void *addr, uint##bits##_t v)           \
	{                                                                                    \
		__asm__ volatile("dmb oshst" ::: "memory");                                  \
		__asm__ volatile(insn " %" reg "0, [%1]" : : "rZ"(v), "r"(addr) : "memory"); \
	}

MMIO_RD(8, "ldrb", "w")
MMIO_RD(16, "ldrh", "w")
MMIO_RD(32, "ldr", "w")
MMIO_RD(64, "ldr", "x")
MMIO_WR(8, "strb", "w")
MMIO_WR(16, "strh", "w")
MMIO_WR(32, "str", "w")
MMIO_WR(64, "str", "x")

#undef MMIO_RD
#undef MMIO_WR

#endif
