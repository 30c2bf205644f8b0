// SPDX-License-Identifier: MIT
/*
 * The Linux x86 64-bit boot protocol state for a guest (arch/x86/vboot.h). Field offsets
 * from the kernel's Documentation/arch/x86/zero-page.rst and boot.rst (protocol 2.15); the
 * page-table and descriptor formats from Intel SDM vol. 3A 4.5 and 3.4.5.
 */
#include "arch/x86/vboot.h"

#include <string.h>

#include "arch/x86/vacpi.h"
#include "lib/bits.h"
#include "lib/err.h"

#define PTE_P 1ULL
#define PTE_W 2ULL
#define PTE_PS (1ULL << 7)
#define IDMAP_GIB 4

/* null, null, __BOOT_CS (0x10): 64-bit code; __BOOT_DS (0x18): flat data (SDM 3.4.5). */
static const u64 boot_gdt[4] = { 0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL };

/* PML4 -> PDPT -> four PDs of 2 MiB pages: the first 4 GiB, identity (boot.rst 64-bit). */
static void build_idmap(u8 *ram, u64 base)
{
	u64 *pml4 = (u64 *)(ram + X86_BOOT_PT), *pdpt = pml4 + 512, *pd = pml4 + 1024;

	memset(pml4, 0, (2 + IDMAP_GIB) * 4096);
	pml4[0] = (base + X86_BOOT_PT + 0x1000) | PTE_P | PTE_W;
	for (unsigned g = 0; g < IDMAP_GIB; g++) {
		pdpt[g] = (base + X86_BOOT_PT + 0x2000 + g * 0x1000ULL) | PTE_P | PTE_W;
		for (unsigned i = 0; i < 512; i++)
			pd[g * 512 + i] = ((u64)g << 30 | (u64)i << 21) | PTE_P | PTE_W | PTE_PS;
	}
}

static unsigned e820_add(u8 *bp, unsigned n, u64 addr, u64 size, u32 type)
{
	u8 *e = bp + BP_E820_TABLE + n * 20;

	if (!size || n >= BP_E820_MAX)
		return n;
	put_le64(e, addr);
	put_le64(e + 8, size);
	put_le32(e + 16, type);
	return n + 1;
}

/* RAM with the ACPI area carved out; below 1 MiB at address 0, the PC's EBDA/BIOS hole. */
static void build_e820(u8 *bp, const struct x86_boot *b)
{
	u64 base = b->ram_base;
	unsigned n = 0;

	if (base == 0) {
		n = e820_add(bp, n, 0, 0x9fc00, E820_RAM);
		n = e820_add(bp, n, 0x9fc00, X86_BOOT_ACPI - 0x9fc00, E820_RESERVED);
	} else {
		n = e820_add(bp, n, base, X86_BOOT_ACPI, E820_RAM);
	}
	n = e820_add(bp, n, base + X86_BOOT_ACPI, X86_BOOT_ACPI_SIZE, E820_ACPI);
	n = e820_add(bp, n, base + X86_BOOT_KERNEL, b->ram_size - X86_BOOT_KERNEL, E820_RAM);
	if (b->ecam_base) /* Linux takes MMCONFIG only where the e820 reserves it */
		n = e820_add(bp, n, b->ecam_base, 1ULL << 20, E820_RESERVED);
	bp[BP_E820_ENTRIES] = (u8)n;
}

int x86_boot_build(u8 *ram, const struct x86_boot *b, struct x86_boot_entry *e)
{
	size_t cl = b->cmdline ? strlen(b->cmdline) : 0;
	struct x86_acpi acpi = { b->ram_base + X86_BOOT_ACPI, b->nvcpus, b->ecam_base };
	u8 *bp = ram + X86_BOOT_PARAMS;
	int err;

	if (b->ram_size < (2ULL << 20) || cl >= X86_BOOT_CMDLINE_MAX)
		return -E_RANGE;
	memcpy(ram + X86_BOOT_GDT, boot_gdt, sizeof(boot_gdt));
	build_idmap(ram, b->ram_base);
	memset(bp, 0, 4096);
	memset(ram + X86_BOOT_CMDLINE, 0, X86_BOOT_CMDLINE_MAX);
	if (cl)
		memcpy(ram + X86_BOOT_CMDLINE, b->cmdline, cl);
	err = x86_acpi_build(ram + X86_BOOT_ACPI, X86_BOOT_ACPI_SIZE, &acpi);
	if (err < 0)
		return err;
	put_le16(bp + BP_BOOT_FLAG, 0xaa55);
	put_le32(bp + BP_HEADER, 0x53726448); /* "HdrS" */
	put_le16(bp + BP_VERSION, 0x020f);
	bp[BP_TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
	bp[BP_LOADFLAGS] = 0x01;      /* LOADED_HIGH: the kernel is at 1 MiB */
	put_le32(bp + BP_CMD_LINE_PTR, (u32)(b->ram_base + X86_BOOT_CMDLINE));
	put_le32(bp + BP_CMDLINE_SIZE, X86_BOOT_CMDLINE_MAX - 1);
	put_le64(bp + BP_ACPI_RSDP, acpi.at);
	build_e820(bp, b);
	*e = (struct x86_boot_entry){ .rip = b->ram_base + X86_BOOT_KERNEL,
				      .rsi = b->ram_base + X86_BOOT_PARAMS,
				      .cr3 = b->ram_base + X86_BOOT_PT,
				      .gdt = b->ram_base + X86_BOOT_GDT,
				      .gdt_limit = sizeof(boot_gdt) - 1 };
	return 0;
}
