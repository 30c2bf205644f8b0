// SPDX-License-Identifier: MIT
/*
 * Moat's own x86_64 page tables (Intel SDM vol. 3A 4.5, 4-level paging, identity map) on the
 * shared page-table library, format PT_X86_64. The image is mapped W^X: text RX, rodata
 * RO+NX, data and bss RW+NX (CR0.WP makes RO binding at CPL0). RAM and devices are mapped on
 * request with 2 MiB pages where alignment allows (no 1 GiB pages: not every CPU has them);
 * devices are uncached (PCD|PWT). A request never changes what is already mapped
 * (pt_map_unmapped), so mapping all of RAM keeps the image's rights.
 */
#include <arch/mm.h>

#include "arch/x86/x86.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/pt.h"

#define VA_BITS 48 /* 4-level paging; the library takes the lower canonical half */
#define POOL_PAGES 96

static u64 pool_frames[POOL_PAGES][512] __aligned(4096);
static struct pt_pool pool;
static struct pt moat_pt;

extern char __text_start[], __text_end[], __rodata_end[], __image_end[];

#define PROT_RX (PT_PROT_R | PT_PROT_X)
#define PROT_RO PT_PROT_R
#define PROT_RW (PT_PROT_R | PT_PROT_W)
#define PROT_DEV (PT_PROT_R | PT_PROT_W | PT_PROT_DEVICE)

/* Reloading CR3 drops every non-global translation (SDM 4.10.4.1); Moat uses none global. */
static void mmu_flush(struct pt_gather *g, struct pt *pt)
{
	u64 cr3;

	(void)g, (void)pt;
	__asm__ volatile("mov %%cr3, %0\n mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static int mmu_map(paddr_t base, u64 size, u32 prot)
{
	u64 start = ALIGN_DOWN(base.v, PAGE_SIZE), end;
	struct pt_gather g;
	int err;

	if (add_overflow(base.v, size, &end) || add_overflow(end, PAGE_SIZE - 1, &end) ||
	    end > (1ULL << (VA_BITS - 1)))
		return -E_RANGE;
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (end == start)
		return 0;
	pt_gather_init(&g, mmu_flush);
	err = pt_map_unmapped(&moat_pt, start, pa(start), end - start, prot, &g);
	pt_gather_sync(&g, &moat_pt);
	return err;
}

void *arch_map_device(paddr_t base, u64 size)
{
	return mmu_map(base, size, PROT_DEV) ? NULL : phys_to_virt(base);
}

int arch_map_ram(paddr_t base, u64 size)
{
	return mmu_map(base, size, PROT_RW);
}

const void *arch_map_firmware(paddr_t base, u64 size)
{
	return mmu_map(base, size, PROT_RO) ? NULL : phys_to_virt(base);
}

/* Builds the tables for the image and switches CR3 to them (the firmware's or head.S's go). */
int x86_mmu_init(void)
{
	u64 text = (u64)(uintptr_t)__text_start, text_end = (u64)(uintptr_t)__text_end;
	u64 ro_end = (u64)(uintptr_t)__rodata_end, end = (u64)(uintptr_t)__image_end;
	struct pt_config cfg = { .fmt = PT_X86_64,
				 .ias = VA_BITS,
				 .oas = 52,
				 .no_merge = true,
				 .max_leaf = PT_SIZE_2M };
	int err;

	pt_pool_init(&pool, pool_frames, POOL_PAGES);
	cfg.alloc = &pool.a;
	if ((err = pt_init(&moat_pt, &cfg)))
		return err;
	/* Not live yet: the first maps need no flush of tables the CPU does not use. */
	if ((err = mmu_map(pa(text), text_end - text, PROT_RX)) ||
	    (err = mmu_map(pa(text_end), ro_end - text_end, PROT_RO)) ||
	    (err = mmu_map(pa(ro_end), end - ro_end, PROT_RW)))
		return err;
	__asm__ volatile("mov %0, %%cr3" : : "r"(moat_pt.root.v) : "memory");
	return 0;
}
