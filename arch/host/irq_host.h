/* SPDX-License-Identifier: MIT */
/* What the fake arch's wired interrupts show to tests (arch/host/irq.c). */
#ifndef ARCH_HOST_IRQ_HOST_H
#define ARCH_HOST_IRQ_HOST_H

#include "core/irq.h"

struct host_irq {
	unsigned intid;
	bool edge;
	irq_handler_fn fn;
	void *ctx;
	unsigned fired;
};

extern struct host_irq host_irqs[IRQ_MAX_HANDLERS];
extern int host_irq_fail; /* non-zero: arch_irq_request() returns it */

/* MSIs to Moat (arch_msi_request) sit in the same table, at this intid + vector. */
#define HOST_MSI_INTID 0x10000u

/* Delivers `intid` as the CPU it is routed to would take it; false if nobody routed it. */
bool host_irq_fire(unsigned intid);
void host_irq_reset(void);
/* An MSI write (address, data) reaching the local APIC: its handler runs; false if none. */
bool host_msi_deliver(u64 addr, u32 data);

#endif
