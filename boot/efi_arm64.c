// SPDX-License-Identifier: MIT
/* arm64 side of the UEFI entry: firmware runs us at EL2 (QEMU virt with virtualization=on). */
#include "boot/efi_arch.h"

#define EFI_HANDOVER_STACK 0x10000

static u8 handover_stack[EFI_HANDOVER_STACK] __aligned(16);

__noreturn void efi_arm64_handover(struct boot_info *bi, u8 *stack_top);

void efi_arch_early(void)
{
}

int efi_arch_check(void)
{
	u64 el;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	/* Moat is the hypervisor: it must own EL2 (QEMU: -M virt,virtualization=on). */
	return (el >> 2 & 3) == 2 ? 0 : -1;
}

void efi_arch_handover(struct boot_info *bi)
{
	efi_arm64_handover(bi, handover_stack + EFI_HANDOVER_STACK);
}
