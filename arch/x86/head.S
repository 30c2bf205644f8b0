/* SPDX-License-Identifier: MIT */
/*
 * x86_64 direct-boot entry through the PVH boot protocol (Xen docs/misc/pvh.pandoc, which QEMU
 * implements for -kernel): an ELF note XEN_ELFNOTE_PHYS32_ENTRY gives the 32-bit entry point;
 * we are entered in flat 32-bit protected mode, paging off, with %ebx pointing to the
 * hvm_start_info structure. This file switches to long mode with a temporary identity map of the
 * first 4 GiB (2 MiB pages) and calls x86_pvh_entry(); C code then builds the real tables.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .note.pvh, "a", @note
	.balign 4
	.long	4			/* name size ("Xen\0") */
	.long	4			/* descriptor size */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.long	pvh_entry

	.section .text.head, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	mov	%ebx, %esi			/* start_info (rep stosb uses %edi) */
	/* .bss, page tables and stack included, starts zeroed whatever the loader did. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	%esi, %edi			/* first argument in long mode */
	mov	$boot_stack_top, %esp

	/* early_pml4[0] -> early_pdpt; early_pdpt[0..3] -> early_pd[0..3]; 2048 2 MiB pages. */
	mov	$early_pdpt + (PTE_P | PTE_W), %eax
	mov	%eax, early_pml4
	mov	$early_pd + (PTE_P | PTE_W), %eax
	xor	%ecx, %ecx
1:	mov	%eax, early_pdpt(, %ecx, 8)
	add	$4096, %eax
	inc	%ecx
	cmp	$4, %ecx
	jne	1b
	mov	$(PTE_P | PTE_W | PTE_PS), %eax
	xor	%ecx, %ecx
2:	mov	%eax, early_pd(, %ecx, 8)
	add	$0x200000, %eax
	inc	%ecx
	cmp	$2048, %ecx
	jne	2b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$early_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PE | CR0_PG | CR0_WP), %eax
	mov	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$boot_stack_top, %rsp
	call	x86_pvh_entry
3:	cli
	hlt
	jmp	3b

	/* Flat GDT: 0x08 64-bit code, 0x10 data (Intel SDM vol. 3A 3.4.5). Reloaded by C code. */
	.section .rodata
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff
	.quad	0x00cf92000000ffff
boot_gdt_end:
boot_gdt_ptr:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .bss.early, "aw", @nobits
	.balign 4096
early_pml4:
	.space	4096
early_pdpt:
	.space	4096
early_pd:
	.space	4 * 4096

	.section .bss.stack, "aw", @nobits
	.balign 16
	.globl boot_stack_top
boot_stack:
	.space	0x10000
boot_stack_top:
