// SPDX-License-Identifier: MIT
/*
 * The privileged half of the SVM backend, image only (AMD APM vol. 2 15.4): reading the
 * features, turning SVM on in EFER, the host save area (VM_HSAVE_PA) of this CPU. The VMRUN
 * loop that uses them arrives with the VM backend interface (docs/vm-backend.md); the
 * decisions it takes are in the host-tested svm_vmcb.c, svm_asid.c and svm_exit.c.
 */
#define LOG_COMPONENT "svm"
#include "arch/x86/svm.h"
#include "arch/x86/vcpuid.h"
#include "arch/x86/x86.h"

#include "core/log.h"
#include "lib/err.h"

#define MSR_EFER 0xc0000080u
#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u

void arch_x86_cpuid(u32 leaf, u32 sub, u32 out[4])
{
	cpuid(leaf, sub, out);
}

int svm_cpu_probe(struct svm_caps *caps)
{
	u32 ext[4], a[4];

	cpuid(0x80000000u, 0, ext);
	if (ext[0] < 0x8000000au)
		return -E_NOTSUP;
	cpuid(0x80000001u, 0, ext);
	if (!(ext[2] & (1u << 2)))
		return -E_NOTSUP; /* VM_CR may not exist without SVM: do not read it */
	cpuid(0x8000000au, 0, a);
	return svm_caps_parse(ext[2], a, rdmsr(MSR_VM_CR), caps);
}

/* EFER.SVME on, and the 4 KiB host save area VMRUN stores the host state in (15.30.4). */
int svm_cpu_enable(paddr_t hsave)
{
	if (hsave.v & 0xfff)
		return -E_INVAL;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave.v);
	return 0;
}
