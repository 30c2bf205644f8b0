// SPDX-License-Identifier: MIT
/* PSCI (Arm DEN 0022) calls Moat makes as a client of firmware, and time from the generic timer. */
#include <arch/cpu.h>

#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "lib/types.h"

#define PSCI_SYSTEM_OFF 0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U

/* From EL2 firmware is always reached with SMC: an HVC would trap to ourselves. */
static u64 psci_call(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

void arch_halt(bool success)
{
	(void)success; /* QEMU's exit status does not carry it; the console does. */
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfe");
}

uint64_t arch_time_ns(void)
{
	u64 freq = read_sysreg(cntfrq_el0), cnt;

	isb();
	cnt = read_sysreg(cntpct_el0);
	if (!freq)
		return 0;
	/* Split to avoid both overflow and a 128-bit division helper from libgcc. */
	return cnt / freq * 1000000000ULL + cnt % freq * 1000000000ULL / freq;
}
