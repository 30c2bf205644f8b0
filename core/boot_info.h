/* SPDX-License-Identifier: MIT */
/* What every boot path (direct or UEFI, any arch) hands to moat_main(). */
#ifndef CORE_BOOT_INFO_H
#define CORE_BOOT_INFO_H

#include "lib/compiler.h"
#include "lib/types.h"

enum boot_path {
	BOOT_DIRECT,
	BOOT_UEFI
};

/*
 * The firmware memory map (E820 through PVH, or the UEFI memory map), reduced to two kinds:
 * RAM Moat may use, and RAM it must keep (ACPI tables and NVS, UEFI runtime services).
 */
enum boot_mem_kind {
	BOOT_MEM_RAM,
	BOOT_MEM_KEEP
};

#define BOOT_MAX_MEM 48
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 256
#define BOOT_MODULE_NAME_MAX 64

struct boot_mem {
	paddr_t base;
	u64 size;
	enum boot_mem_kind kind;
};

/* A file the boot path loaded for Moat (UEFI: named by the configuration, read from the ESP). */
struct boot_module {
	char name[BOOT_MODULE_NAME_MAX];
	paddr_t base;
	u64 size;
};

struct boot_info {
	enum boot_path path;
	paddr_t image_base; /* the hypervisor image, bss included */
	u64 image_size;
	paddr_t fdt;	     /* device tree blob, 0 if none */
	u64 fdt_size;	     /* bytes mapped at fdt (an upper bound for the blob) */
	paddr_t rsdp;	     /* ACPI RSDP, 0 if none */
	unsigned nextra_rsv; /* further ranges the boot path needs kept (firmware, modules) */
	struct pa_range extra_rsv[8];
	/* Memory map, when the platform description (ACPI) does not carry one. */
	unsigned nmem;
	bool mem_dropped; /* more ranges than BOOT_MAX_MEM: the rest were left out */
	struct boot_mem mem[BOOT_MAX_MEM];
	char cmdline[BOOT_CMDLINE_MAX];
	/* The configuration device tree (issue 8 defines its content), 0 if none. */
	paddr_t config;
	u64 config_size;
	unsigned nmodules;
	struct boot_module modules[BOOT_MAX_MODULES];
};

/*
 * Adds a range to bi->mem, merging it with an adjacent range of the same kind; -E_NOSPC when
 * the table is full, -E_INVAL for an empty or wrapping range.
 */
int boot_info_add_mem(struct boot_info *bi, paddr_t base, u64 size,
		      enum boot_mem_kind kind) __must_check;

struct platform;
/*
 * Fills p->mem from the memory map (adjacent ranges of either kind merged) and adds the ranges
 * to keep to p->rsv; for discovery paths (ACPI) whose tables carry no memory map.
 */
int boot_info_memory(const struct boot_info *bi, struct platform *p) __must_check;

/* Adds the ranges to keep (firmware runtime memory, ACPI) to p->rsv. */
int boot_info_keep_ranges(const struct boot_info *bi, struct platform *p) __must_check;

__noreturn void moat_main(const struct boot_info *bi);

#endif
