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

#define BOOT_MODULE_NAME_MAX 32
#define BOOT_MAX_MODULES 8

/* A file the boot path loaded for the VMs (a guest kernel, initrd or DTB), found by name. */
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
	paddr_t config;		/* VM configuration DTB (core/config.h), 0 if none */
	u64 config_size;
	unsigned nmodules;	/* images named by kernel-module/initrd-module/dtb-module */
	struct boot_module module[BOOT_MAX_MODULES];
};

__noreturn void moat_main(const struct boot_info *bi);

#endif
