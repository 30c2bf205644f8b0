/* SPDX-License-Identifier: MIT */
/*
 * Guest hypercall dispatch (guest_abi/moat_abi.h). The arch entry (HVC on arm64) copies the
 * guest's x0..x6 into `regs`, calls hypercall_dispatch(), and writes x0..x3 back.
 */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include "vmm/vm.h"
#include "lib/types.h"

#define HC_NREGS 7

/* True when x0 is in the vendor hypervisor service range Moat owns. */
bool hypercall_is_moat(u64 fn);

/* Runs the call in regs[0] with arguments regs[1..6]; status in regs[0], results in [1..3]. */
void hypercall_dispatch(struct vcpu *v, u64 regs[HC_NREGS]);

/* Where MOAT_HC_CONSOLE_WRITE text goes (the VM's console with its name prefix). */
void vm_console_write(struct vm *vm, const char *s, size_t len);
/* Prints a partial line the VM left (when it stops). */
void vm_console_flush(struct vm *vm);

#endif
