/* SPDX-License-Identifier: MIT */
/* Per-arch vCPU and VM state embedded in vmm/vm.h objects (fake arch for host tests). */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

struct arch_vcpu {
	u64 kicks; /* arch_vcpu_kick() calls: tests check who was told */
};

struct arch_vm {
	u64 vmid;
};

#endif
