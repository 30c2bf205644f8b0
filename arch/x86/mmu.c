// SPDX-License-Identifier: MIT
/*
 * Moat's own x86_64 page tables (Intel SDM vol. 3A 4.5, 4-level paging, identity map). The
 * image is mapped W^X: text RX, rodata RO+NX, data and bss RW+NX (CR0.WP makes RO binding at
 * CPL0). RAM and devices are mapped on request with 2 MiB pages where alignment allows;
 * devices are uncached (PCD|PWT).
 */
#include <arch/mm.h>

#include "arch/x86/x86.h"
#include "lib/bits.h"
#include "lib/err.h"

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
#define PTE_ADDR GENMASK(51, 12)

enum x86_prot {
	X86_RX,
	X86_RO,
	X86_RW,
	X86_DEV
};

#define POOL_PAGES 96

static u64 pool[POOL_PAGES][512] __aligned(4096);
static unsigned pool_used;
static u64 *pml4;

extern char __text_start[], __text_end[], __rodata_end[], __image_end[];

static u64 *mmu_new_table(void)
{
	u64 *t;

	if (pool_used >= POOL_PAGES)
		return NULL;
	t = pool[pool_used++];
	for (unsigned i = 0; i < 512; i++)
		t[i] = 0;
	return t;
}

static u64 prot_bits(enum x86_prot prot)
{
	switch (prot) {
	case X86_RX: return PTE_P;
	case X86_RO: return PTE_P | PTE_NX;
	case X86_RW: return PTE_P | PTE_W | PTE_NX;
	default: return PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT;
	}
}

static unsigned level_shift(unsigned level)
{
	return 39 - 9 * level;
}

static int mmu_map_level(u64 *table, unsigned level, u64 va, u64 end, u64 attrs)
{
	u64 block = 1ULL << level_shift(level);

	while (va < end) {
		u64 *e = &table[(va >> level_shift(level)) & 511];
		u64 next = (va | (block - 1)) + 1;
		u64 chunk_end = next < end && next ? next : end;
		bool whole = IS_ALIGNED(va, block) && chunk_end - va == block;

		if (!(*e & PTE_P)) {
			if (level == 3 || (level == 2 && whole)) {
				*e = va | attrs | (level == 2 ? PTE_PS : 0);
				va = chunk_end;
				continue;
			}
			u64 *t = mmu_new_table();
			if (!t)
				return -E_NOMEM;
			/* Intermediate entries grant everything; leaves restrict. */
			*e = (u64)(uintptr_t)t | PTE_P | PTE_W;
		}
		if (level < 3 && !(*e & PTE_PS)) {
			int err = mmu_map_level((u64 *)(uintptr_t)(*e & PTE_ADDR), level + 1, va,
						chunk_end, attrs);
			if (err)
				return err;
		}
		/* A present large page or leaf: already mapped, left as it is. */
		va = chunk_end;
	}
	return 0;
}

static void mmu_flush(void)
{
	u64 cr3;

	__asm__ volatile("mov %%cr3, %0\n mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static int mmu_map(paddr_t base, u64 size, enum x86_prot prot)
{
	u64 start = ALIGN_DOWN(base.v, PAGE_SIZE), end;
	int err;

	if (add_overflow(base.v, size, &end) || add_overflow(end, PAGE_SIZE - 1, &end) ||
	    end > (1ULL << 47))
		return -E_RANGE;
	end = ALIGN_DOWN(end, PAGE_SIZE);
	err = mmu_map_level(pml4, 0, start, end, prot_bits(prot));
	mmu_flush();
	return err;
}

void *arch_map_device(paddr_t base, u64 size)
{
	return mmu_map(base, size, X86_DEV) ? NULL : phys_to_virt(base);
}

int arch_map_ram(paddr_t base, u64 size)
{
	return mmu_map(base, size, X86_RW);
}

const void *arch_map_firmware(paddr_t base, u64 size)
{
	return mmu_map(base, size, X86_RO) ? NULL : phys_to_virt(base);
}

/* Builds the tables for the image and switches CR3 to them (the firmware's or head.S's go). */
int x86_mmu_init(void)
{
	u64 text = (u64)(uintptr_t)__text_start, text_end = (u64)(uintptr_t)__text_end;
	u64 ro_end = (u64)(uintptr_t)__rodata_end, end = (u64)(uintptr_t)__image_end;
	int err;

	pml4 = mmu_new_table();
	if ((err = mmu_map_level(pml4, 0, text, text_end, prot_bits(X86_RX))) ||
	    (err = mmu_map_level(pml4, 0, text_end, ro_end, prot_bits(X86_RO))) ||
	    (err = mmu_map_level(pml4, 0, ro_end, end, prot_bits(X86_RW))))
		return err;
	__asm__ volatile("mov %0, %%cr3" : : "r"((u64)(uintptr_t)pml4) : "memory");
	return 0;
}
