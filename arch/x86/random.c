// SPDX-License-Identifier: MIT
/* RDRAND (Intel SDM vol. 1, 7.3.17): CF=1 when a value was returned; retry a bounded number. */
#include "core/arch.h"
#include "lib/err.h"

#define RDRAND_RETRIES 10

static bool cpu_has_rdrand(void)
{
	unsigned a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1U << 30);
}

int arch_random_u64(u64 *out)
{
	if (!cpu_has_rdrand())
		return -E_NOTSUP;
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		unsigned char ok;
		u64 v;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
		if (ok) {
			*out = v;
			return 0;
		}
	}
	return -E_IO;
}
