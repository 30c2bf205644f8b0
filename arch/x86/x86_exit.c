// SPDX-License-Identifier: MIT
/*
 * What SVM's and VMX's exit handlers (svm_exit.c, vmx_exit.c) do alike once the exit is
 * decoded (arch/x86/x86_vm.h): the filtered CPUID answer, the x2APIC base MSR value, PAT
 * checks, EDX:EAX of RDMSR/WRMSR and the register an IN writes. The registers are indexed as
 * x86_insn.reg (RAX, RCX, RDX, RBX, ...) in both backends. Pure: built for the image and the
 * host tests (test_svm, test_vmx).
 */
#include "arch/x86/x86_vm.h"

#include "arch/x86/vcpuid.h"

enum {
	RAX,
	RCX,
	RDX,
	RBX
};

#define APIC_BASE_VALUE 0xfee00c00ULL /* 0xfee00000, enabled (11), x2APIC (10) */
#define APIC_BASE_BSP (1ULL << 8)

void x86_exit_cpuid(u64 *gprs, unsigned vcpu, unsigned nvcpus, bool osxsave)
{
	struct x86_cpuid_ctx c = { vcpu, nvcpus, osxsave };
	u32 leaf = (u32)gprs[RAX], sub = (u32)gprs[RCX], host[4], out[4];

	arch_x86_cpuid(leaf, sub, host);
	x86_cpuid_filter(leaf, sub, host, &c, out);
	gprs[RAX] = out[0];
	gprs[RBX] = out[1];
	gprs[RCX] = out[2];
	gprs[RDX] = out[3];
}

u64 x86_apic_base(unsigned vcpu)
{
	return APIC_BASE_VALUE | (vcpu ? 0 : APIC_BASE_BSP);
}

bool x86_pat_valid(u64 v)
{
	for (unsigned i = 0; i < 8; i++) {
		u8 t = (u8)(v >> (8 * i));
		if (t == 2 || t == 3 || t > 7) /* reserved memory types (SDM table 11-10) */
			return false;
	}
	return true;
}

u64 x86_msr_operand(const u64 *gprs)
{
	return (u32)gprs[RAX] | gprs[RDX] << 32;
}

void x86_msr_result(u64 *gprs, u64 v)
{
	gprs[RAX] = (u32)v;
	gprs[RDX] = v >> 32;
}

void x86_io_in_result(u64 *rax, unsigned size, u32 val)
{
	*rax = size == 4   ? (u32)val
	       : size == 2 ? (*rax & ~0xffffULL) | (val & 0xffff)
			   : (*rax & ~0xffULL) | (val & 0xff);
}
