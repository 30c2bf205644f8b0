// SPDX-License-Identifier: MIT
/* arm64 direct boot: from head.S (MMU off, at EL2) to moat_main() with the MMU on. */
#define LOG_COMPONENT "arch"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "arch/arm64/mmu.h"
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "core/boot_info.h"
#include "core/log.h"
#include "lib/bits.h"

#include <libfdt.h>

const char arch_name[] = "arm64";

extern char __text_start[], __image_end[];
extern uintptr_t __stack_chk_guard;

/* Linux arm64 boot protocol: the DTB is 8-byte aligned and at most 2 MiB. */
#define DTB_MAX_SIZE (2ULL << 20)
#define DTB_MAGIC_EARLY 0xd00dfeedU

__noreturn void arm64_entry(u64 dtb, u64 load_base);

static u64 dtb_size_early(u64 dtb)
{
	const volatile u32 *h = (const volatile u32 *)(uintptr_t)dtb;
	u64 size;

	if (!dtb || !IS_ALIGNED(dtb, 8) || be32_to_cpu(h[0]) != DTB_MAGIC_EARLY)
		return 0;
	size = be32_to_cpu(h[1]);
	return MIN(size, DTB_MAX_SIZE);
}

/*
 * The VM configuration on direct boot: QEMU's -initrd, named in /chosen by linux,initrd-start
 * and linux,initrd-end (DT spec 3.5). The range is kept out of the frame allocator.
 */
static void arm64_find_config(const void *fdt, struct boot_info *bi)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), ls, le;
	const u8 *s, *e;
	u64 start, end;

	if (chosen < 0)
		return;
	s = fdt_getprop(fdt, chosen, "linux,initrd-start", &ls);
	e = fdt_getprop(fdt, chosen, "linux,initrd-end", &le);
	if (!s || !e || (ls != 4 && ls != 8) || ls != le)
		return;
	start = ls == 8 ? (u64)get_be32(s) << 32 | get_be32(s + 4) : get_be32(s);
	end = le == 8 ? (u64)get_be32(e) << 32 | get_be32(e + 4) : get_be32(e);
	if (end <= start)
		return;
	bi->config = pa(start);
	bi->config_size = end - start;
	bi->extra_rsv[bi->nextra_rsv++] = (struct pa_range){ bi->config, bi->config_size };
}

/* First C code after the MMU is on; separate so nothing here runs with the MMU off. */
static __attribute__((noinline)) __noreturn void arm64_start(u64 dtb, u64 dsz)
{
	struct boot_info bi = { 0 };

	bi.path = BOOT_DIRECT;
	bi.image_base = pa((u64)(uintptr_t)__text_start);
	bi.image_size = (u64)(uintptr_t)(__image_end - __text_start);
	bi.fdt = dsz ? pa(dtb) : pa(0);
	bi.fdt_size = dsz;
	if (dsz && !fdt_check_header((void *)(uintptr_t)dtb) && fdt_totalsize((void *)(uintptr_t)dtb) <= dsz)
		arm64_find_config((const void *)(uintptr_t)dtb, &bi);
	moat_main(&bi);
}

__attribute__((no_stack_protector)) void arm64_entry(u64 dtb, u64 load_base)
{
	u64 dsz = dtb_size_early(dtb);

	/* A per-boot canary for -fstack-protector (ours and libfdt's). */
	__stack_chk_guard ^= read_sysreg(cntpct_el0) * 0x9e3779b97f4a7c15ULL;
	if (mmu_early_init(pa(load_base), pa(dtb), dsz ? dsz : PAGE_SIZE))
		arch_halt(false);
	arm64_start(dtb, dsz);
}

void arch_platform_init(const struct platform *p)
{
	(void)p;
}

void arch_selftest(const char *name)
{
	extern char __text_start[];

	if (!__builtin_strcmp(name, "fault")) {
		/* An address no RAM or device is mapped at. */
		(void)mmio_read32((void *)(uintptr_t)0x0000fffff0000000ULL);
	} else if (!__builtin_strcmp(name, "wx")) {
		/* W^X: writing the image's own text must fault. */
		*(volatile u32 *)(void *)__text_start = 0;
	}
}
