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
#include "lib/err.h"

#define VMX_TURN_NS 10000000ULL

static unsigned vms_left;
static bool vm_done[VM_MAX];

static void vmx_vm_retire(struct vmx_vm *xm, const char *why)
{
	struct vm *vm = xm->vm;
	u64 exits = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++)
		exits += xm->vcpu[i].exits;
	pr_info("%s: %s after %llu exits", vm->name, why, (unsigned long long)exits);
	vm_console_flush(vm);
	log_raw("moat: vm: %s stopped\n", vm->name);
	vm_done[vm->id - 1] = true;
	vms_left--;
}

static void vmx_vm_do_reset(struct vmx_vm *xm)
{
	int err;

	pr_info("%s: system reset", xm->vm->name);
	vm_console_flush(xm->vm);
	if ((err = vmx_vm_reset(xm))) {
		pr_err("%s: reset failed (%s)", xm->vm->name, err_str(err));
		vmx_vm_retire(xm, "reset failed");
	}
}

/* No vCPU can run, and none has a timer or a pending event that could change that. */
static bool vmx_vm_stuck(const struct vmx_vm *xm)
{
	for (unsigned i = 0; i < xm->vm->nvcpus; i++) {
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
	return vmx_vm_stuck(xm) ? VMX_STOP_VM : VMX_RESUME;
}

static void vmx_vm_turn(struct vmx_vm *xm)
{
	switch (vmx_vm_round(xm)) {
	case VMX_POWER_OFF: vmx_vm_retire(xm, "system off"); break;
	case VMX_RESET: vmx_vm_do_reset(xm); break;
	case VMX_STOP_VM:
		vmx_vm_retire(xm, vmx_vm_stuck(xm) ? "every vCPU halted with nothing to wake it"
						   : "stopped");
		break;
	default: break;
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
