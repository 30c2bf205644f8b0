/* SPDX-License-Identifier: MIT */
/* Physical GICv3 at EL2 (only what Moat needs: vtimer PPI, kick SGI) and the virtual GIC. */
#ifndef ARM64_GIC_H
#define ARM64_GIC_H

#include "core/platform.h"
#include "core/vm.h"
#include "lib/compiler.h"

#define GIC_INTID_VTIMER 27 /* EL1 virtual timer PPI (Arm BSA) */
#define GIC_INTID_KICK	 0  /* SGI one pCPU sends another: "look at your VM's state" */
#define GIC_SPURIOUS	 1020

int gic_init(const struct platform *p) __must_check;
/* Per-CPU: wakes this CPU's redistributor, enables the PPIs/SGIs, sets up ICC and ICH. */
int gic_cpu_init(u64 mpidr) __must_check;
void gic_send_sgi(u64 mpidr, unsigned intid);

/* Guest MMIO to the virtual distributor / redistributors; false if the access is invalid. */
bool vgic_mmio(struct vcpu *v, u64 ipa, bool write, unsigned size, u64 *val);
bool vgic_is_mmio(const struct vm *vm, u64 ipa);
/* Queues intid for the guest in a list register; pintid != 0 links a physical interrupt. */
void vgic_inject(struct vcpu *v, unsigned intid, unsigned pintid);
/* Re-offers a held hardware interrupt once the guest enables it. */
void vgic_flush_held(struct vcpu *v);
/* True when a list register holds a pending interrupt (WFI must not sleep). */
bool vgic_has_pending(void);
void vgic_vm_init(struct vm *vm);

#endif
