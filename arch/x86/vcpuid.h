/* SPDX-License-Identifier: MIT */
/*
 * CPUID as an x86 guest sees it (docs/guest-abi.md, x86 "CPUID"): the host's values with
 * what Moat does not virtualise removed (SVM, VMX, MONITOR/MWAIT, machine-check, MTRRs, PMU,
 * TSC-deadline, thermal and power leaves), x2APIC and the hypervisor bit set, the vCPU's
 * x2APIC ID and the VM's topology in leaves 1, 0xB and 0x1F, and Moat's signature at
 * 0x40000000. Pure: the backend passes the host's answer for the same leaf.
 */
#ifndef X86_VCPUID_H
#define X86_VCPUID_H

#include "lib/types.h"

#define X86_CPUID_MOAT_LEAF 0x40000000u
#define X86_CPUID_MOAT_SIG "MoatMoatMoat"

struct x86_cpuid_ctx {
	unsigned vcpu, nvcpus;
	bool osxsave; /* the guest's CR4.OSXSAVE, reflected in leaf 1 ECX */
};

/* CPUID(leaf, sub) on this CPU: the image executes it, host tests provide their own. */
void arch_x86_cpuid(u32 leaf, u32 sub, u32 out[4]);

/* host[] is what CPUID(leaf, sub) returned on this CPU; out[] is what the guest gets. */
void x86_cpuid_filter(u32 leaf, u32 sub, const u32 host[4], const struct x86_cpuid_ctx *c,
		      u32 out[4]);

#endif
