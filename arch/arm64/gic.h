/* SPDX-License-Identifier: MIT */
/* Physical GICv3 at EL2 (only what Moat needs: vtimer PPI, kick SGI) and the virtual GIC. */
#ifndef ARM64_GIC_H
#define ARM64_GIC_H

#include "core/platform.h"
#include "core/vm.h"
#include "lib/compiler.h"

#define GIC_INTID_VTIMER 27 /* EL1 virtual timer PPI (Arm BSA) */
#define GIC_INTID_KICK	 0  /* SGI one pCPU sends another: "look at your VM's state" */
#define GIC_INTID_MAINT	 25 /* GIC maintenance interrupt PPI (Arm BSA) */
#define GIC_SPURIOUS	 1020
#define VGIC_INTID_UART	 33 /* the virtual PL011 SPI */

int gic_init(const struct platform *p) __must_check;
/* Per-CPU: wakes this CPU's redistributor, enables the PPIs/SGIs, sets up ICC and ICH. */
int gic_cpu_init(u64 mpidr) __must_check;
void gic_send_sgi(u64 mpidr, unsigned intid);

/* Guest MMIO to the virtual distributor / redistributors; false if the access is invalid. */
bool vgic_mmio(struct vcpu *v, u64 ipa, bool write, unsigned size, u64 *val);
bool vgic_is_mmio(const struct vm *vm, u64 ipa);
/* On v's own CPU: queues a hardware-linked interrupt (pintid) in a list register. */
void vgic_inject(struct vcpu *v, unsigned intid, unsigned pintid);
/* From any CPU: makes intid pending for vCPU t (kicking t's CPU if it is another one). */
void vgic_raise(struct vcpu *t, unsigned intid);
/* On v's own CPU: moves pending, enabled interrupts into free list registers. */
void vgic_flush(struct vcpu *v);
/* On v's own CPU: the GIC maintenance interrupt (EOI of a level interrupt, LRs drained). */
void vgic_maintenance(struct vcpu *v);
/* A guest write to ICC_SGI1R_EL1. */
void vgic_sgi(struct vcpu *v, u64 val);
/* The vCPU an SPI is routed to (GICD_IROUTER). */
struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid);
/* The virtual PL011's interrupt line (vcpu.c). */
bool vuart_line(const struct vm *vm);
/* The vCPU running on this CPU. */
struct vcpu *vcpu_this(void);
/* True when a list register holds a pending interrupt (WFI must not sleep). */
bool vgic_has_pending(void);
void vgic_vm_init(struct vm *vm);
/* Distributor and redistributor state back to reset values (VM reset). */
void vgic_vm_reset(struct vm *vm);
/* On v's own CPU: empties the list registers, deactivating linked hardware interrupts. */
void vgic_cpu_reset(struct vcpu *v);

#endif
