/* SPDX-License-Identifier: MIT */
/*
 * What a guest did that Moat refused: every fault Moat injects into a guest and every trap it
 * refuses is logged with what, where and why ("vcpu: linux/0: data abort at IPA 0x9000000
 * (8-byte write to vPL011+0x0 refused) -> SEA"), once per kind per vCPU, and all of them
 * together at most VM_FAULT_BURST lines at once, then one per VM_FAULT_REFILL_NS, so a
 * misbehaving guest cannot flood the console. Lines dropped by the limit are counted and the
 * count is given with the next line that gets through.
 */
#ifndef CORE_VM_FAULT_H
#define CORE_VM_FAULT_H

#include "vmm/vm.h"
#include "lib/compiler.h"

#define VM_FAULT_BURST 16
#define VM_FAULT_REFILL_NS 100000000ULL /* 100 ms */

enum vm_fault_kind {
	VMF_DABT_REFUSED,  /* an emulated device refused the access */
	VMF_DABT_UNMAPPED, /* no RAM, device or assigned BAR at the address */
	VMF_DABT_SYNDROME, /* no instruction syndrome (ISV=0): cannot be emulated */
	VMF_DABT_WALK,	   /* the guest's own table walk faulted at stage 2 */
	VMF_IABT,	   /* instruction fetch outside the guest's RAM */
	VMF_SYSREG,	   /* a system register Moat does not let the guest touch */
	VMF_TRAP,	   /* any other trapped instruction class */
	VMF_KINDS
};

/* Logs the event unless this vCPU already logged one of this kind or the limit is reached. */
void vm_fault_log(struct vcpu *v, enum vm_fault_kind kind, const char *fmt, ...) __printf(3, 4);
/* The rate limiter back to a full bucket (host tests). */
void vm_fault_log_reset(void);

#endif
