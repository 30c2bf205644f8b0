// SPDX-License-Identifier: MIT
/* Resumable device operations on their own stacks; see core/devop.h. */
#include "core/devop.h"

#include <arch/cpu.h>
#include <string.h>

#include "core/log.h"

/* Bytes at the bottom of an operation's stack the arch may use (arch/host keeps a record
 * there), then a guard pattern that must survive every run. */
#define DEVOP_ARCH_RESERVED 64
#define DEVOP_GUARD_LEN 64
#define DEVOP_GUARD_BYTE 0xa5

/* The operation being run (devop_run() is serialised by its callers). */
static struct devop *devop_current;

static bool devop_guard_intact(const struct devop *op)
{
	for (unsigned i = 0; i < DEVOP_GUARD_LEN; i++)
		if (op->stack[DEVOP_ARCH_RESERVED + i] != DEVOP_GUARD_BYTE)
			return false;
	return true;
}

static void devop_entry(void *arg)
{
	struct devop *op = arg;

	op->fn(op);
	op->done = true;
	arch_ctx_switch(&op->ctx, &op->caller); /* never resumed */
	panic("devop: finished operation resumed");
}

void devop_prepare(struct devop *op, void (*fn)(struct devop *op))
{
	op->fn = fn;
	op->started = false;
	op->done = false;
	op->waits = 0;
	memset(op->stack + DEVOP_ARCH_RESERVED, DEVOP_GUARD_BYTE, DEVOP_GUARD_LEN);
}

bool devop_run(struct devop *op)
{
	struct devop *outer = devop_current;

	if (op->done)
		return true;
	if (!op->started) {
		arch_ctx_init(&op->ctx, op->stack, sizeof(op->stack), devop_entry, op);
		op->started = true;
	}
	devop_current = op;
	arch_ctx_switch(&op->caller, &op->ctx);
	devop_current = outer;
	if (!devop_guard_intact(op))
		panic("devop: operation stack overflow");
	return op->done;
}

/* True if the code calling this runs on the current operation's stack. */
static bool devop_on_stack(const struct devop *op)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo = (uintptr_t)op->stack;

	return sp >= lo && sp - lo < sizeof(op->stack);
}

void devop_wait(void)
{
	struct devop *op = devop_current;

	if (!op || !devop_on_stack(op)) {
		cpu_relax();
		return;
	}
	op->waits++;
	arch_ctx_switch(&op->ctx, &op->caller);
}
