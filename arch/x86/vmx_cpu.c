// SPDX-License-Identifier: MIT
/*
 * The privileged half of the VMX backend, image only (Intel SDM vol. 3C 24.7 "Enabling and
 * entering VMX operation", 25.11.4 VMXON region): IA32_FEATURE_CONTROL, the VMX MSRs, CR0/CR4
 * fixed bits, VMXON. The decisions (which controls, which fields) are in the host-tested
 * vmx_caps.c and vmx_vmcs.c.
 */
#define LOG_COMPONENT "vmx"
#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"

#include "lib/err.h"

#define MSR_FEATURE_CONTROL 0x3au
#define CPUID1_ECX_VMX (1u << 5)

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static enum vmx_fc_state fc_state = VMX_FC_NONE;

/*
 * Before anything else runs (x86_boot): where firmware left IA32_FEATURE_CONTROL unlocked
 * (SeaBIOS, OVMF), Moat enables VMX outside SMX and locks it, as firmware is meant to (SDM
 * 24.7); a locked register is left as it is.
 */
__attribute__((no_stack_protector)) void vmx_feature_control_init(void)
{
	u32 r[4];
	u64 v;

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX))
		return;
	v = rdmsr(MSR_FEATURE_CONTROL);
	fc_state = vmx_feature_control_decide(v, &v);
	if (fc_state == VMX_FC_SET_BY_MOAT)
		wrmsr(MSR_FEATURE_CONTROL, v);
}

enum vmx_fc_state vmx_feature_control_state(void)
{
	return fc_state;
}
