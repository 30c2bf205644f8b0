/* SPDX-License-Identifier: MIT */
/* The register frame vectors.S saves on every exception (layout fixed by the assembly). */
#ifndef ARM64_REGS_H
#define ARM64_REGS_H

#include "lib/types.h"

struct arm64_regs {
	u64 x[31];
	u64 elr;
	u64 spsr;
	u64 sp;
};

_Static_assert(sizeof(struct arm64_regs) == 34 * 8, "frame layout matches vectors.S");

void arm64_exception(struct arm64_regs *r, u64 kind);

/* Lower-EL traps, handled by the vCPU code (vcpu.c). */
void vcpu_trap_sync(struct arm64_regs *r);
/*
 * The HVC fast path (vectors.S): handles a Moat hypercall that never blocks, stops or
 * switches vCPUs and returns 0, or returns 1 without touching `r` (the full path follows).
 * Only x0..x18 and x30 of `r` are valid.
 */
u64 vcpu_hvc_fast(struct arm64_regs *r);
void vcpu_trap_irq(struct arm64_regs *r);
void vcpu_trap_serror(struct arm64_regs *r);

#endif
