// SPDX-License-Identifier: MIT
/*
 * Guest CPUID (arch/x86/vcpuid.h). Bit positions from Intel SDM vol. 2A CPUID tables 3-8
 * and 3-10 and AMD APM vol. 3 appendix E (8000_0001, 8000_000A).
 */
#include "arch/x86/vcpuid.h"

#define L1_ECX_MONITOR (1u << 3)
#define L1_ECX_VMX (1u << 5)
#define L1_ECX_SMX (1u << 6)
#define L1_ECX_EST (1u << 7)
#define L1_ECX_TM2 (1u << 8)
#define L1_ECX_PDCM (1u << 15)
#define L1_ECX_X2APIC (1u << 21)
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EDX_MCE (1u << 7)
#define L1_EDX_MTRR (1u << 12)
#define L1_EDX_MCA (1u << 14)
#define L1_EDX_ACPI (1u << 22)
#define L1_EDX_TM (1u << 29)
#define X1_ECX_SVM (1u << 2)
#define X1_ECX_SKINIT (1u << 12)
#define X1_ECX_WDT (1u << 13)

static void leaf1(const u32 host[4], const struct x86_cpuid_ctx *c, u32 out[4])
{
	out[0] = host[0];
	/* EBX: initial APIC ID 31:24, logical processors 23:16, CLFLUSH size and brand kept */
	out[1] = (host[1] & 0xffff) | (c->nvcpus & 0xff) << 16 | (c->vcpu & 0xff) << 24;
	out[2] = host[2] & ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_EST | L1_ECX_TM2 |
			     L1_ECX_PDCM | L1_ECX_TSC_DEADLINE | L1_ECX_OSXSAVE);
	out[2] |= L1_ECX_X2APIC | L1_ECX_HYPERVISOR | (c->osxsave ? L1_ECX_OSXSAVE : 0);
	out[3] = host[3] & ~(L1_EDX_MCE | L1_EDX_MTRR | L1_EDX_MCA | L1_EDX_ACPI | L1_EDX_TM);
}

/* Leaves 0xB / 0x1F: one thread per core, every vCPU a core of one package. */
static void topology(u32 sub, const struct x86_cpuid_ctx *c, u32 out[4])
{
	unsigned shift = 0;

	while ((1u << shift) < c->nvcpus)
		shift++;
	out[3] = c->vcpu;
	if (sub == 0) {
		out[0] = 0;
		out[1] = 1;
		out[2] = 1u << 8; /* level type SMT */
	} else if (sub == 1) {
		out[0] = shift;
		out[1] = c->nvcpus;
		out[2] = 2u << 8 | 1; /* level type core */
	} else {
		out[0] = out[1] = 0;
		out[2] = sub & 0xff; /* invalid level */
	}
}

void x86_cpuid_filter(u32 leaf, u32 sub, const u32 host[4], const struct x86_cpuid_ctx *c,
		      u32 out[4])
{
	static const char sig[12] = X86_CPUID_MOAT_SIG;

	for (unsigned i = 0; i < 4; i++)
		out[i] = host[i];
	switch (leaf) {
	case 1: leaf1(host, c, out); break;
	case 0x5:	 /* MONITOR/MWAIT */
	case 0x6:	 /* thermal and power */
	case 0xa:	 /* architectural PMU */
	case 0x8000000a: /* SVM: not offered to guests */
		out[0] = out[1] = out[2] = out[3] = 0;
		break;
	case 0xb:
	case 0x1f: topology(sub, c, out); break;
	case X86_CPUID_MOAT_LEAF:
		out[0] = X86_CPUID_MOAT_LEAF;
		__builtin_memcpy(&out[1], sig, 4);
		__builtin_memcpy(&out[2], sig + 4, 4);
		__builtin_memcpy(&out[3], sig + 8, 4);
		break;
	case 0x80000001: out[2] &= ~(X1_ECX_SVM | X1_ECX_SKINIT | X1_ECX_WDT); break;
	default:
		if (leaf > X86_CPUID_MOAT_LEAF && leaf < 0x80000000u)
			out[0] = out[1] = out[2] = out[3] = 0; /* other hypervisor leaves */
		break;
	}
}
