/* SPDX-License-Identifier: MIT */
/*
 * Device operations that wait on hardware without holding a CPU (docs/architecture.md section 3: guest
 * calls that wait on the device are resumable). An operation runs on its own stack; where it
 * would wait for the device (a DOE response, a reset settling) the code calls devop_wait(),
 * which suspends the operation and returns to whoever ran it. Running it again continues after
 * the wait, on any CPU. The code of an operation is ordinary synchronous code (tsm/tdi.c):
 * outside an operation devop_wait() is cpu_relax() and the same code waits in place, as at
 * boot. Every wait stays bounded by its own deadline (doe_poll(), pci_wait_ns()).
 *
 * One CPU at a time runs operations: the caller serialises devop_run() (the hypercall layer's
 * operation lock), so that operation code never runs on two CPUs at once.
 */
#ifndef CORE_DEVOP_H
#define CORE_DEVOP_H

#include <arch/ctx.h>

#include "lib/compiler.h"
#include "lib/types.h"

#define DEVOP_STACK_SIZE 0x8000 /* SPDM secured messages and signature checks run on it */

struct devop {
	struct arch_ctx ctx, caller;
	void (*fn)(struct devop *op);
	bool started;
	bool done;
	unsigned waits; /* suspensions so far, for tests and the log */
	u8 stack[DEVOP_STACK_SIZE] __aligned(16);
};

/* Makes `op` run fn(op) from the start on its next devop_run(). */
void devop_prepare(struct devop *op, void (*fn)(struct devop *op));
/* Runs the operation until it finishes (true) or suspends in devop_wait() (false). */
bool devop_run(struct devop *op) __must_check;
/* Inside an operation: suspend until it is run again. Outside: cpu_relax(). */
void devop_wait(void);

#endif
