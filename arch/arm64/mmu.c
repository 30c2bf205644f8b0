// SPDX-License-Identifier: MIT
/*
 * EL2 stage-1 translation (VMSAv8-64, 4 KiB granule, 48-bit VA, identity map) on the shared
 * page-table library, format PT_ARM_EL2 (the single-privilege EL2 regime). The image is
 * mapped W^X: text RX, rodata RO, data and bss RW; SCTLR_EL2.WXN backs this up in hardware.
 * A request never changes what is already mapped (pt_map_unmapped), so mapping all of RAM
 * later keeps the image's rights. The first call runs with the MMU off: lib/pt calls no C
 * library function (DC ZVA faults on Device memory) and the tables come from a static pool.
 */
#include "arch/arm64/mmu.h"

#include <arch/mm.h>

#include "arch/arm64/sysreg.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/pt.h"

/* TCR_EL2 (E2H=0 format): WBWA inner/outer, inner shareable, 4 KiB granule. */
#define TCR_IRGN0_WBWA (1ULL << 8)
#define TCR_ORGN0_WBWA (1ULL << 10)
#define TCR_SH0_INNER (3ULL << 12)
#define TCR_PS_SHIFT 16
#define TCR_EL2_RES1 (BIT(31) | BIT(23))

#define VA_BITS 48
#define POOL_PAGES 48

/* Not in the zeroed bss (linker/arm64.ld): lib/pt zeroes each table it takes from the pool. */
static u64 pool_frames[POOL_PAGES][512] __aligned(4096) __attribute__((section(".bss.noinit")));
static struct pt_pool pool;
static struct pt el2_pt;

extern char __text_start[], __text_end[], __rodata_end[], __image_end[];

static u32 prot_of(enum mmu_prot prot)
{
	switch (prot) {
	case MMU_RX: return PT_PROT_R | PT_PROT_X;
	case MMU_RO: return PT_PROT_R;
	case MMU_RW: return PT_PROT_R | PT_PROT_W;
	default: return PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE;
	}
}

/* New entries only, but the old mapper's rule stays: complete before the caller goes on. */
static void mmu_flush(struct pt_gather *g, struct pt *pt)
{
	(void)g, (void)pt;
	dsb(ishst);
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
}

/*
 * What mmu_map() has mapped so far, whole (nothing at EL2 is ever unmapped), contiguous
 * requests merged: the image's three, the DTB, devices. A later request skips these instead
 * of having pt_map_unmapped() find their pages one leaf at a time (mapping RAM over the image
 * and the DTB was 0.33 M instructions of the boot, issue 21). Full: requests are not skipped.
 */
#define MAPPED_MAX 16

static struct {
	u64 start, end;
} mapped[MAPPED_MAX];
static unsigned nmapped;

static void mmu_mapped_add(u64 start, u64 end)
{
	if (nmapped && mapped[nmapped - 1].end == start)
		mapped[nmapped - 1].end = end;
	else if (nmapped < MAPPED_MAX)
		mapped[nmapped++] = (typeof(mapped[0])){ start, end };
}

/* The lowest range already mapped that meets [a, end); false for none. */
static bool mmu_mapped_next(u64 a, u64 end, u64 *s, u64 *e)
{
	bool found = false;

	for (unsigned i = 0; i < nmapped; i++)
		if (mapped[i].start < end && a < mapped[i].end &&
		    (!found || mapped[i].start < *s)) {
			*s = mapped[i].start;
			*e = mapped[i].end;
			found = true;
		}
	return found;
}

int mmu_map(paddr_t base, u64 size, enum mmu_prot prot)
{
	u64 start = ALIGN_DOWN(base.v, PAGE_SIZE), end, a, s = 0, e = 0;
	struct pt_gather g;
	int err = 0;

	if (add_overflow(base.v, size, &end) || add_overflow(end, PAGE_SIZE - 1, &end) ||
	    end > (1ULL << VA_BITS))
		return -E_RANGE;
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (end == start)
		return 0;
	pt_gather_init(&g, mmu_flush);
	for (a = start; !err && a < end; a = MIN(e, end)) {
		if (!mmu_mapped_next(a, end, &s, &e))
			s = e = end;
		if (s > a)
			err = pt_map_unmapped(&el2_pt, a, pa(a), s - a, prot_of(prot), &g);
	}
	pt_gather_sync(&g, &el2_pt);
	if (!err)
		mmu_mapped_add(start, end);
	return err;
}

void *arch_map_device(paddr_t base, u64 size)
{
	return mmu_map(base, size, MMU_DEVICE) ? NULL : phys_to_virt(base);
}

const void *arch_map_firmware(paddr_t base, u64 size)
{
	return mmu_map(base, size, MMU_RO) ? NULL : phys_to_virt(base);
}

int arch_map_ram(paddr_t base, u64 size)
{
	return mmu_map(base, size, MMU_RW);
}

static u64 tcr_ps(void)
{
	u64 parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	/* 48 bits is the most a 4-level, 4 KiB-granule table translates. */
	return MIN(parange, 5ULL) << TCR_PS_SHIFT;
}

int mmu_early_init(paddr_t image, paddr_t dtb, u64 dtb_size)
{
	u64 text = (u64)(uintptr_t)__text_start, text_end = (u64)(uintptr_t)__text_end;
	u64 ro_end = (u64)(uintptr_t)__rodata_end, end = (u64)(uintptr_t)__image_end;
	struct pt_config cfg = { .fmt = PT_ARM_EL2, .ias = VA_BITS, .oas = 48, .no_merge = true };
	struct pt_hw_desc d;
	int err;

	(void)image;
	pt_pool_init(&pool, pool_frames, POOL_PAGES);
	cfg.alloc = &pool.a;
	if ((err = pt_init(&el2_pt, &cfg)) || (err = mmu_map(pa(text), text_end - text, MMU_RX)) ||
	    (err = mmu_map(pa(text_end), ro_end - text_end, MMU_RO)) ||
	    (err = mmu_map(pa(ro_end), end - ro_end, MMU_RW)) ||
	    (err = mmu_map(dtb, dtb_size, MMU_RO)))
		return err;
	pt_hw_describe(&el2_pt, &d);

	/*
	 * Data, bss, stack and tables were written with the MMU off: drop stale cached copies,
	 * by the smallest data cache line (CTR_EL0.DminLine), four lines a turn when they tile
	 * the page-aligned range (they do on every line size up to 1 KiB).
	 */
	u64 line = 4ULL << ((read_sysreg(ctr_el0) >> 16) & 0xf), l = ro_end;

	if ((end - ro_end) % (4 * line) == 0)
		for (; l < end; l += 4 * line)
			__asm__ volatile("dc ivac, %0\n dc ivac, %1\n dc ivac, %2\n dc ivac, %3"
					 :
					 : "r"(l), "r"(l + line), "r"(l + 2 * line),
					   "r"(l + 3 * line)
					 : "memory");
	for (; l < end; l += line)
		__asm__ volatile("dc ivac, %0" : : "r"(l) : "memory");
	dsb(sy);
	write_sysreg(mair_el2, PT_ARM_S1_MAIR);
	write_sysreg(tcr_el2, TCR_EL2_RES1 | (u64)d.arm_t0sz | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
				      TCR_SH0_INNER | tcr_ps());
	write_sysreg(ttbr0_el2, d.root.v);
	isb();
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
	write_sysreg(sctlr_el2,
		     SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN);
	isb();
	return 0;
}
