// SPDX-License-Identifier: MIT
/*
 * Which x86 VM backend a CPU gets (arch/x86/x86_vm.h): pure, for the image and the host
 * tests. The vendor decides (AMD and Hygon: SVM; Intel: VMX) and the feature bit must agree;
 * a vendor that names neither takes whichever one bit is set. And the guest command line
 * both backends give.
 */
#include "arch/x86/x86_vm.h"

#include <string.h>

#include "lib/fmt.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUIDX_ECX_SVM (1u << 2)

static bool vendor_is(const u32 v[3], const char *name)
{
	return !memcmp(v, name, 12);
}

enum x86_vmb x86_vmb_choose(const u32 vendor[3], u32 ecx1, u32 ecx_ext)
{
	bool vmx = ecx1 & CPUID1_ECX_VMX, svm = ecx_ext & CPUIDX_ECX_SVM;

	if (vendor_is(vendor, "AuthenticAMD") || vendor_is(vendor, "HygonGenuine"))
		return svm ? X86_VMB_SVM : X86_VMB_NONE;
	if (vendor_is(vendor, "GenuineIntel"))
		return vmx ? X86_VMB_VMX : X86_VMB_NONE;
	if (svm != vmx)
		return svm ? X86_VMB_SVM : X86_VMB_VMX;
	return X86_VMB_NONE;
}

const char *x86_vmb_name(enum x86_vmb b)
{
	return b == X86_VMB_SVM ? "SVM" : b == X86_VMB_VMX ? "VMX" : "none";
}

const char *x86_vm_cmdline(char *buf, size_t size, const char *bootargs, u64 entry_tsc)
{
	bool bench = !strncmp(bootargs, "moat.bench", 10) && (!bootargs[10] || bootargs[10] == ' ');

	if (bench)
		fmt_snprintf(buf, size, "%s moat.entry_tsc=%llu", bootargs,
			     (unsigned long long)entry_tsc);
	else
		fmt_snprintf(buf, size, "%s", bootargs);
	return buf;
}
