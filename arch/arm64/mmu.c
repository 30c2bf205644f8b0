// SPDX-License-Identifier: MIT
/*
 * EL2 stage-1 translation (VMSAv8-64, 4 KiB granule, 48-bit VA, identity map). The image is
 * mapped W^X: text RX, rodata RO, data and bss RW; SCTLR_EL2.WXN backs this up in hardware.
 * This runs once with the MMU off, so it uses no libc (DC ZVA faults on Device memory).
 */
#include "arch/arm64/mmu.h"

#include <arch/mm.h>

#include "arch/arm64/sysreg.h"
#include "lib/bits.h"
#include "lib/err.h"

/* Stage-1 descriptor fields (D8.3) */
#define PTE_VALID BIT(0)
#define PTE_TABLE BIT(1) /* at levels 0-2: table; at level 3: page */
#define PTE_ATTRIDX(i) ((u64)(i) << 2)
#define PTE_AP_RO BIT(7)
#define PTE_SH_INNER (3ULL << 8)
#define PTE_AF BIT(10)
#define PTE_XN BIT(54)
#define PTE_ADDR GENMASK(47, 12)

/* MAIR_EL2 attribute indices */
#define MAIR_DEVICE_nGnRE 0
#define MAIR_NORMAL_WB 1
#define MAIR_VALUE (0x04ULL << (8 * MAIR_DEVICE_nGnRE) | 0xffULL << (8 * MAIR_NORMAL_WB))

/* TCR_EL2 (E2H=0 format): T0SZ=16, WBWA inner/outer, inner shareable, 4 KiB granule. */
#define TCR_T0SZ(n) ((u64)(n))
#define TCR_IRGN0_WBWA (1ULL << 8)
#define TCR_ORGN0_WBWA (1ULL << 10)
#define TCR_SH0_INNER (3ULL << 12)
#define TCR_PS_SHIFT 16
#define TCR_EL2_RES1 (BIT(31) | BIT(23))

#define EARLY_POOL_PAGES 48

static u64 early_pool[EARLY_POOL_PAGES][512] __aligned(4096);
static unsigned early_used;
static u64 *root_table;
static int (*table_alloc)(paddr_t *out);

extern char __text_start[], __text_end[], __rodata_end[], __image_end[];

void mmu_set_table_alloc(int (*alloc)(paddr_t *out))
{
	table_alloc = alloc;
}

/* volatile: keeps the compiler from turning this into a memset call (see the header). */
static void zero_page(u64 *p)
{
	volatile u64 *v = p;

	for (unsigned i = 0; i < 512; i++)
		v[i] = 0;
}

static u64 *mmu_new_table(void)
{
	paddr_t p;
	u64 *t;

	if (early_used < EARLY_POOL_PAGES) {
		t = early_pool[early_used++];
	} else {
		if (!table_alloc || table_alloc(&p))
			return NULL;
		t = phys_to_virt(p);
	}
	zero_page(t);
	return t;
}

static u64 prot_bits(enum mmu_prot prot)
{
	switch (prot) {
	case MMU_RX: return PTE_ATTRIDX(MAIR_NORMAL_WB) | PTE_SH_INNER | PTE_AP_RO;
	case MMU_RO: return PTE_ATTRIDX(MAIR_NORMAL_WB) | PTE_SH_INNER | PTE_AP_RO | PTE_XN;
	case MMU_RW: return PTE_ATTRIDX(MAIR_NORMAL_WB) | PTE_SH_INNER | PTE_XN;
	default: return PTE_ATTRIDX(MAIR_DEVICE_nGnRE) | PTE_XN;
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

		if (!(*e & PTE_VALID)) {
			if (level == 3 || (level >= 1 && whole)) {
				*e = va | attrs | PTE_AF | PTE_VALID | (level == 3 ? PTE_TABLE : 0);
				va = chunk_end;
				continue;
			}
			u64 *t = mmu_new_table();
			if (!t)
				return -E_NOMEM;
			dsb(ishst);
			*e = (u64)(uintptr_t)t | PTE_TABLE | PTE_VALID;
		}
		if (level < 3 && (*e & PTE_TABLE)) {
			int err = mmu_map_level(phys_to_virt(pa(*e & PTE_ADDR)), level + 1, va,
						chunk_end, attrs);
			if (err)
				return err;
		}
		/* A valid block or page: already mapped, left as it is. */
		va = chunk_end;
	}
	return 0;
}

int mmu_map(paddr_t base, u64 size, enum mmu_prot prot)
{
	u64 start = ALIGN_DOWN(base.v, PAGE_SIZE), end;
	int err;

	if (add_overflow(base.v, size, &end) || add_overflow(end, PAGE_SIZE - 1, &end) ||
	    end > (1ULL << 48))
		return -E_RANGE;
	end = ALIGN_DOWN(end, PAGE_SIZE);
	err = mmu_map_level(root_table, 0, start, end, prot_bits(prot));
	dsb(ishst);
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
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
	int err;

	(void)image;
	root_table = mmu_new_table();
	if ((err = mmu_map(pa(text), text_end - text, MMU_RX)) ||
	    (err = mmu_map(pa(text_end), ro_end - text_end, MMU_RO)) ||
	    (err = mmu_map(pa(ro_end), end - ro_end, MMU_RW)) ||
	    (err = mmu_map(dtb, dtb_size, MMU_RO)))
		return err;

	/* Data, bss, stack and tables were written with the MMU off: drop stale cached copies. */
	for (u64 l = ALIGN_DOWN(ro_end, 64); l < end; l += 64)
		__asm__ volatile("dc ivac, %0" : : "r"(l) : "memory");
	dsb(sy);
	write_sysreg(mair_el2, MAIR_VALUE);
	write_sysreg(tcr_el2, TCR_EL2_RES1 | TCR_T0SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
				      TCR_SH0_INNER | tcr_ps());
	write_sysreg(ttbr0_el2, (u64)(uintptr_t)root_table);
	isb();
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
	write_sysreg(sctlr_el2,
		     SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN);
	isb();
	return 0;
}
