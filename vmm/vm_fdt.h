/* SPDX-License-Identifier: MIT */
/* The device tree Moat generates for a guest that was not given one (docs/guest-abi.md). */
#ifndef VMM_VM_FDT_H
#define VMM_VM_FDT_H

#include "vmm/vm.h"
#include "lib/compiler.h"

/* Room the generated tree is given at the top of private RAM. */
#define VM_FDT_MAX (64ULL << 10)

/*
 * Writes the guest's DTB into buf: memory, CPUs (PSCI), the virtual GICv3, the generic
 * timer, the PL011 console, /chosen (bootargs, initrd if initrd_size) and the /hypervisor
 * node naming the Moat ABI. -E_NOSPC if it does not fit.
 */
int vm_fdt_build(const struct vm *vm, void *buf, size_t size, u64 initrd_gpa,
		 u64 initrd_size) __must_check;

#endif
