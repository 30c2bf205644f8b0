/* SPDX-License-Identifier: MIT */
/*
 * x86_64 conduit: VMMCALL on AMD (SVM), VMCALL on Intel (VMX), chosen once per translation
 * unit from the CPUID vendor string (each is #UD on the other vendor's CPUs); the function in
 * RAX and arguments x1..x6 in RDI, RSI, RDX, RCX, R8, R9; status in RAX, results x1..x3 in
 * RDI, RSI, RDX; Moat preserves every other register. Included by moat_guest.h.
 */
#ifndef MOAT_CALL_X86_64_H
#define MOAT_CALL_X86_64_H

#include <stdbool.h>
#include <stdint.h>

/* CPUID leaf 0 EBX, EDX, ECX spell "GenuineIntel" on Intel CPUs. */
static inline bool moat_x86_intel(void)
{
	static int intel = -1;

	if (intel < 0) {
		uint32_t a = 0, b, c = 0, d;

		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;
	}
	return intel;
}

static inline struct moat_ret moat_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
					uint64_t a4, uint64_t a5, uint64_t a6)
{
	register uint64_t r8 __asm__("r8") = a5;
	register uint64_t r9 __asm__("r9") = a6;
	uint64_t rax = fn, rdi = a1, rsi = a2, rdx = a3, rcx = a4;

	if (moat_x86_intel())
		__asm__ volatile("vmcall"
				 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+c"(rcx), "+r"(r8),
				   "+r"(r9)
				 :
				 : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+c"(rcx), "+r"(r8),
				   "+r"(r9)
				 :
				 : "memory");
	return (struct moat_ret){ (int64_t)rax, rdi, rsi, rdx };
}

#endif
