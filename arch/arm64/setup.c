// SPDX-License-Identifier: MIT
/* arm64 direct boot: from head.S (MMU off, at EL2) to moat_main() with the MMU on. */
#define LOG_COMPONENT "arch"
#include <arch/cpu.h>
#include <arch/mm.h>
#include <arch/mmio.h>

#include "arch/arm64/gic.h"
#include "arch/arm64/mmu.h"
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "core/boot_info.h"
#include "core/bootprof.h"
#include "core/dt_check.h"
#include "core/dt_index.h"
#include "core/log.h"
#include "lib/bits.h"

#include <libfdt.h>
#include <string.h>

const char arch_name[] = "arm64";

extern char __text_start[], __image_end[];
extern uintptr_t __stack_chk_guard;

/* Linux arm64 boot protocol: the DTB is 8-byte aligned and at most 2 MiB. */
#define DTB_MAX_SIZE (2ULL << 20)
#define DTB_MAGIC_EARLY 0xd00dfeedU

__noreturn void arm64_entry(u64 dtb, u64 load_base, u64 entry_count);

static u64 dtb_size_early(u64 dtb)
{
	const volatile u32 *h = (const volatile u32 *)(uintptr_t)dtb;
	u64 size;

	if (!dtb || !IS_ALIGNED(dtb, 8) || be32_to_cpu(h[0]) != DTB_MAGIC_EARLY)
		return 0;
	size = be32_to_cpu(h[1]);
	return MIN(size, DTB_MAX_SIZE);
}

static struct boot_info direct_bi;
static u64 boot_entry_count; /* CNTPCT_EL0 at head.S's first instruction */

/*
 * The VM configuration on direct boot: QEMU's -initrd, named in /chosen by linux,initrd-start
 * and linux,initrd-end (DT spec 3.5). moat_main() keeps the range out of the frame allocator.
 * /chosen is found through the DT index (its walk checks every length itself; discovery
 * checks the whole blob and indexes it again): libfdt's path walk passes every node before
 * it, 0.15 M instructions on QEMU's virt tree (issue 21).
 */
static void arm64_find_config(const void *fdt, struct boot_info *bi)
{
	int chosen, ls, le;
	const char *why;
	const u8 *s, *e;
	u64 start, end;

	dt_index_build(fdt);
	if (!dt_indexed(fdt) && dt_check_blob(fdt, bi->fdt_size, &why))
		return; /* libfdt only on a checked blob; discovery reports why */
	chosen = dt_path_offset(fdt, "/chosen", (int)strlen("/chosen"));
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
}

/* First C code after the MMU is on; separate so nothing here runs with the MMU off. */
static __attribute__((noinline)) __noreturn void arm64_start(struct boot_info *bi)
{
	const void *fdt = phys_to_virt(bi->fdt);
	u64 freq = read_sysreg(cntfrq_el0), c = boot_entry_count;

	if (freq) /* as arch_time_ns() converts */
		bootprof_mark_at("entry",
				 c / freq * 1000000000ULL + c % freq * 1000000000ULL / freq);
	bi->image_base = pa((u64)(uintptr_t)__text_start);
	bi->image_size = (u64)(uintptr_t)(__image_end - __text_start);
	if (bi->path == BOOT_DIRECT && bi->fdt.v && !fdt_check_header(fdt) &&
	    fdt_totalsize(fdt) <= bi->fdt_size)
		arm64_find_config(fdt, bi);
	moat_main(bi);
}

__attribute__((no_stack_protector)) void arm64_entry(u64 dtb, u64 load_base, u64 entry_count)
{
	boot_entry_count = entry_count;
	u64 dsz = dtb_size_early(dtb);

	/* A per-boot canary for -fstack-protector (ours and libfdt's). */
	__stack_chk_guard ^= read_sysreg(cntpct_el0) * 0x9e3779b97f4a7c15ULL;
	if (mmu_early_init(pa(load_base), pa(dtb), dsz ? dsz : PAGE_SIZE))
		arch_halt(false);
	direct_bi.path = BOOT_DIRECT;
	direct_bi.fdt = dsz ? pa(dtb) : pa(0);
	direct_bi.fdt_size = dsz;
	arm64_start(&direct_bi);
}

/*
 * The UEFI path (boot/efi_arm64_entry.S) arrives here at EL2 with the MMU and caches off and
 * the image already relocated by GNU-EFI's crt0; from here on it is the direct path.
 */
__attribute__((no_stack_protector)) __noreturn void arm64_boot(struct boot_info *bi);

void arm64_boot(struct boot_info *bi)
{
	extern char arm64_vectors[];
	u64 base = (u64)(uintptr_t)__text_start;

	write_sysreg(vbar_el2, (u64)(uintptr_t)arm64_vectors);
	isb();
	__stack_chk_guard ^= read_sysreg(cntpct_el0) * 0x9e3779b97f4a7c15ULL;
	if (mmu_early_init(pa(base), bi->fdt, bi->fdt.v ? bi->fdt_size : PAGE_SIZE))
		arch_halt(false);
	arm64_start(bi);
}

void arch_platform_init(const struct platform *p)
{
	/* The distributor first: drivers probed next route their SPIs through it (core/irq.h). */
	if (p->gic_version == 3 && gic_init(p))
		pr_warn("GICv3 distributor not initialised: device interrupts unavailable");
}
