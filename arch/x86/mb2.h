/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 boot information (Multiboot2 Specification 1.0, 3.6 "Boot information
 * format"): what GRUB hands the x86_64 direct entry besides PVH. Everything in it comes from
 * the boot loader and is checked before use; the parser is portable (host tests, fuzzing).
 */
#ifndef X86_MB2_H
#define X86_MB2_H

#include "core/boot_info.h"
#include "lib/compiler.h"
#include "lib/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* EAX at the entry (3.2 "Machine state") */
#define MB2_HEADER_MAGIC 0xe85250d6u

/* Tag types (3.6.3 onwards). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* The largest information structure Moat accepts (it is a few KiB in practice). */
#define MB2_MAX_SIZE (1u << 20)

/*
 * Fills `bi` (path, command line, memory map, modules, RSDP) from the information structure
 * at `mbi` (`avail` bytes readable there) whose physical address is `mbi_pa`. The structure
 * itself is kept (bi->extra_rsv), since the RSDP handed on is the copy inside it. -E_INVAL
 * for a structure whose sizes do not add up (nothing trusted from it then), -E_NOSPC when
 * bi has no room left for the range to keep.
 */
int mb2_parse(const u8 *mbi, u64 avail, paddr_t mbi_pa, struct boot_info *bi) __must_check;

#endif
