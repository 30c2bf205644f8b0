/* SPDX-License-Identifier: MIT */
/*
 * x86_64 direct-boot entries. PVH (Xen docs/misc/pvh.pandoc, which QEMU implements for
 * -kernel): an ELF note XEN_ELFNOTE_PHYS32_ENTRY gives the 32-bit entry point, %ebx points to
 * the hvm_start_info structure. Multiboot2 (Multiboot2 Specification 1.0, 3.1 and 3.2; GRUB's
 * multiboot2 command): the header below, found in the first 32 KiB of the file, names
 * mb2_entry; %eax holds the boot-loader magic and %ebx the boot information. Both are entered
 * in flat 32-bit protected mode with paging off. This file switches to long mode with a
 * temporary identity map of the first 4 GiB (2 MiB pages) and calls
 * x86_direct_entry(info, magic) (magic 0 for PVH); C code then builds the real tables.
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
#define MB2_MAGIC 0xe85250d6
#define MB2_LOADER_MAGIC 0x36d76289
#define MB2_TAG_ENTRY 3

	/* Multiboot2 header (3.1.1): magic, architecture 0 (i386 protected mode), length,
	 * checksum; an entry address tag (3.1.6), 8-byte aligned tags, the end tag. */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	0
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + (mb2_header_end - mb2_header))
	.short	MB2_TAG_ENTRY, 0
	.long	12
	.long	mb2_entry
	.balign 8
	.short	0, 0
	.long	8
mb2_header_end:

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
	xor	%ebp, %ebp			/* not multiboot2 */
	jmp	direct_entry

	.globl mb2_entry
mb2_entry:
	mov	%eax, %ebp			/* the loader magic, checked in C */

direct_entry:
	cli
	cld
	mov	%ebx, %esi			/* boot information (rep stosb uses %edi) */
	/* .bss, page tables and stack included, starts zeroed whatever the loader did. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	%esi, %edi			/* first argument in long mode */
	mov	%ebp, %esi			/* second: the multiboot2 magic or 0 */
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
	call	x86_direct_entry
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
