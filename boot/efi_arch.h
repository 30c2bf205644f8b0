/* SPDX-License-Identifier: MIT */
/* What the generic UEFI entry (boot/efi.c) needs from each arch. */
#ifndef BOOT_EFI_ARCH_H
#define BOOT_EFI_ARCH_H

#include "core/boot_info.h"
#include "lib/compiler.h"

/* First thing in efi_main, before any stack-protected code (x86: FS base for the canary). */
void efi_arch_early(void);
/* 0 when the CPU state is one Moat can run from (arm64: EL2), else -1 (nothing changed). */
int efi_arch_check(void);
/* After ExitBootServices: Moat's own stack, tables and vectors, then moat_main(bi). */
__noreturn void efi_arch_handover(struct boot_info *bi);

#endif
