/* SPDX-License-Identifier: MIT */
/*
 * arm64 vCPU and VM state. One vCPU is pinned to one physical CPU and never switched out,
 * so the EL1 system registers, the timer and the GIC list registers stay live in hardware;
 * only the general registers pass through the EL2 trap frame.
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

#define VGIC_NR_SPIS 32 /* SPIs 32..63 */
#define VGIC_NR_IRQS (32 + VGIC_NR_SPIS)

struct arch_vcpu {
	u64 vmpidr;	 /* the guest's MPIDR_EL1: Aff0 = vCPU index */
	u64 host_mpidr;	 /* MPIDR of the physical CPU this vCPU is pinned to */
	u64 pending;	 /* virtual interrupts raised, not yet in a list register */
	u32 ppi_enabled; /* GICR_ISENABLER0, SGIs and PPIs */
	u8 prio[32];	 /* GICR_IPRIORITYR, SGIs and PPIs */
	u32 waker;	 /* GICR_WAKER as last written */
	u32 held_hw;	 /* hardware PPIs kept active until the guest enables them */
};

struct arch_vm {
	u64 vttbr; /* VMID in bits 63:48, stage-2 root */
	u64 vtcr;
	u32 gicd_ctlr;
	u32 spi_enabled[VGIC_NR_SPIS / 32];
	u8 spi_prio[VGIC_NR_SPIS];
	u64 spi_route[VGIC_NR_SPIS];
	u32 uart_ris, uart_imsc; /* virtual PL011 interrupt state */
};

#endif
