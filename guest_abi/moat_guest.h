/* SPDX-License-Identifier: MIT */
/* Guest-side library for the Moat ABI (arm64, EL1): the HVC conduit and thin wrappers. */
#ifndef MOAT_GUEST_H
#define MOAT_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_abi.h"

struct moat_ret {
	int64_t status; /* enum moat_status (or a PSCI status for PSCI calls) */
	uint64_t r1, r2, r3;
};

/* SMCCC HVC #0 with x0..x6; x0..x3 come back. */
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

int64_t moat_version(uint32_t *abi_version);
int64_t moat_null(void);
/* Writes text to the VM's console (any length; sent in MOAT_CONSOLE_MAX chunks). */
int64_t moat_console_write(const char *s, size_t len);
int64_t moat_vm_info(struct moat_vm_info *info);
int64_t moat_vcpu_state(uint64_t handle, uint64_t *state);

#endif
