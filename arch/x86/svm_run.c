// SPDX-License-Identifier: MIT
/*
 * The VMRUN loop of one vCPU on its CPU (image only): ASID and TLB_CONTROL, pending events,
 * the entry (svm_entry.S), the exit dispatch (svm_exit.c), and HLT: the vCPU waits for an
 * interrupt its x2APIC can deliver (the timer, or an IPI from another vCPU). Every iteration
 * ends in an exit handled in bounded time, and a stop request is seen at every exit.
 */
#define LOG_COMPONENT "svm"
#include "arch/x86/svm.h"

#include <arch/cpu.h>

#include "core/log.h"
#include "core/vm.h"

u64 svm_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_vmcb_pa);

/* HLT: until something can be delivered; a halt nothing can end stops the VM. */
static enum svm_action svm_halt(struct svm_vcpu *sv)
{
	for (;;) {
		u64 next = vlapic_timer_poll(&sv->lapic, arch_time_ns());

		if (vlapic_pending(&sv->lapic) >= 0 ||
		    __atomic_load_n(&sv->nmi_pending, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&sv->v->vm->stopping, __ATOMIC_ACQUIRE))
			return SVM_RESUME;
		if (!next && sv->v->vm->nvcpus == 1) {
			pr_err("%s: vCPU %u halted with nothing to wake it: stopping the VM",
			       sv->v->vm->name, sv->v->id);
			return SVM_STOP_VM;
		}
		cpu_relax();
	}
}

enum svm_action svm_vcpu_run(struct svm_vcpu *sv, struct svm_asid_cpu *cpu, u64 vmcb_pa,
			     u64 host_vmcb_pa)
{
	struct vmcb *vmcb = sv->vmcb;
	enum svm_action a;

	for (;;) {
		u32 asid;
		u8 tlb;

		if (__atomic_load_n(&sv->v->vm->stopping, __ATOMIC_ACQUIRE))
			return SVM_STOP_VM;
		svm_asid_prepare(cpu, &sv->asid, &asid, &tlb);
		vmcb->c.asid = asid;
		vmcb->c.tlb_control = tlb;
		vmcb->c.clean = 0;
		svm_inject_pending(sv);
		svm_vmrun(sv->gprs, vmcb_pa, host_vmcb_pa);
		a = svm_handle_exit(sv, arch_time_ns());
		vlapic_timer_poll(&sv->lapic, arch_time_ns());
		if (a == SVM_HALT)
			a = svm_halt(sv);
		if (a != SVM_RESUME)
			return a;
	}
}
