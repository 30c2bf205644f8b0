/* SPDX-License-Identifier: MIT */
/* Device assignment when a VM is built (vmm/vdev_boot.c; images). */
#ifndef VMM_VDEV_BOOT_H
#define VMM_VDEV_BOOT_H

#include "core/init.h"
#include "vmm/vm.h"

/* The VM's vIOMMU and its configured PCI functions as vdevs; after its stage-2 exists. */
int vdev_vm_build(struct moat_ctx *ctx, struct vm *vm) __must_check;

#endif
