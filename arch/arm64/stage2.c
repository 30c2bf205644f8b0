// SPDX-License-Identifier: MIT
/*
 * Stage-2 translation tables (Arm ARM D8.3, stage 2 descriptors; VTCR_EL2 D19.2.157).
 * RAM is mapped with 2 MiB level-2 blocks where alignment allows, else 4 KiB pages.
 */
#include "arch/arm64/stage2.h"

#include <arch/mm.h>
#include <string.h>

#include "arch/arm64/sysreg.h"
#include "lib/bits.h"
#include "lib/err.h"

#define S2_VALID	     BIT(0)
#define S2_TABLE	     BIT(1)	   /* table at levels 1-2, page at level 3 */
#define S2_MEMATTR_NORMAL_WB (0xfULL << 2) /* MemAttr[3:0] = 0b1111 */
#define S2_AP_RW	     (3ULL << 6)
#define S2_SH_INNER	     (3ULL << 8)
#define S2_AF		     BIT(10)
#define S2_ADDR		     GENMASK(47, 12)
#define S2_RAM		     (S2_MEMATTR_NORMAL_WB | S2_AP_RW | S2_SH_INNER | S2_AF)

/* VTCR_EL2: T0SZ=25 (39 bits), SL0=1 (start at level 1), WBWA, inner shareable, 4K, VS=16. */
#define VTCR_T0SZ	(64 - S2_IPA_BITS)
#define VTCR_SL0_L1	(1ULL << 6)
#define VTCR_IRGN0_WBWA (1ULL << 8)
#define VTCR_ORGN0_WBWA (1ULL << 10)
#define VTCR_SH0_INNER	(3ULL << 12)
#define VTCR_PS_SHIFT	16
#define VTCR_VS		BIT(19)
#define VTCR_RES1	BIT(31)

u64 s2_vtcr(void)
{
	u64 parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	return VTCR_RES1 | VTCR_VS | (MIN(parange, 5ULL) << VTCR_PS_SHIFT) | VTCR_SH0_INNER |
	       VTCR_ORGN0_WBWA | VTCR_IRGN0_WBWA | VTCR_SL0_L1 | VTCR_T0SZ;
}

static int s2_table_new(struct frame_alloc *fa, paddr_t *out)
{
	int err = frame_alloc_one(fa, out);

	if (!err)
		memset(phys_to_virt(*out), 0, PAGE_SIZE);
	return err;
}

int s2_create(struct frame_alloc *fa, paddr_t *root)
{
	return s2_table_new(fa, root);
}

static int s2_next(struct frame_alloc *fa, u64 *e, u64 **next)
{
	paddr_t t;
	int err;

	if (!(*e & S2_VALID)) {
		if ((err = s2_table_new(fa, &t)))
			return err;
		dsb(ishst);
		*e = t.v | S2_TABLE | S2_VALID;
	} else if (!(*e & S2_TABLE)) {
		return -E_EXIST; /* a block is already there */
	}
	*next = phys_to_virt(pa(*e & S2_ADDR));
	return 0;
}

static int s2_map_one(struct frame_alloc *fa, u64 *root, u64 g, u64 hpa, bool block)
{
	u64 *l2, *l3, *e;
	int err;

	if ((err = s2_next(fa, &root[(g >> 30) & 511], &l2)))
		return err;
	e = &l2[(g >> 21) & 511];
	if (block) {
		if (*e & S2_VALID)
			return -E_EXIST;
		*e = hpa | S2_RAM | S2_VALID;
		return 0;
	}
	if ((err = s2_next(fa, e, &l3)))
		return err;
	e = &l3[(g >> 12) & 511];
	if (*e & S2_VALID)
		return -E_EXIST;
	*e = hpa | S2_RAM | S2_TABLE | S2_VALID;
	return 0;
}

int s2_map_ram(struct frame_alloc *fa, paddr_t root, gpa_t g, paddr_t hpa, u64 size)
{
	u64 end, off = 0;
	int err;

	if (!IS_ALIGNED(g.v | hpa.v | size, PAGE_SIZE) || add_overflow(g.v, size, &end) ||
	    end > (1ULL << S2_IPA_BITS))
		return -E_RANGE;
	while (off < size) {
		bool block = IS_ALIGNED(g.v + off, 2ULL << 20) &&
			     IS_ALIGNED(hpa.v + off, 2ULL << 20) && size - off >= (2ULL << 20);

		err = s2_map_one(fa, phys_to_virt(root), g.v + off, hpa.v + off, block);
		if (err)
			return err; /* the VM is not started: its tables are dropped with it */
		off += block ? (2ULL << 20) : PAGE_SIZE;
	}
	dsb(ishst);
	return 0;
}
