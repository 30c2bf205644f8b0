/* SPDX-License-Identifier: MIT */
/* Device assignment when a VM is built (core/vdev_boot.c; images). */
#ifndef CORE_VDEV_BOOT_H
#define CORE_VDEV_BOOT_H

#include "core/init.h"
#include "core/vm.h"

/* The VM's vIOMMU and its configured PCI functions as vdevs; after its stage-2 exists. */
int vdev_vm_build(struct moat_ctx *ctx, struct vm *vm) __must_check;

#endif
