/* SPDX-License-Identifier: MIT */
/*
 * The devices Moat emulates for a VM behind stage-2 faults: the GICv3 distributor and
 * redistributors (vmm/vm_mmio.c) and the PL011 console (vmm/vm_uart.c). Every access comes
 * from the guest: any address, size and value. The arch keeps the CPU interface (list
 * registers) and asks these models what is enabled, at which priority, for which vCPU.
 */
#ifndef VMM_VM_MMIO_H
#define VMM_VM_MMIO_H

#include "vmm/vm.h"

/* True when ipa is in one of the VM's emulated device ranges. */
bool vm_mmio_is_emulated(const struct vm *vm, u64 ipa);
/*
 * A guest load (val out) or store (val in) of 1, 2, 4 or 8 bytes at ipa. False when the
 * access is not one the device accepts: the guest then gets an external abort.
 */
bool vm_mmio_access(struct vcpu *v, u64 ipa, bool write, unsigned size, u64 *val);

/* vGIC queries for the arch's CPU interface. */
bool vgic_irq_enabled(const struct vcpu *v, unsigned intid);
u8 vgic_irq_prio(const struct vcpu *v, unsigned intid);
/* The vCPU an SPI is routed to (GICD_IROUTER; vCPU 0 when it names none or IRM is set). */
struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid);
/* Makes intid pending for vCPU t and tells t's CPU (arch_vcpu_kick). */
void vgic_raise(struct vcpu *t, unsigned intid);
/* A guest write of ICC_SGI1R_EL1 (GICv3 12.11.24): SGIs to vCPUs of the same VM only. */
void vgic_sgi(struct vcpu *v, u64 val);
/* Distributor, redistributors and PL011 back to their reset state (VM reset). */
void vm_mmio_reset(struct vm *vm);

/* PL011 registers (PL011 TRM 3.2) and its interrupt line (level: RIS & IMSC != 0). */
bool vuart_access(struct vcpu *v, u64 off, bool write, u64 *val);
bool vuart_line(const struct vm *vm);

/*
 * Arch hook: vCPU t has new pending interrupts or enables changed. On t's own CPU this moves
 * them into the CPU interface now; for another vCPU it interrupts that vCPU's CPU.
 */
void arch_vcpu_kick(struct vcpu *t);

#endif
