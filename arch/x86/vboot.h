/* SPDX-License-Identifier: MIT */
/*
 * What an x86 guest finds at entry (docs/guest-abi.md, x86 "Entry state"): the Linux x86
 * 64-bit boot protocol (Documentation/arch/x86/boot.rst): long mode, paging on with an
 * identity map of the first 4 GiB, a GDT with flat __BOOT_CS/__BOOT_DS, RSI pointing to a
 * struct boot_params ("zero page", zero-page.rst) whose e820 table is the VM's memory map and
 * whose acpi_rsdp_addr names Moat's ACPI tables (vacpi.h). Chosen because an unmodified Linux
 * kernel boots from exactly this state (the bzImage 64-bit entry at load + 0x200), so Moat's
 * test guests and Linux share one entry path; no BIOS or real-mode stub is needed.
 *
 * Layout, relative to the first guest RAM address (0 in the x86 VM map):
 *   +0x6000 GDT, +0x7000 boot_params, +0x8000 command line, +0x9000..+0xefff page tables,
 *   +0xe0000..+0xfffff ACPI tables (e820 "ACPI"), +0x100000 the kernel image.
 */
#ifndef X86_VBOOT_H
#define X86_VBOOT_H

#include "lib/compiler.h"
#include "lib/types.h"

#define X86_BOOT_GDT 0x6000ULL
#define X86_BOOT_PARAMS 0x7000ULL
#define X86_BOOT_CMDLINE 0x8000ULL
#define X86_BOOT_CMDLINE_MAX 4096u
#define X86_BOOT_PT 0x9000ULL
#define X86_BOOT_ACPI 0xe0000ULL
#define X86_BOOT_ACPI_SIZE 0x20000ULL
#define X86_BOOT_KERNEL 0x100000ULL

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

/* boot_params offsets (zero-page.rst) and setup_header fields (boot.rst). */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_BOOT_FLAG 0x1fe
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_CMD_LINE_PTR 0x228
#define BP_CMDLINE_SIZE 0x238
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

struct x86_boot {
	u64 ram_base, ram_size; /* private RAM, then shared RAM, contiguous */
	unsigned nvcpus;
	u64 ecam_base; /* virtual ECAM for assigned devices (one bus), 0: none */
	const char *cmdline;
};

struct x86_boot_entry {
	u64 rip, rsi, cr3, gdt;
	u16 gdt_limit;
};

/*
 * Writes GDT, page tables, boot_params, command line and ACPI tables into guest RAM
 * (`ram` is the host view of ram_base) and returns the entry registers. -E_RANGE when the RAM
 * is too small for the layout (under 2 MiB) or the command line too long.
 */
int x86_boot_build(u8 *ram, const struct x86_boot *b, struct x86_boot_entry *e) __must_check;

#endif
