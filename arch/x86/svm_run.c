// SPDX-License-Identifier: MIT
/*
 * One guest entry of a vCPU (image only): INIT and start-up IPIs, ASID and TLB_CONTROL,
 * pending events, the entry (svm_entry.S), the exit dispatch (svm_exit.c), and HLT: the vCPU
 * waits for an interrupt its x2APIC can deliver (the timer, or an IPI from another vCPU).
 * Every entry ends in an exit handled in bounded time, and a stop request is seen at every
 * step.
 */
#define LOG_COMPONENT "svm"
#include "arch/x86/svm.h"

#include <arch/cpu.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/vm.h"

void svm_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_vmcb_pa, struct svm_vcpu *fast);

/* The longest guest entry when the host APIC preempts (svm_host_if set by the scheduler). */
#define SVM_SLICE_NS 10000000ULL
bool svm_host_if;

/* The entry ends at the slice or at the guest's own x2APIC timer deadline, if sooner. */
static void svm_preempt_arm(const struct svm_vcpu *sv, u64 now)
{
	u64 ns = SVM_SLICE_NS, d = sv->lapic.deadline_ns;

	if (!svm_host_if)
		return;
	if (d)
		ns = d <= now ? 0 : d - now < ns ? d - now : ns;
	x86_apic_timer_arm(ns);
}

/* The state a start-up IPI gives: real mode at vector << 12, registers cleared. */
static void svm_vcpu_sipi(struct svm_vcpu *sv)
{
	svm_vmcb_set_sipi(sv->vmcb, sv->sipi_vector);
	memset(sv->gprs, 0, sizeof(sv->gprs));
	sv->vmcb->s.rax = sv->vmcb->s.rsp = 0;
	sv->guest_efer = 0;
	sv->running = true;
}

/* False while the vCPU cannot run: waiting for SIPI, or halted with nothing to take. */
static bool svm_vcpu_ready(struct svm_vcpu *sv)
{
	svm_vcpu_take_init(sv);
	if (!sv->running) {
		if (__atomic_load_n(&sv->wait_sipi, __ATOMIC_ACQUIRE))
			return false;
		svm_vcpu_sipi(sv);
	}
	vlapic_timer_poll(&sv->lapic, arch_time_ns());
	if (sv->halted && vlapic_pending(&sv->lapic) < 0 &&
	    !__atomic_load_n(&sv->nmi_pending, __ATOMIC_ACQUIRE))
		return false;
	sv->halted = false;
	return true;
}

enum svm_action svm_vcpu_step(struct svm_vcpu *sv, struct svm_asid_cpu *cpu, u64 vmcb_pa,
			      u64 host_vmcb_pa)
{
	struct vmcb *vmcb = sv->vmcb;
	enum svm_action a;
	u32 asid;
	u8 tlb;

	if (__atomic_load_n(&sv->v->vm->stopping, __ATOMIC_ACQUIRE))
		return SVM_STOP_VM;
	if (!svm_vcpu_ready(sv))
		return SVM_HALT;
	svm_asid_prepare(cpu, &sv->asid, &asid, &tlb);
	vmcb->c.asid = asid;
	vmcb->c.tlb_control = tlb;
	vmcb->c.clean = 0;
	svm_inject_pending(sv);
	svm_preempt_arm(sv, arch_time_ns());
	/* Fast hypercalls are answered inside (svm_exit_fast()) only while the host timer
	 * bounds the entries: it is what ends a guest that makes nothing but such calls. */
	svm_vmrun(sv->gprs, vmcb_pa, host_vmcb_pa, svm_host_if && svm_fast_allowed(sv) ? sv : NULL);
	a = svm_handle_exit(sv, arch_time_ns());
	sv->halted = a == SVM_HALT;
	return a;
}
