// SPDX-License-Identifier: MIT
/*
 * The fake arch's side of the VM device models: a kick is counted, for tests to check; VMs
 * have arm64's memory map (the host tests were written against it) unless a test sets
 * host_vm_layout (arch/host/vm_host.h) to another arch's.
 */
#include "arch/host/vm_host.h"
#include "vmm/vm_backend.h"
#include "vmm/vm_mmio.h"

struct vm_layout host_vm_layout = { { VM_RAM_BASE }, 0, true };

void arch_vcpu_kick(struct vcpu *t)
{
	t->arch.kicks++;
}

void vmb_vm_layout(struct vm_layout *out)
{
	*out = host_vm_layout;
}
