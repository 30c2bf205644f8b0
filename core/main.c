// SPDX-License-Identifier: MIT
/*
 * The generic boot flow (docs/architecture.md section 3): boot_info -> platform discovery -> console ->
 * memory -> (IOMMUs, PCI, TSM, VMs as those components arrive).
 */
#define LOG_COMPONENT "boot"
#include <arch/cpu.h>
#include <arch/mm.h>

#include "core/arch.h"
#include "core/boot_info.h"
#include "core/bootprof.h"
#include "core/crypto.h"
#include "core/frame.h"
#include "core/init.h"
#include "core/log.h"
#include "core/own.h"
#include "core/platform.h"
#include "core/version.h"
#include "lib/err.h"
#include "lib/mem.h"

#include <string.h>

static struct platform platform;
static struct frame_alloc frames;

/* A per-page mapping count array for [b, e) (core/own.h), in frames of Moat's. */
static int mem_own_range(u64 b, u64 e)
{
	u64 n = (e - b) >> PAGE_SHIFT;
	paddr_t c;
	int err;

	if ((err = frame_alloc_run(&frames, (n + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE, &c)))
		return err;
	mem_zero(phys_to_virt(c), n);
	return own_add_counted(pa(b), e - b, own_moat(), phys_to_virt(c));
}

/*
 * Every page of RAM starts as Moat's (core/own.h), with a count of its mappings per page (the
 * guest maps its RAM one page at a time); VMs get theirs by transfer.
 */
static int mem_own(const struct platform *p)
{
	own_reset();
	for (unsigned i = 0; i < p->nmem; i++) {
		u64 b = p->mem[i].base.v, e;
		int err;

		if (add_overflow(b, p->mem[i].size, &e) || add_overflow(b, PAGE_SIZE - 1, &b))
			return -E_OVERFLOW;
		b = ALIGN_DOWN(b, PAGE_SIZE);
		e = ALIGN_DOWN(e, PAGE_SIZE);
		if (b < e && (err = mem_own_range(b, e))) {
			pr_err("ownership record of RAM at 0x%llx: %s", (unsigned long long)b,
			       err_str(err));
			return err;
		}
	}
	return 0;
}

static int mem_init(const struct boot_info *bi)
{
	struct pa_range holes[PLAT_MAX_RSV + 11 + BOOT_MAX_MODULES];
	unsigned n = 0;
	int err;

	for (unsigned i = 0; i < platform.nrsv; i++)
		holes[n++] = platform.rsv[i];
	holes[n++] = (struct pa_range){ bi->image_base, bi->image_size };
	if (bi->fdt.v)
		holes[n++] = (struct pa_range){ bi->fdt, bi->fdt_size };
	for (unsigned i = 0; i < bi->nextra_rsv && i < 8; i++)
		holes[n++] = bi->extra_rsv[i];
	if (bi->config.v)
		holes[n++] = (struct pa_range){ bi->config, bi->config_size };
	for (unsigned i = 0; i < bi->nmodules && i < BOOT_MAX_MODULES; i++)
		holes[n++] = (struct pa_range){ bi->modules[i].base, bi->modules[i].size };
	/* The allocator keeps its bitmaps in RAM, so RAM must be mapped first. */
	for (unsigned i = 0; i < platform.nmem; i++) {
		err = arch_map_ram(platform.mem[i].base, platform.mem[i].size);
		if (err) {
			pr_err("cannot map RAM at 0x%llx: %s",
			       (unsigned long long)platform.mem[i].base.v, err_str(err));
			return err;
		}
	}
	err = frame_init(&frames, platform.mem, platform.nmem, holes, n);
	if (err)
		pr_err("frame allocator: %s", err_str(err));
	return err ?: mem_own(&platform);
}

static int discover_acpi(const struct boot_info *bi)
{
	int err = platform_from_acpi(bi->rsdp, &platform);

	if (err)
		return err;
	if ((err = boot_info_memory(bi, &platform))) {
		pr_err("no usable memory map from the boot path: %s", err_str(err));
		return err;
	}
	if ((err = platform_mem_check(&platform)))
		return err;
	if (bi->mem_dropped)
		pr_warn("memory map has more than %u ranges; the rest is not used", BOOT_MAX_MEM);
	memcpy(platform.bootargs, bi->cmdline, MIN(sizeof(platform.bootargs), sizeof(bi->cmdline)));
	platform.bootargs[sizeof(platform.bootargs) - 1] = '\0';
	return 0;
}

static int discover(const struct boot_info *bi)
{
	/* ACPI when firmware provides it (x86, arm64 under UEFI); DT on arm64 direct boot. */
	if (bi->rsdp.v)
		return discover_acpi(bi);
	if (bi->fdt.v) {
		int err = platform_from_dt(phys_to_virt(bi->fdt), bi->fdt_size, &platform);
		/* Under UEFI the DT does not list firmware runtime memory; the memory map does. */
		return err ? err : boot_info_keep_ranges(bi, &platform);
	}
	pr_err("no device tree and no ACPI tables: cannot discover the platform");
	return -E_NODEV;
}

void moat_main(const struct boot_info *bi)
{
	char line[160];
	int err;

	bootprof_mark("discover");
	err = discover(bi);
	if (!err)
		bootprof_enable(&platform);
	bootprof_mark("console");
	if (err || arch_console_init(&platform)) {
		/* Without a console the buffered log cannot be shown; stop cleanly. */
		arch_halt(false);
	}
	arch_platform_init(&platform);
	log_raw("moat: Moat " MOAT_VERSION " (%s, %s boot)\n", arch_name,
		bi->path == BOOT_UEFI ? "uefi" : "direct");
	if (platform_summary(&platform, line, sizeof(line)) < 0)
		panic("platform summary does not fit");
	log_raw("moat: platform: %s\n", line);
	bootprof_mark("memory");
	if (mem_init(bi))
		arch_halt(false);
	log_emit(LOG_INFO, "mem", "%lluMiB free for the hypervisor in %u region(s)",
		 (unsigned long long)(frame_free_count(&frames) >> (20 - PAGE_SHIFT)),
		 frames.nregions);
	bootprof_mark("crypto-selftest");
	if (crypto_init())
		arch_halt(false);
	struct moat_ctx ctx = { .bi = bi, .plat = &platform, .frames = &frames };
	if (moat_units_run(&ctx))
		arch_halt(false);
	log_raw("moat: demo complete, powering off\n");
	moat_power_off();
}
