/* SPDX-License-Identifier: MIT */
/* The x86 test guest's binary for the SVM test image (mk/x86_64.mk passes its path). */
	.section .rodata
	.balign 16
	.globl svmtest_guest, svmtest_guest_end
svmtest_guest:
	.incbin SVMTEST_GUEST_BIN
svmtest_guest_end:

	.section .note.GNU-stack, "", @progbits
