// SPDX-License-Identifier: MIT
/* The x86 hypercall register mapping (arch/x86/vhcall.h). */
#include "arch/x86/vhcall.h"

#include "vmm/hypercall.h"

#define MOAT_X86_SYSTEM_OFF 0x84000008u /* Arm DEN 0022 SYSTEM_OFF */
#define MOAT_X86_SYSTEM_RESET 0x84000009u

enum {
	RAX = 0,
	RCX = 1,
	RDX = 2,
	RSI = 6,
	RDI = 7,
	R8 = 8,
	R9 = 9
};

enum x86_hc x86_hypercall(struct vcpu *v, u64 *gprs)
{
	u64 fn = gprs[RAX];
	u64 regs[HC_NREGS] = { fn, gprs[RDI], gprs[RSI], gprs[RDX], gprs[RCX], gprs[R8], gprs[R9] };

	if (fn == MOAT_X86_SYSTEM_OFF)
		return X86_HC_POWER_OFF;
	if (fn == MOAT_X86_SYSTEM_RESET)
		return X86_HC_RESET;
	if (!hypercall_is_moat(fn)) {
		gprs[RAX] = (u64)-1;
		return X86_HC_DONE;
	}
	hypercall_dispatch(v, regs);
	gprs[RAX] = regs[0];
	gprs[RDI] = regs[1];
	gprs[RSI] = regs[2];
	gprs[RDX] = regs[3];
	return X86_HC_DONE;
}
