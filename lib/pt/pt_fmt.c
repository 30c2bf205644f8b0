// SPDX-License-Identifier: MIT
/*
 * Descriptor codecs of the page-table formats. Field positions come from:
 *   Arm ARM (DDI 0487) D8.3 "Translation table descriptor formats" (VMSAv8-64, 4 KiB granule);
 *   Intel SDM vol. 3A 4.5 "4-level paging and 5-level paging" (IA-32e);
 *   Intel VT-d spec 9.8 "Second-Stage Paging Entries";
 *   AMD IOMMU spec 2.2.3 "I/O Page Tables for Host Translations" (v1).
 */
#include "lib/pt/pt_fmt.h"

#include "lib/err.h"

#define BIT(n) (1ULL << (n))
#define ADDR_MASK(hi) ((BIT((hi) + 1) - 1) & ~0xfffULL)

/* ---- Arm VMSAv8-64 (D8.3) --------------------------------------------------------------- */

#define ARM_VALID BIT(0)
#define ARM_TABLE BIT(1) /* levels 0..2: table; level 3: page */
#define ARM_ATTRIDX_SHIFT 2
#define ARM_AP_EL0 BIT(6) /* stage 1 AP[1] */
#define ARM_AP_RO BIT(7)  /* stage 1 AP[2] */
#define ARM_S2AP_R BIT(6) /* stage 2 S2AP[0] */
#define ARM_S2AP_W BIT(7) /* stage 2 S2AP[1] */
#define ARM_SH_INNER (3ULL << 8)
#define ARM_AF BIT(10)
#define ARM_PXN BIT(53)
#define ARM_UXN BIT(54) /* also stage-2 XN[1] */
#define ARM_OA_MASK ADDR_MASK(47)
#define ARM_S2_MEMATTR_WB (0xfULL << 2)
#define ARM_S2_MEMATTR_DEV (0x1ULL << 2) /* Device-nGnRE */

static int arm_s1_geometry(unsigned ias, unsigned *levels, unsigned *root_entries)
{
	/* T0SZ 16..39 with a 4 KiB granule: the start level follows from the input size. */
	if (ias < 25 || ias > 48)
		return -E_INVAL;
	*levels = (ias - 12 + 8) / 9;
	*root_entries = 1u << (ias - pt_level_shift(*levels - 1));
	return 0;
}

static int arm_s2_geometry(unsigned ias, unsigned *levels, unsigned *root_entries)
{
	/*
	 * Stage 2 may concatenate up to 16 tables at the initial level (D8.2.5 / VTCR_EL2.SL0):
	 * use the fewest levels whose initial lookup resolves at most 9 + 4 bits.
	 */
	unsigned l;

	if (ias < 32 || ias > 48)
		return -E_INVAL;
	for (l = 2; l <= 4 && ias - pt_level_shift(l - 1) > 13; l++)
		;
	*levels = l;
	*root_entries = 1u << (ias - pt_level_shift(l - 1));
	return 0;
}

static u64 arm_mk_table(u64 pa, unsigned lvl)
{
	return (pa & ARM_OA_MASK) | ARM_TABLE | ARM_VALID;
}

static u64 arm_leaf_common(u64 out, unsigned lvl)
{
	return (out & ARM_OA_MASK) | ARM_AF | ARM_SH_INNER | ARM_VALID | (lvl ? 0 : ARM_TABLE);
}

static u64 arm_s1_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = arm_leaf_common(out, lvl);

	e |= (u64)((prot & PT_PROT_DEVICE) ? 1 : 0) << ARM_ATTRIDX_SHIFT;
	if (!(prot & PT_PROT_W))
		e |= ARM_AP_RO;
	if (prot & PT_PROT_U)
		e |= ARM_AP_EL0;
	/* Executable only at the level the mapping is for: user code is never privileged-exec. */
	if (!(prot & PT_PROT_X) || !(prot & PT_PROT_U))
		e |= ARM_UXN;
	if (!(prot & PT_PROT_X) || (prot & PT_PROT_U))
		e |= ARM_PXN;
	return e;
}

static u64 arm_s2_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = arm_leaf_common(out, lvl);

	e |= (prot & PT_PROT_DEVICE) ? ARM_S2_MEMATTR_DEV : ARM_S2_MEMATTR_WB;
	e |= (prot & PT_PROT_R) ? ARM_S2AP_R : 0;
	e |= (prot & PT_PROT_W) ? ARM_S2AP_W : 0;
	if (!(prot & PT_PROT_X))
		e |= ARM_UXN; /* XN[1:0] = 0b10: not executable at EL1 or EL0 */
	return e;
}

/*
 * EL2 regime with E2H = 0 (D8.4.1, one privilege level): AP[2] alone says read-only, AP[1]
 * is RES1, XN is bit 54 and bit 53 is RES0; nG is RES0 (one VA range).
 */
#define ARM_EL2_AP1_RES1 BIT(6)
#define ARM_EL2_XN BIT(54)

static u64 arm_el2_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = arm_leaf_common(out, lvl) | ARM_EL2_AP1_RES1;

	e |= (u64)((prot & PT_PROT_DEVICE) ? 1 : 0) << ARM_ATTRIDX_SHIFT;
	e |= (prot & PT_PROT_W) ? 0 : ARM_AP_RO;
	e |= (prot & PT_PROT_X) ? 0 : ARM_EL2_XN;
	return e;
}

static bool arm_decode_common(u64 e, unsigned lvl, struct pt_desc *d)
{
	if (!(e & ARM_VALID)) {
		d->kind = PT_DESC_NONE;
		return false;
	}
	if (lvl > 0 && (e & ARM_TABLE)) {
		d->kind = PT_DESC_TABLE;
		d->addr = e & ARM_OA_MASK;
		d->next_lvl = lvl - 1;
		d->prot = ~0u;
		return false;
	}
	/* A block at level 0 of Arm numbering (1 GiB+ above) or a reserved page encoding. */
	if ((lvl == 0 && !(e & ARM_TABLE)) || lvl > 2) {
		d->kind = PT_DESC_BAD;
		return false;
	}
	d->kind = PT_DESC_LEAF;
	d->leaf_size = pt_level_size(lvl);
	d->addr = e & ARM_OA_MASK & ~(d->leaf_size - 1);
	return true;
}

static void arm_s1_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	u32 p = PT_PROT_R;

	if (!arm_decode_common(e, lvl, d))
		return;
	if (!(e & ARM_AP_RO))
		p |= PT_PROT_W;
	if (e & ARM_AP_EL0)
		p |= PT_PROT_U;
	if (((e >> ARM_ATTRIDX_SHIFT) & 7) == 1)
		p |= PT_PROT_DEVICE;
	if ((p & PT_PROT_U) ? !(e & ARM_UXN) : !(e & ARM_PXN))
		p |= PT_PROT_X;
	d->prot = p;
}

static void arm_el2_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	u32 p = PT_PROT_R;

	if (!arm_decode_common(e, lvl, d))
		return;
	p |= (e & ARM_AP_RO) ? 0 : PT_PROT_W;
	p |= (e & ARM_EL2_XN) ? 0 : PT_PROT_X;
	p |= ((e >> ARM_ATTRIDX_SHIFT) & 7) == 1 ? PT_PROT_DEVICE : 0;
	d->prot = p;
}

static void arm_s2_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	u32 p = 0;

	if (!arm_decode_common(e, lvl, d))
		return;
	p |= (e & ARM_S2AP_R) ? PT_PROT_R : 0;
	p |= (e & ARM_S2AP_W) ? PT_PROT_W : 0;
	p |= (e & ARM_UXN) ? 0 : PT_PROT_X;
	p |= ((e >> 2) & 0xf) == 1 ? PT_PROT_DEVICE : 0;
	d->prot = p;
}

/* ---- x86 IA-32e (SDM 4.5) ------------------------------------------------------------------ */

#define X86_P BIT(0)
#define X86_RW BIT(1)
#define X86_US BIT(2)
#define X86_PWT BIT(3)
#define X86_PCD BIT(4)
#define X86_A BIT(5)
#define X86_D BIT(6)
#define X86_PS BIT(7)
#define X86_XD BIT(63)
#define X86_ADDR_MASK ADDR_MASK(51)

static int x86_geometry(unsigned ias, unsigned *levels, unsigned *root_entries)
{
	if (ias != 48 && ias != 57)
		return -E_INVAL;
	*levels = ias == 48 ? 4 : 5;
	*root_entries = PT_ENTRIES;
	return 0;
}

static u64 x86_mk_table(u64 pa, unsigned lvl)
{
	return (pa & X86_ADDR_MASK) | X86_P | X86_RW | X86_US | X86_A;
}

static u64 x86_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = (out & X86_ADDR_MASK) | X86_P | X86_A | X86_D;

	e |= (prot & PT_PROT_W) ? X86_RW : 0;
	e |= (prot & PT_PROT_U) ? X86_US : 0;
	e |= (prot & PT_PROT_X) ? 0 : X86_XD;
	e |= (prot & PT_PROT_DEVICE) ? X86_PCD | X86_PWT : 0;
	e |= lvl ? X86_PS : 0;
	return e;
}

static void x86_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	u32 p = PT_PROT_R;

	if (!(e & X86_P)) {
		d->kind = PT_DESC_NONE;
		return;
	}
	p |= (e & X86_RW) ? PT_PROT_W : 0;
	p |= (e & X86_US) ? PT_PROT_U : 0;
	p |= (e & X86_XD) ? 0 : PT_PROT_X;
	if (lvl > 0 && !(e & X86_PS)) {
		d->kind = PT_DESC_TABLE;
		d->addr = e & X86_ADDR_MASK;
		d->next_lvl = lvl - 1;
		d->prot = p | PT_PROT_DEVICE;
		return;
	}
	if (lvl > 2) { /* PS in a PML4E/PML5E is reserved */
		d->kind = PT_DESC_BAD;
		return;
	}
	d->kind = PT_DESC_LEAF;
	d->leaf_size = pt_level_size(lvl);
	d->addr = e & X86_ADDR_MASK & ~(d->leaf_size - 1);
	p |= (e & X86_PCD) ? PT_PROT_DEVICE : 0;
	d->prot = p;
}

/* ---- VT-d second stage (VT-d 9.8) ---------------------------------------------------------- */

#define VTD_R BIT(0)
#define VTD_W BIT(1)
#define VTD_X BIT(2)
#define VTD_EMT_SHIFT 3
#define VTD_EMT_UC 0ULL
#define VTD_EMT_WB 6ULL
#define VTD_PS BIT(7)
#define VTD_ADDR_MASK ADDR_MASK(51)

static int vtd_ss_geometry(unsigned ias, unsigned *levels, unsigned *root_entries)
{
	if (ias != 39 && ias != 48 && ias != 57)
		return -E_INVAL;
	*levels = (ias - 12) / 9;
	*root_entries = PT_ENTRIES;
	return 0;
}

static u64 vtd_mk_table(u64 pa, unsigned lvl)
{
	return (pa & VTD_ADDR_MASK) | VTD_R | VTD_W | VTD_X;
}

static u64 vtd_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = (out & VTD_ADDR_MASK) | VTD_R;

	e |= (prot & PT_PROT_W) ? VTD_W : 0;
	e |= (prot & PT_PROT_X) ? VTD_X : 0;
	e |= ((prot & PT_PROT_DEVICE) ? VTD_EMT_UC : VTD_EMT_WB) << VTD_EMT_SHIFT;
	e |= lvl ? VTD_PS : 0;
	return e;
}

static void vtd_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	u32 p = 0;

	if (!(e & (VTD_R | VTD_W))) {
		d->kind = PT_DESC_NONE;
		return;
	}
	p |= (e & VTD_R) ? PT_PROT_R : 0;
	p |= (e & VTD_W) ? PT_PROT_W : 0;
	p |= (e & VTD_X) ? PT_PROT_X : 0;
	if (lvl > 0 && !(e & VTD_PS)) {
		d->kind = PT_DESC_TABLE;
		d->addr = e & VTD_ADDR_MASK;
		d->next_lvl = lvl - 1;
		d->prot = p | PT_PROT_DEVICE | PT_PROT_U;
		return;
	}
	if (lvl > 2) {
		d->kind = PT_DESC_BAD;
		return;
	}
	d->kind = PT_DESC_LEAF;
	d->leaf_size = pt_level_size(lvl);
	d->addr = e & VTD_ADDR_MASK & ~(d->leaf_size - 1);
	p |= ((e >> VTD_EMT_SHIFT) & 7) == VTD_EMT_UC ? PT_PROT_DEVICE : 0;
	d->prot = p;
}

/* ---- AMD-Vi v1 (AMD IOMMU 2.2.3) ----------------------------------------------------------- */

#define AMD_PR BIT(0)
#define AMD_NL_SHIFT 9
#define AMD_NL_MASK 7ULL
#define AMD_IR BIT(61)
#define AMD_IW BIT(62)
#define AMD_ADDR_MASK ADDR_MASK(51)

static int amd_v1_geometry(unsigned ias, unsigned *levels, unsigned *root_entries)
{
	/* DTE Mode 3..6; the top level of mode 6 resolves bits 63:57 only. */
	if (ias < 30 || ias > 64)
		return -E_INVAL;
	*levels = (ias - 12 + 8) / 9;
	if (*levels < 3)
		return -E_INVAL;
	*root_entries = 1u << (ias - pt_level_shift(*levels - 1));
	return 0;
}

static u64 amd_mk_table(u64 pa, unsigned lvl)
{
	/* Next Level names the AMD level (1 = 4 KiB PTEs) of the table pointed to: lvl + 1. */
	return (pa & AMD_ADDR_MASK) | AMD_PR | AMD_IR | AMD_IW | ((u64)(lvl + 1) << AMD_NL_SHIFT);
}

static u64 amd_mk_leaf(u64 out, u32 prot, unsigned lvl)
{
	u64 e = (out & AMD_ADDR_MASK) | AMD_PR; /* Next Level 0: default size of this level */

	e |= (prot & PT_PROT_R) ? AMD_IR : 0;
	e |= (prot & PT_PROT_W) ? AMD_IW : 0;
	return e;
}

/* Next Level 7: the size is 2^(13 + n) where n is the count of ones from address bit 12. */
static u64 amd_nl7_size(u64 e)
{
	unsigned n = 0;

	while (n < 40 && (e & BIT(12 + n)))
		n++;
	return BIT(13 + n);
}

static void amd_decode(u64 e, unsigned lvl, struct pt_desc *d)
{
	unsigned nl = (e >> AMD_NL_SHIFT) & AMD_NL_MASK;
	u32 p = 0;

	if (!(e & AMD_PR)) {
		d->kind = PT_DESC_NONE;
		return;
	}
	p |= (e & AMD_IR) ? PT_PROT_R : 0;
	p |= (e & AMD_IW) ? PT_PROT_W : 0;
	if (nl == 0 || nl == 7) {
		d->kind = PT_DESC_LEAF;
		d->leaf_size = nl == 0 ? pt_level_size(lvl) : amd_nl7_size(e);
		if (d->leaf_size > pt_level_size(lvl + 1)) {
			d->kind = PT_DESC_BAD;
			return;
		}
		d->addr = e & AMD_ADDR_MASK & ~(d->leaf_size - 1);
		d->prot = p;
		return;
	}
	if (lvl == 0 || nl > lvl) { /* a PDE must point to a lower level */
		d->kind = PT_DESC_BAD;
		return;
	}
	d->kind = PT_DESC_TABLE;
	d->addr = e & AMD_ADDR_MASK;
	d->next_lvl = nl - 1;
	d->prot = p | PT_PROT_DEVICE | PT_PROT_U | PT_PROT_X;
}

static const struct pt_fmt pt_fmts[PT__FORMATS] = {
	[PT_ARM_S1] = { PT_ARM_S1, "arm-s1",
			PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_U | PT_PROT_DEVICE, 0x7, 48,
			arm_s1_geometry, arm_mk_table, arm_s1_mk_leaf, arm_s1_decode },
	[PT_ARM_S2] = { PT_ARM_S2, "arm-s2", PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_DEVICE,
			0x7, 48, arm_s2_geometry, arm_mk_table, arm_s2_mk_leaf, arm_s2_decode },
	[PT_X86_64] = { PT_X86_64, "x86-64",
			PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_U | PT_PROT_DEVICE, 0x7, 52,
			x86_geometry, x86_mk_table, x86_mk_leaf, x86_decode },
	[PT_VTD_SS] = { PT_VTD_SS, "vtd-ss", PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_DEVICE,
			0x7, 52, vtd_ss_geometry, vtd_mk_table, vtd_mk_leaf, vtd_decode },
	[PT_AMD_V1] = { PT_AMD_V1, "amd-v1", PT_PROT_R | PT_PROT_W, 0x7, 52, amd_v1_geometry,
			amd_mk_table, amd_mk_leaf, amd_decode },
	[PT_ARM_EL2] = { PT_ARM_EL2, "arm-el2", PT_PROT_R | PT_PROT_W | PT_PROT_X | PT_PROT_DEVICE,
			 0x7, 48, arm_s1_geometry, arm_mk_table, arm_el2_mk_leaf, arm_el2_decode },
};

const struct pt_fmt *pt_fmt_get(enum pt_format fmt)
{
	if ((unsigned)fmt >= PT__FORMATS)
		return NULL;
	return &pt_fmts[fmt];
}
