/* SPDX-License-Identifier: MIT */
/*
 * Private to the page-table library: one descriptor codec per format. Levels are numbered
 * from the leaf: level 0 entries map 4 KiB, level 1 2 MiB, level 2 1 GiB, ...; each level
 * indexes 9 bits of the input address starting at bit 12 + 9 * level.
 */
#ifndef IOMMU_PT_FMT_H
#define IOMMU_PT_FMT_H

#include "lib/pt.h"

#define PT_ENTRIES 512
#define PT_MAX_LEVELS 6

static inline unsigned pt_level_shift(unsigned lvl)
{
	return 12 + 9 * lvl;
}

static inline u64 pt_level_size(unsigned lvl)
{
	return 1ULL << pt_level_shift(lvl);
}

enum pt_desc_kind {
	PT_DESC_NONE,
	PT_DESC_TABLE,
	PT_DESC_LEAF,
	PT_DESC_BAD
};

/* A decoded descriptor. */
struct pt_desc {
	enum pt_desc_kind kind;
	u64 addr;	   /* table: next table; leaf: output base of the leaf */
	u32 prot;	   /* leaf: permissions; table: limit applied to everything below */
	unsigned next_lvl; /* table: level of the table it points to (AMD-Vi may skip) */
	u64 leaf_size;	   /* leaf: bytes mapped (AMD-Vi next-level 7 may differ from the level) */
};

struct pt_fmt {
	enum pt_format fmt;
	const char *name;
	u32 prot_mask;
	u8 leaf_levels; /* bit n: level n may hold a leaf */
	unsigned max_oas;
	/* levels and root entries for an input size; -E_INVAL if the size is not supported */
	int (*geometry)(unsigned ias, unsigned *levels, unsigned *root_entries);
	u64 (*mk_table)(u64 table_pa, unsigned lvl); /* lvl: level of the table pointed to */
	u64 (*mk_leaf)(u64 out, u32 prot, unsigned lvl);
	void (*decode)(u64 e, unsigned lvl, struct pt_desc *d);
};

const struct pt_fmt *pt_fmt_get(enum pt_format fmt);

#endif
