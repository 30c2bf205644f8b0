/* SPDX-License-Identifier: MIT */
/*
 * Wired device interrupts taken by Moat itself (the SMMUv3 event queue and global errors).
 * Generic drivers ask the arch to route an interrupt to the calling CPU; the arch calls the
 * handler from its interrupt path (arm64: the EL2 IRQ vector, interrupts masked) and then
 * completes the interrupt at the controller. Every arch implements these hooks: arm64 on the
 * physical GICv3 distributor, the host fake in a table tests fire, x86 refuses (-E_NOTSUP).
 */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include "lib/compiler.h"
#include "lib/types.h"

typedef void (*irq_handler_fn)(void *ctx);

#define IRQ_MAX_HANDLERS 8

/*
 * Routes `intid` (a GIC SPI INTID on arm64) to the calling CPU, edge- or level-triggered, and
 * enables it. -E_RANGE if the controller has no such interrupt, -E_BUSY if it is taken,
 * -E_NOSPC if the handler table is full, -E_NOTSUP without wired-interrupt support.
 */
int arch_irq_request(unsigned intid, bool edge, irq_handler_fn fn, void *ctx) __must_check;
/* Disables `intid` and forgets its handler. */
void arch_irq_release(unsigned intid);

/*
 * Message-signalled interrupts to Moat itself (the VT-d fault event, FEADDR/FEDATA): takes a
 * free vector for `fn` and returns the MSI address and data that raise it. -E_NOTSUP where
 * the arch has no MSI delivery to Moat yet (x86: no device vectors in its IDT; arm64: the
 * ITS serves assigned functions only, vmm/vdev.h), -E_NOSPC when no vector is left; the caller then polls.
 */
int arch_msi_request(irq_handler_fn fn, void *ctx, u64 *addr, u32 *data) __must_check;
void arch_msi_release(u32 data);

#endif
