/* SPDX-License-Identifier: MIT */
/* arm64 vCPU internals shared by vcpu.c, vpsci.c and smp.c. */
#ifndef ARM64_VCPU_H
#define ARM64_VCPU_H

#include "arch/arm64/regs.h"
#include "vmm/vm.h"

/* One physical CPU and the vCPU pinned to it. */
struct pcpu {
	/* Read by smp_entry.S with the MMU off: keep the order and offsets. */
	u64 stack_top, vbar, mair, tcr, ttbr0, sctlr, entry, arg;
	u64 mpidr;
	unsigned idx;
	struct vcpu *vcpu;
	struct arm64_regs boot_frame; /* the guest registers for the next entry */
};

struct pcpu *pcpu_this(void);
/* Waits until the vCPU is powered on (or its VM stops) and enters it; never returns. */
__noreturn void vcpu_run(struct pcpu *p);
/* Stops every vCPU of the VM (SYSTEM_OFF, all vCPUs off, fatal guest error). */
void vm_stop(struct vm *vm, const char *why);
/* Stops every vCPU, reloads the VM's images and starts vCPU 0 again (SYSTEM_RESET). */
void vm_reset(struct vm *vm);
/* PSCI for guests (Arm DEN 0022): true when x0 named a PSCI or SMCCC arch function. */
bool vpsci_call(struct vcpu *v, struct arm64_regs *r);

__noreturn void arm64_vcpu_enter(const struct arm64_regs *frame, u64 stack_top);

#endif
