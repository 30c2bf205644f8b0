/* SPDX-License-Identifier: MIT */
/*
 * Device-assignment cases for a VM that owns one plain vdev (no TDI), arch-neutral
 * (dev_cases.c): QEMU's edu or an NVMe controller, found in the vdev list and on the virtual
 * ECAM, DMA through the VM's vIOMMU view (its IOVAs are its guest-physical addresses): DMA
 * into shared RAM arrives, DMA to a private page or outside the VM faults into the VM's fault
 * queue with the vdev and the address, a private page shared with MEM_SHARE takes DMA and
 * stops taking it once MEM_SHARE(UNSHARE) returned. The arch's guest supplies the hooks below.
 */
#ifndef TESTS_GUESTS_DEV_CASES_H
#define TESTS_GUESTS_DEV_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_abi/moat_guest.h"

/* The guest's memory plan for the cases: all in the VM's own RAM but `outside`. */
struct dev_plan {
	uint64_t shared;     /* 256 KiB of shared RAM: buffers, fault queue, queues */
	uint64_t priv;	     /* a private page never shared */
	uint64_t share;	     /* a private page the cases share and unshare */
	uint64_t outside;    /* an address that is no RAM of the VM's (and below 256 MiB: edu) */
	unsigned intid;	     /* fault-queue interrupt (32..63) */
	bool no_records;     /* the IOMMU reports no faults (QEMU's AMD-Vi): check memory only */
	unsigned msi_vector; /* the function's MSI-X vector 0 as the guest wants it; 0: no case */
};

/* Arch hooks: a millisecond clock (an upper bound is enough), a short idle with interrupts
 * on, and the fault interrupt enabled; the arch's handler counts into dev_fault_irqs. */
uint64_t dev_now_ms(void);
void dev_idle(void);
void dev_irq_enable(unsigned intid);
extern volatile uint64_t dev_fault_irqs;
/* The arch's MSI message for plan->msi_vector (x86: fixed, to its x2APIC), and the count its
 * handler keeps of that vector. */
void dev_msi_message(unsigned vector, uint32_t *addr_lo, uint32_t *addr_hi, uint32_t *data);
extern volatile uint64_t dev_msi_irqs;
/* Calls start() then halts with interrupts on until one arrives, a timer of `ms` the
 * bound; the ms it took. */
uint64_t dev_halt_ms(unsigned ms, void (*start)(void));

/* Runs the cases for the VM's first vdev; prints PASS/FAIL lines (guest_check.h). */
void dev_cases(const struct moat_vm_info *info, const struct dev_plan *plan);

#endif
