/* SPDX-License-Identifier: MIT */
/* Building the VMs from the configuration at boot, and the arch hooks that start them. */
#ifndef VMM_VM_BOOT_H
#define VMM_VM_BOOT_H

#include "core/frame.h"
#include "core/platform.h"
#include "vmm/vm.h"

/* Arch: stage-2 tables, VMID and per-vCPU identity for a VM whose RAM is set up. */
int arch_vm_create(struct vm *vm, struct frame_alloc *fa) __must_check;
/* Arch: pins vCPUs to CPUs and runs them; returns only on error. */
int arch_vms_start(const struct platform *plat, struct frame_alloc *fa) __must_check;

/* For a reset: zeroes private RAM and loads the images again (shared RAM is kept). */
int vm_reload(struct vm *vm) __must_check;

#endif
