// SPDX-License-Identifier: MIT
/*
 * The core's VM backend interface on x86 (image only): the backend is chosen once, from the
 * boot CPU's CPUID, at the first VM (arch/x86/x86_vm.h), and every entry point goes to it.
 */
#define LOG_COMPONENT "x86vm"
#include "arch/x86/x86_vm.h"

#include <arch/mm.h>

#include "arch/x86/vboot.h"
#include "arch/x86/x86.h"
#include "core/log.h"
#include "vmm/vdev.h"
#include "vmm/vm_boot.h"
#include "vmm/vm_mmio.h"
#include "guest_abi/moat_abi.h"
#include "lib/err.h"

static enum x86_vmb backend = X86_VMB_NONE;
/* Each VM's kernel command line (x86_vm_cmdline), for either backend. */
static char cmdlines[VM_MAX][CFG_BOOTARGS_MAX + 40];

static enum x86_vmb x86_vmb(void)
{
	u32 r0[4], r1[4], rx[4] = { 0 }, vendor[3];

	if (backend != X86_VMB_NONE)
		return backend;
	cpuid(0, 0, r0);
	cpuid(1, 0, r1);
	cpuid(0x80000000u, 0, rx);
	if (rx[0] >= 0x80000001u)
		cpuid(0x80000001u, 0, rx);
	else
		rx[2] = 0;
	vendor[0] = r0[1], vendor[1] = r0[3], vendor[2] = r0[2];
	backend = x86_vmb_choose(vendor, r1[2], rx[2]);
	if (backend == X86_VMB_NONE)
		pr_err("the CPU offers neither SVM nor VMX: no VMs");
	else
		pr_info("VM backend: %s", x86_vmb_name(backend));
	return backend;
}

int arch_vm_create(struct vm *vm, struct frame_alloc *fa)
{
	switch (x86_vmb()) {
	case X86_VMB_SVM: return svm_vmb_create(vm, fa);
	case X86_VMB_VMX: return vmx_vmb_create(vm, fa);
	default: return -E_NOTSUP;
	}
}

int arch_vms_start(const struct platform *plat, struct frame_alloc *fa)
{
	switch (x86_vmb()) {
	case X86_VMB_SVM: return svm_vmb_start(plat, fa);
	case X86_VMB_VMX: return vmx_vmb_start(plat, fa);
	default: return -E_NOTSUP;
	}
}

int arch_vm_map_mmio(struct vm *vm, gpa_t g, paddr_t hpa, u64 size)
{
	return backend == X86_VMB_VMX ? vmx_vmb_map_mmio(vm, g, hpa, size)
				      : svm_vmb_map_mmio(vm, g, hpa, size);
}

void arch_vm_unmap_mmio(struct vm *vm, gpa_t g, u64 size)
{
	if (backend == X86_VMB_VMX)
		vmx_vmb_unmap_mmio(vm, g, size);
	else
		svm_vmb_unmap_mmio(vm, g, size);
}

void arch_vm_raise_spi(struct vm *vm, unsigned intid)
{
	if (backend == X86_VMB_VMX)
		vmx_vmb_raise_spi(vm, intid);
	else
		svm_vmb_raise_spi(vm, intid);
}

void arch_vcpu_kick(struct vcpu *t)
{
	if (backend == X86_VMB_VMX)
		vmx_vmb_kick(t);
	else
		svm_vmb_kick(t);
}

int x86_vm_boot_env(struct vm *vm, struct x86_boot_entry *e)
{
	struct x86_boot b = { vm->priv.base.v, vm->priv.size + vm->shared.size, vm->nvcpus,
			      vm->cfg->npci ? MOAT_GPA_ECAM : 0,
			      x86_vm_cmdline(cmdlines[vm->id - 1], sizeof(cmdlines[0]),
					     vm->cfg->bootargs, x86_entry_tsc) };
	int err = x86_boot_build(phys_to_virt(vm->priv.hpa), &b, e);

	if (err)
		pr_err("%s: boot environment: %s", vm->name, err_str(err));
	return err;
}
