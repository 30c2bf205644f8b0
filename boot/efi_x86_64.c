// SPDX-License-Identifier: MIT
/* x86_64 side of the UEFI entry: firmware leaves us in long mode on its own page tables. */
#include "boot/efi_arch.h"

#include "arch/x86/x86.h"

#define EFI_HANDOVER_STACK 0x10000

static u8 handover_stack[EFI_HANDOVER_STACK] __aligned(16);

__attribute__((no_stack_protector)) void efi_arch_early(void)
{
	x86_percpu_init();
}

int efi_arch_check(void)
{
	return 0; /* long mode is all the x86 entry needs; VMX/SVM are probed later */
}

/* The firmware's stack is not in Moat's page tables: move to one inside the image first. */
void efi_arch_handover(struct boot_info *bi)
{
	__asm__ volatile("cli\n"
			 "mov %0, %%rsp\n"
			 "xor %%ebp, %%ebp\n"
			 "call x86_boot\n"
			 "ud2\n"
			 :
			 : "r"(handover_stack + EFI_HANDOVER_STACK), "D"(bi)
			 : "memory");
	__builtin_unreachable();
}
