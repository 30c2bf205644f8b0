/* SPDX-License-Identifier: MIT */
/* Per-arch vCPU and VM state embedded in vmm/vm.h objects. */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

struct arch_vcpu {
	u64 pending_irqs; /* fake arch: interrupts injected, for tests */
};

struct arch_vm {
	u64 vmid;
};

#endif
