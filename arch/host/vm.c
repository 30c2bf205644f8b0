// SPDX-License-Identifier: MIT
/*
 * The fake arch's side of the VM device models: a kick is counted, for tests to check; VMs
 * have arm64's memory map (the host tests were written against it).
 */
#include "vmm/vm_backend.h"
#include "vmm/vm_mmio.h"

void arch_vcpu_kick(struct vcpu *t)
{
	t->arch.kicks++;
}

void vmb_vm_layout(struct vm_layout *out)
{
	*out = (struct vm_layout){ gpa(VM_RAM_BASE), 0, true };
}
