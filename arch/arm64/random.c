// SPDX-License-Identifier: MIT
/* FEAT_RNG: RNDR returns 64 random bits, or sets PSTATE.Z when it has none right now. */
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "lib/err.h"

#define RNDR_RETRIES 16

int arch_random_u64(u64 *out)
{
	if (!((read_sysreg(id_aa64isar0_el1) >> 60) & 0xf))
		return -E_NOTSUP;
	for (int i = 0; i < RNDR_RETRIES; i++) {
		u64 v, ok;
		__asm__ volatile("mrs %0, s3_3_c2_c4_0\n cset %1, ne" : "=r"(v), "=r"(ok) : : "cc");
		if (ok) {
			*out = v;
			return 0;
		}
	}
	return -E_IO;
}
