/* SPDX-License-Identifier: MIT */
/* The x86 test guest's binary for the VMX test image (mk/x86_64.mk passes its path). */
	.section .rodata
	.balign 16
	.globl vmxtest_guest, vmxtest_guest_end
vmxtest_guest:
	.incbin VMXTEST_GUEST_BIN
vmxtest_guest_end:

	.section .note.GNU-stack, "", @progbits
