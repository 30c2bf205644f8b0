// SPDX-License-Identifier: MIT
/*
 * Running the x86 VMs (image only): SVM on the boot CPU with its host save area, then every
 * vCPU of every VM takes turns there, each turn up to 10 ms of guest entries (until the vCPU
 * halts), each entry bounded by the host APIC's timer (apic.c), so that a guest that never
 * exits cannot keep the others out. A VM
 * ends when a vCPU powers it off or it cannot go on (shutdown, invalid state, every vCPU
 * halted with nothing that could wake it); a reset reloads it. When no VM is left, Moat
 * powers off. Physical SMP (one vCPU pinned per CPU, docs/vm-backend.md) is not here yet.
 */
#define LOG_COMPONENT "svm"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <string.h>

#include "arch/x86/svm.h"
#include "arch/x86/x86.h"
#include "arch/x86/x86_vm.h"
#include "vmm/hypercall.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/viommu.h"
#include "vmm/vm_boot.h"
#include "lib/err.h"

/* A vCPU's share of the CPU per round (each entry is also bounded by svm_run.c's slice). */
#define SVM_TURN_NS 10000000ULL

static struct svm_asid_cpu boot_cpu;
static paddr_t host_vmcb;
static unsigned vms_left;

static int svm_host_init(struct frame_alloc *fa)
{
	struct svm_caps caps;
	paddr_t hsave;
	int err;

	if ((err = svm_cpu_probe(&caps))) {
		pr_err("no usable SVM: %s", err_str(err));
		return err;
	}
	pr_info("SVM: %u ASIDs, nested paging, NRIPS %s, decode assists %s", caps.nasid,
		caps.nrips ? "yes" : "no", caps.decode_assists ? "yes" : "no");
	if ((err = frame_alloc_run(fa, 1, PAGE_SIZE, &hsave)) ||
	    (err = frame_alloc_run(fa, 1, PAGE_SIZE, &host_vmcb)))
		return err;
	memset(phys_to_virt(hsave), 0, PAGE_SIZE);
	memset(phys_to_virt(host_vmcb), 0, PAGE_SIZE);
	if ((err = svm_cpu_enable(hsave)))
		return err;
	svm_asid_cpu_init(&boot_cpu, 0, &caps);
	if (x86_apic_init())
		pr_warn("no x2APIC: guest entries are not preempted");
	else
		svm_host_if = true;
	return 0;
}

/* No vCPU can run, and none has a timer or a pending event that could change that. */
static bool svm_vm_stuck(const struct vm *vm)
{
	const struct svm_vm *sm = vm->arch.svm;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		const struct svm_vcpu *sv = &sm->vcpu[i];

		if (sv->running && (!sv->halted || sv->lapic.deadline_ns ||
				    vlapic_pending(&sv->lapic) >= 0 || sv->nmi_pending))
			return false;
		if (!sv->running && (!sv->wait_sipi || sv->init_pending))
			return false;
	}
	return true;
}

/* A vCPU's turn: entries until it halts, asks for something, or has had SVM_TURN_NS. */
static enum svm_action svm_vcpu_turn(struct svm_vcpu *sv)
{
	u64 end = arch_time_ns() + SVM_TURN_NS;
	enum svm_action a;

	do
		a = svm_vcpu_step(sv, &boot_cpu, sv->vmcb_pa, host_vmcb.v);
	while (a == SVM_RESUME && arch_time_ns() < end);
	return a;
}

/* One turn for each vCPU of the VM; what the guest asked for, or SVM_RESUME. */
static enum svm_action svm_vm_round(struct svm_vm *sm)
{
	for (unsigned i = 0; i < sm->vm->nvcpus; i++) {
		enum svm_action a = svm_vcpu_turn(&sm->vcpu[i]);

		if (a != SVM_RESUME && a != SVM_HALT)
			return a;
	}
	return svm_vm_stuck(sm->vm) ? SVM_STOP_VM : SVM_RESUME;
}

static u64 svm_vm_exits(const struct vm *vm)
{
	const struct svm_vm *sm = vm->arch.svm;
	u64 exits = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		exits += sm->vcpu[i].exits;
	return exits;
}

static int svm_vm_reset_of(struct vm *vm)
{
	return svm_vm_reset(vm->arch.svm);
}

static const struct x86_vms_ops svm_vms_ops = { "svm", svm_vm_exits, svm_vm_reset_of,
						svm_vm_stuck };

_Static_assert(SVM_RESUME == (int)X86_ROUND_GO_ON && SVM_HALT == (int)X86_ROUND_HALT &&
		       SVM_STOP_VM == (int)X86_ROUND_STOP &&
		       SVM_POWER_OFF == (int)X86_ROUND_POWER_OFF &&
		       SVM_RESET == (int)X86_ROUND_RESET,
	       "enum svm_action in the order of enum x86_round");

static void svm_vm_turn(struct svm_vm *sm)
{
	if (x86_vm_round_end(sm->vm, (enum x86_round)svm_vm_round(sm), &svm_vms_ops)) {
		sm->done = true;
		vms_left--;
	}
}

int svm_vmb_start(const struct platform *plat, struct frame_alloc *fa)
{
	int err;

	(void)plat;
	if ((err = svm_host_init(fa)))
		return err;
	vms_left = vm_count();
	while (vms_left) {
		for (unsigned i = 0; i < vm_count(); i++) {
			struct svm_vm *sm = vm_get(i)->arch.svm;

			if (!sm->done)
				svm_vm_turn(sm);
		}
		viommu_faults_deliver(); /* IOMMUs without interrupts are polled here */
		x86_irq_window();	 /* Moat's vectors, while every vCPU is halted too */
	}
	log_raw("moat: all VMs stopped, powering off\n");
	moat_power_off();
}
