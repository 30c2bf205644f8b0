// SPDX-License-Identifier: MIT
/*
 * EL2 exceptions: traps from guests go to the vCPU code; anything else is unexpected and is
 * reported with ESR/FAR/ELR before the machine stops cleanly.
 */
#define LOG_COMPONENT "arch"
#include <arch/cpu.h>

#include "arch/arm64/regs.h"
#include "arch/arm64/sysreg.h"
#include "core/log.h"
#include "lib/types.h"

static const char *const vec_kind[16] = {
	"sync (SP_EL0)", "irq (SP_EL0)", "fiq (SP_EL0)", "serror (SP_EL0)",
	"sync",		 "irq",		 "fiq",		 "serror",
	"lower sync",	 "lower irq",	 "lower fiq",	 "lower serror",
	"lower32 sync",	 "lower32 irq",	 "lower32 fiq",	 "lower32 serror",
};

static const char *ec_name(u64 ec)
{
	switch (ec) {
	case 0x00: return "unknown";
	case 0x07: return "fp/simd access";
	case 0x0e: return "illegal execution state";
	case 0x15: return "svc";
	case 0x16: return "hvc";
	case 0x17: return "smc";
	case 0x18: return "msr/mrs trap";
	case 0x20: return "instruction abort (lower)";
	case 0x21: return "instruction abort";
	case 0x22: return "pc alignment";
	case 0x24: return "data abort (lower)";
	case 0x25: return "data abort";
	case 0x26: return "sp alignment";
	case 0x2f: return "serror";
	case 0x3c: return "brk";
	default: return "other";
	}
}

void arm64_exception(struct arm64_regs *r, u64 kind)
{
	u64 esr;

	/* From a guest (lower EL, AArch64 or AArch32 EL0): the vCPU code handles it. */
	switch (kind) {
	case 8:
	case 12: return vcpu_trap_sync(r);
	case 9:
	case 13: return vcpu_trap_irq(r);
	case 10:
	case 14: return; /* FIQ: Moat uses none (group 0 is off); nothing to do */
	case 11:
	case 15: return vcpu_trap_serror(r);
	default: break;
	}
	esr = read_sysreg(esr_el2);
	u64 far = read_sysreg(far_el2);

	pr_err("unexpected exception: %s, %s: ESR=0x%llx FAR=0x%llx ELR=0x%llx SPSR=0x%llx",
	       vec_kind[kind & 15], ec_name(ESR_EC(esr)), (unsigned long long)esr,
	       (unsigned long long)far, (unsigned long long)r->elr, (unsigned long long)r->spsr);
	pr_err("x0=0x%llx x1=0x%llx x29=0x%llx x30=0x%llx sp=0x%llx", (unsigned long long)r->x[0],
	       (unsigned long long)r->x[1], (unsigned long long)r->x[29],
	       (unsigned long long)r->x[30], (unsigned long long)r->sp);
	arch_halt(false);
}
