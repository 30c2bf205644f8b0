/* SPDX-License-Identifier: MIT */
/*
 * A guest's MSI message on x86 and the interrupt it names in its VM (vmsi_msg.c, portable:
 * host-tested by tests/unit/test_x86_msi_dest.c). The interrupt number that travels through
 * arch_vm_raise_spi() carries the vector in bits 7:0 and the vCPU the message names in the
 * bits above; numbers below 256 (the vIOMMU fault queue's) go to vCPU 0.
 */
#ifndef MOAT_ARCH_X86_VMSI_MSG_H
#define MOAT_ARCH_X86_VMSI_MSG_H

#include "lib/compiler.h"
#include "lib/types.h"

/*
 * The guest's message (compatibility format: Intel SDM vol. 3 11.11.1-2, AMD APM vol. 2
 * 16.7): address 0xfeeXXXXX, not remappable, a fixed or lowest-priority vector 32-255.
 * Destination, address bits 19:12: physical mode (DM, bit 2, clear) the APIC ID, which is the
 * vCPU index in Moat's VMs, 0xff broadcast; logical mode a bit mask of APIC IDs 0-7 (flat
 * xAPIC, or x2APIC cluster 0: logical ID bit i is APIC ID i). *intid: the vector and the one
 * vCPU that takes it (the lowest named); -E_PERM if not the VM's message target, -E_RANGE if
 * the data names nothing the VM may be sent.
 */
int x86_msi_target(u32 addr_lo, u32 addr_hi, u32 data, unsigned *intid) __must_check;

/* The vector and vCPU an interrupt number names in a VM of `nvcpus` vCPUs: a vCPU the VM does
 * not have (a destination no vCPU answers to) is vCPU 0, as on arm64 (vgic_spi_target). */
void x86_intid_target(unsigned intid, unsigned nvcpus, unsigned *vcpu, u8 *vector);

#endif
