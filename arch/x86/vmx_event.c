// SPDX-License-Identifier: MIT
/*
 * IPIs between a VM's vCPUs, event injection (Intel SDM vol. 3C 26.6 "Event injection",
 * 25.2 interrupt-window exiting), and the names the log gives exit reasons (appendix C) and
 * VM-instruction errors (30.4). Built for the image and the host tests.
 */
#include "arch/x86/vmx.h"

#include "arch/x86/x86_vm.h"
#include "vmm/vm.h"
#include "lib/compiler.h"

static void deliver(struct vmx_vm *xm, unsigned t, const struct vlapic_ipi *ipi)
{
	if (x86_ipi_deliver(&X86_IPI_DEST(&xm->vcpu[t]), ipi) && xm->kick)
		xm->kick(xm, t);
}

void vmx_vm_send_ipi(struct vmx_vm *xm, unsigned from, const struct vlapic_ipi *ipi)
{
	u64 m = vlapic_ipi_targets(ipi, from, xm->vm->nvcpus);

	for (unsigned t = 0; t < xm->vm->nvcpus; t++)
		if (m >> t & 1)
			deliver(xm, t, ipi);
}

#define RFLAGS_IF (1ULL << 9)
#define BLOCK_STI_MOVSS 3ULL /* interruptibility bits 0, 1 (table 24-3) */
#define BLOCK_NMI (1ULL << 3)

void vmx_inject_pending(struct vmx_vcpu *xv)
{
	u64 proc = vmcs_read(VMCS_PROC_CTLS) & ~(u64)PROC_INTR_WINDOW;
	u64 block = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	int vec;

	vmcs_write(VMCS_PROC_CTLS, proc);
	if (vmcs_read(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID)
		return; /* one event per entry: the rest waits for the next */
	if (!(block & (BLOCK_STI_MOVSS | BLOCK_NMI)) &&
	    __atomic_exchange_n(&xv->nmi_pending, false, __ATOMIC_ACQ_REL)) {
		vmcs_write(VMCS_ENTRY_INTR_INFO,
			   2 | VMX_INTR_TYPE_NMI << VMX_INTR_TYPE_SHIFT | VMX_INTR_VALID);
		return;
	}
	vec = vlapic_pending(&xv->lapic);
	if (vec < 0)
		return;
	if ((vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) && !(block & BLOCK_STI_MOVSS)) {
		vlapic_ack(&xv->lapic, (u8)vec);
		vmcs_write(VMCS_ENTRY_INTR_INFO, (u32)vec | VMX_INTR_VALID);
		return;
	}
	if (xv->xm->caps->proc_intr_window_ok)
		vmcs_write(VMCS_PROC_CTLS, proc | PROC_INTR_WINDOW);
}

bool vmx_fast_allowed(struct vmx_vcpu *xv, u64 until_tsc)
{
	u32 irr = 0;

	if (__atomic_load_n(&xv->v->vm->stopping, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&xv->init_pending, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&xv->nmi_pending, __ATOMIC_ACQUIRE) ||
	    (vmcs_read(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID) ||
	    (vmcs_read(VMCS_PROC_CTLS) & PROC_INTR_WINDOW))
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(xv->lapic.irr); i++)
		irr |= __atomic_load_n(&xv->lapic.irr[i], __ATOMIC_RELAXED);
	xv->fast_until_tsc = until_tsc;
	return !irr;
}

static const char *const exit_names[] = {
	[VMX_EXIT_EXCEPTION_NMI] = "exception or NMI",
	[VMX_EXIT_EXT_INTR] = "external interrupt",
	[VMX_EXIT_TRIPLE_FAULT] = "triple fault",
	[VMX_EXIT_INIT] = "INIT",
	[VMX_EXIT_SIPI] = "SIPI",
	[VMX_EXIT_INTR_WINDOW] = "interrupt window",
	[VMX_EXIT_NMI_WINDOW] = "NMI window",
	[VMX_EXIT_TASK_SWITCH] = "task switch",
	[VMX_EXIT_CPUID] = "CPUID",
	[VMX_EXIT_GETSEC] = "GETSEC",
	[VMX_EXIT_HLT] = "HLT",
	[VMX_EXIT_INVD] = "INVD",
	[VMX_EXIT_VMCALL] = "VMCALL",
	[VMX_EXIT_CR_ACCESS] = "CR access",
	[VMX_EXIT_IO] = "I/O",
	[VMX_EXIT_RDMSR] = "RDMSR",
	[VMX_EXIT_WRMSR] = "WRMSR",
	[VMX_EXIT_BAD_GUEST] = "invalid guest state",
	[VMX_EXIT_BAD_MSR_LOAD] = "MSR loading",
	[VMX_EXIT_MWAIT] = "MWAIT",
	[VMX_EXIT_MONITOR] = "MONITOR",
	[VMX_EXIT_MACHINE_CHECK] = "machine-check event",
	[VMX_EXIT_EPT_VIOLATION] = "EPT violation",
	[VMX_EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
	[VMX_EXIT_INVEPT] = "INVEPT",
	[VMX_EXIT_PREEMPT_TIMER] = "preemption timer",
	[VMX_EXIT_INVVPID] = "INVVPID",
	[VMX_EXIT_XSETBV] = "XSETBV",
};

const char *vmx_exit_name(u32 reason)
{
	u32 r = reason & 0xffff;

	if (r >= VMX_EXIT_VMCLEAR && r <= VMX_EXIT_VMXON)
		return "VMX instruction";
	return r < ARRAY_SIZE(exit_names) && exit_names[r] ? exit_names[r] : "unknown";
}

/* VM-instruction error numbers (30.4, table 30-1), those VMLAUNCH/VMRESUME/VMPTRLD give. */
const char *vmx_insn_error_name(u64 err)
{
	switch (err) {
	case 4: return "VMLAUNCH with a non-clear VMCS";
	case 5: return "VMRESUME with a non-launched VMCS";
	case 7: return "invalid control fields";
	case 8: return "invalid host-state fields";
	case 9: return "VMPTRLD with an invalid address";
	case 11: return "VMPTRLD with a wrong revision";
	case 12: return "unsupported VMCS field";
	case 26: return "VM entry with events blocked by MOV SS";
	default: return "VM-instruction error";
	}
}
