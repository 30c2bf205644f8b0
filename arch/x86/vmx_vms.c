// SPDX-License-Identifier: MIT
/*
 * Running the x86 VMs on VMX (image only), as svm_vms.c does on SVM: every vCPU of every VM
 * takes turns on the boot CPU, each turn up to 10 ms of guest entries (until the vCPU halts),
 * each entry bounded by the VMX-preemption timer (vmx_run.c). A VM ends when a vCPU powers
 * it off or it cannot go on (triple fault, entry failure, every vCPU halted with nothing
 * that could wake it); a reset reloads it. When no VM is left, Moat powers off.
 */
#define LOG_COMPONENT "vmx"
#include <arch/cpu.h>

#include "arch/x86/vmx.h"
#include "arch/x86/x86.h"
#include "arch/x86/x86_vm.h"
#include "core/init.h"
#include "core/log.h"
#include "vmm/hypercall.h"
#include "vmm/viommu.h"
#include "vmm/vm_boot.h"

#define VMX_TURN_NS 10000000ULL

static unsigned vms_left;
static bool vm_done[VM_MAX];

/* No vCPU can run, and none has a timer or a pending event that could change that. */
static bool vmx_vm_stuck(const struct vm *vm)
{
	const struct vmx_vm *xm = vm->arch.vmx;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		const struct vmx_vcpu *xv = &xm->vcpu[i];

		if (xv->running && (!xv->halted || xv->lapic.deadline_ns ||
				    vlapic_pending(&xv->lapic) >= 0 || xv->nmi_pending))
			return false;
		if (!xv->running && (!xv->wait_sipi || xv->init_pending))
			return false;
	}
	return true;
}

/* A vCPU's turn: entries until it halts, asks for something, or has had VMX_TURN_NS. */
static enum vmx_action vmx_vcpu_turn(struct vmx_vcpu *xv)
{
	u64 end = arch_time_ns() + VMX_TURN_NS;
	enum vmx_action a;

	do
		a = vmx_vcpu_step(xv);
	while (a == VMX_RESUME && arch_time_ns() < end);
	return a;
}

static enum vmx_action vmx_vm_round(struct vmx_vm *xm)
{
	for (unsigned i = 0; i < xm->vm->nvcpus; i++) {
		enum vmx_action a = vmx_vcpu_turn(&xm->vcpu[i]);

		if (a != VMX_RESUME && a != VMX_HALT)
			return a;
	}
	return vmx_vm_stuck(xm->vm) ? VMX_STOP_VM : VMX_RESUME;
}

static u64 vmx_vm_exits(const struct vm *vm)
{
	const struct vmx_vm *xm = vm->arch.vmx;
	u64 exits = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		exits += xm->vcpu[i].exits;
	return exits;
}

static int vmx_vm_reset_of(struct vm *vm)
{
	return vmx_vm_reset(vm->arch.vmx);
}

static const struct x86_vms_ops vmx_vms_ops = { "vmx", vmx_vm_exits, vmx_vm_reset_of,
						vmx_vm_stuck };

_Static_assert(VMX_RESUME == (int)X86_ROUND_GO_ON && VMX_HALT == (int)X86_ROUND_HALT &&
		       VMX_STOP_VM == (int)X86_ROUND_STOP &&
		       VMX_POWER_OFF == (int)X86_ROUND_POWER_OFF &&
		       VMX_RESET == (int)X86_ROUND_RESET,
	       "enum vmx_action in the order of enum x86_round");

static void vmx_vm_turn(struct vmx_vm *xm)
{
	if (x86_vm_round_end(xm->vm, (enum x86_round)vmx_vm_round(xm), &vmx_vms_ops)) {
		vm_done[xm->vm->id - 1] = true;
		vms_left--;
	}
}

int vmx_vmb_start(const struct platform *plat, struct frame_alloc *fa)
{
	(void)plat, (void)fa;
	vms_left = vm_count();
	while (vms_left) {
		for (unsigned i = 0; i < vm_count(); i++) {
			struct vm *vm = vm_get(i);

			if (!vm_done[vm->id - 1])
				vmx_vm_turn(vm->arch.vmx);
		}
		viommu_faults_deliver(); /* IOMMUs without interrupts are polled here */
		x86_irq_window();	 /* Moat's vectors, while every vCPU is halted too */
	}
	log_raw("moat: all VMs stopped, powering off\n");
	moat_power_off();
}
