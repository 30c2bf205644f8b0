/* SPDX-License-Identifier: MIT */
/* Physical GICv3 at EL2 (vtimer PPI, kick SGI, drivers' SPIs) and the virtual GIC. */
#ifndef ARM64_GIC_H
#define ARM64_GIC_H

#include "core/platform.h"
#include "vmm/vm.h"
#include "lib/compiler.h"

#define GIC_INTID_VTIMER 27 /* EL1 virtual timer PPI (Arm BSA) */
#define GIC_INTID_KICK 0    /* SGI one pCPU sends another: "look at your VM's state" */
#define GIC_INTID_MAINT 25  /* GIC maintenance interrupt PPI (Arm BSA) */
#define GIC_SPURIOUS 1020

int gic_init(const struct platform *p) __must_check;
/* Per-CPU: wakes this CPU's redistributor, enables the PPIs/SGIs, sets up ICC and ICH. */
int gic_cpu_init(u64 mpidr) __must_check;
void gic_send_sgi(u64 mpidr, unsigned intid);
/* Runs the handler a driver registered for SPI `intid` (core/irq.h); false if none. */
bool gic_spi_dispatch(unsigned intid);
/* Takes and completes every pending interrupt of this CPU; SPIs go to their handlers. */
void gic_irq_drain(void);

/* The guest's CPU interface (vgic.c), on the vCPU's own CPU. */
/* Queues a hardware-linked interrupt (pintid) in a list register. */
void vgic_inject(struct vcpu *v, unsigned intid, unsigned pintid);
/* Moves pending, enabled interrupts into free list registers. */
void vgic_flush(struct vcpu *v);
/* The GIC maintenance interrupt: EOI of a level interrupt, list registers drained. */
void vgic_maintenance(struct vcpu *v);
/* Empties the list registers, deactivating linked hardware interrupts. */
void vgic_cpu_reset(struct vcpu *v);
/* True when a list register holds a pending interrupt (WFI must not sleep). */
bool vgic_has_pending(void);
/* The vCPU running on this CPU. */
struct vcpu *vcpu_this(void);

#endif
