/* SPDX-License-Identifier: MIT */
/* Loading a VM's kernel, initrd and DTB into its private RAM (vmm/vm_load.c). */
#ifndef VMM_VM_LOAD_H
#define VMM_VM_LOAD_H

#include "core/boot_info.h"
#include "vmm/vm.h"
#include "lib/compiler.h"

/* Room for a DTB the configuration gives, at the top of private RAM. */
#define VM_DTB_SLOT (2ULL << 20)

/*
 * Copies the images of vm->cfg (inline, or boot modules of `bi` found by name) into private
 * RAM, which must be zeroed, and sets vCPU 0's entry point and x0. On error (a module
 * missing, an image empty or too large) logs "<vm>: <image>: <why>".
 */
int vm_load_images(struct vm *vm, const struct boot_info *bi) __must_check;

#endif
