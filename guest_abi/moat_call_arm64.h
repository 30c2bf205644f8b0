/* SPDX-License-Identifier: MIT */
/* arm64 conduit: SMCCC HVC #0 with x0..x6; x0..x3 come back. Included by moat_guest.h. */
#ifndef MOAT_CALL_ARM64_H
#define MOAT_CALL_ARM64_H

#include <stdint.h>

static inline struct moat_ret moat_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
					uint64_t a4, uint64_t a5, uint64_t a6)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4;
	register uint64_t x5 __asm__("x5") = a5;
	register uint64_t x6 __asm__("x6") = a6;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
			 :
			 : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
			   "memory");
	return (struct moat_ret){ (int64_t)x0, x1, x2, x3 };
}

#endif
