/* SPDX-License-Identifier: MIT */
/*
 * arm64 vCPU and VM state. One vCPU is pinned to one physical CPU and never switched out,
 * so the EL1 system registers, the timer and the GIC list registers stay live in hardware;
 * only the general registers pass through the EL2 trap frame.
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

struct arch_vcpu {
	u64 vmpidr;	/* the guest's MPIDR_EL1: Aff0 = vCPU index */
	u64 host_mpidr; /* MPIDR of the physical CPU this vCPU is pinned to */
	u32 held_hw;	/* hardware PPIs kept active until the guest enables them */
};

struct arch_vm {
	u64 vttbr; /* VMID in bits 63:48, stage-2 root */
	u64 vtcr;
};

#endif
