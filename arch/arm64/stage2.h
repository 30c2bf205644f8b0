/* SPDX-License-Identifier: MIT */
/*
 * CPU stage-2 for a VM, built with the shared page-table library (lib/pt.h, format
 * PT_ARM_S2: VMSAv8-64 stage 2, 4 KiB granule, 40-bit IPA with concatenated level-1 roots).
 */
#ifndef ARM64_STAGE2_H
#define ARM64_STAGE2_H

#include "core/frame.h"
#include "vmm/vm.h"
#include "lib/compiler.h"

#define S2_IPA_BITS 40

/* Creates the VM's stage-2 and maps its RAM; sets vm->arch.vttbr and vm->arch.vtcr. */
int s2_vm_create(struct vm *vm, struct frame_alloc *fa) __must_check;

#endif
