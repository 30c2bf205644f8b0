// SPDX-License-Identifier: MIT
/* The fake arch's side of the VM device models: a kick is counted, for tests to check. */
#include "vmm/vm_mmio.h"

void arch_vcpu_kick(struct vcpu *t)
{
	t->arch.kicks++;
}
