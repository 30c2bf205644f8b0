/* SPDX-License-Identifier: MIT */
/* System register access and EL2 register fields (Arm ARM DDI 0487, chapter D19). */
#ifndef ARM64_SYSREG_H
#define ARM64_SYSREG_H

#include <stdint.h>

#define read_sysreg(r)                                       \
	({                                                   \
		uint64_t __v;                                \
		__asm__ volatile("mrs %0, " #r : "=r"(__v)); \
		__v;                                         \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %x0" : : "rZ"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* SCTLR_EL2 (D19.2.118) */
#define SCTLR_M (1ULL << 0)
#define SCTLR_A (1ULL << 1)
#define SCTLR_C (1ULL << 2)
#define SCTLR_SA (1ULL << 3)
#define SCTLR_I (1ULL << 12)
#define SCTLR_WXN (1ULL << 19)
#define SCTLR_EL2_RES1 0x30c50830ULL

/* ESR_ELx exception classes (D19.2.40) */
#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define ESR_IL (1ULL << 25)
#define ESR_ISS(esr) ((esr)&0x1ffffff)

#endif
