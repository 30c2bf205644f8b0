// SPDX-License-Identifier: MIT
/*
 * The reference walkers on hand-built tables: descriptors written here bit by bit from the
 * manuals, so the model is checked on its own before it is used to check the library.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "pt/ref_walk.h"

static uint64_t mem[8][512] __attribute__((aligned(16384)));

#define T(i) ((uint64_t)(uintptr_t)mem[i])

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	(void)state;
	return 0;
}

static void expect_ok(const struct ref_regs *r, uint64_t in, uint64_t out, uint64_t size,
		      unsigned perms)
{
	struct ref_result res;

	ref_walk(r, in, 0, &res);
	assert_int_equal(res.fault, REF_OK);
	assert_int_equal(res.out, out);
	assert_int_equal(res.size, size);
	assert_int_equal(res.perms, perms);
}

static void expect_fault(const struct ref_regs *r, uint64_t in, unsigned acc, enum ref_fault f,
			 unsigned stage, int level)
{
	struct ref_result res;

	ref_walk(r, in, acc, &res);
	assert_string_equal(ref_fault_name(res.fault), ref_fault_name(f));
	assert_int_equal(res.stage, stage);
	assert_int_equal(res.level, level);
}

/* Arm stage 2, 40-bit IPA from level 1: two concatenated tables (VTCR T0SZ=24, SL0=1). */
static void arm_s2_concatenated_root(void **state)
{
	struct ref_regs r = {
		.arch = REF_ARM_S2, .root = T(0), .t0sz = 24, .sl0 = 1, .oa_bits = 48
	};
	/* level-1 block: bits 1:0 = 01, MemAttr 1111, S2AP = 11, SH = 11, AF */
	uint64_t blk = 0x1ULL | (0xfULL << 2) | (3ULL << 6) | (3ULL << 8) | (1ULL << 10);

	mem[1][1] = blk | 0x80000000ULL; /* index 513 = second table, entry 1 */
	expect_ok(&r, 0x8040001234ULL, 0x80001234ULL, 1ULL << 30,
		  REF_R | REF_W | REF_XP | REF_XU | REF_U);
	mem[1][1] |= 1ULL << 54; /* XN[1:0] = 10 */
	expect_ok(&r, 0x8040000000ULL, 0x80000000ULL, 1ULL << 30, REF_R | REF_W | REF_U);
	expect_fault(&r, 0x8040000000ULL, REF_ACC_X, REF_F_PERMISSION, 2, 1);
	mem[1][1] &= ~(1ULL << 10);
	expect_fault(&r, 0x8040000000ULL, 0, REF_F_ACCESS, 2, 1);
	expect_fault(&r, 0x40000000ULL, 0, REF_F_TRANSLATION, 2, 1);
	expect_fault(&r, 1ULL << 40, 0, REF_F_TRANSLATION, 2, 1);
	r.root = T(1); /* 4 KiB-aligned only: the concatenated root must be 8 KiB-aligned */
	expect_fault(&r, 0, 0, REF_F_CONFIG, 2, -1);
	r.root = T(0);
	r.sl0 = 0; /* level 2 start would need 2^19 entries */
	expect_fault(&r, 0, 0, REF_F_CONFIG, 2, -1);
	r.sl0 = 2; /* level 0 start: 2 entries */
	mem[0][1] = T(2) | 3;
	mem[2][1] = (blk | 0x80000000ULL) | (1ULL << 10);
	expect_ok(&r, 0x8040000000ULL, 0x80000000ULL, 1ULL << 30,
		  REF_R | REF_W | REF_XP | REF_XU | REF_U);
	(void)state;
}

static void arm_s1_faults_and_permissions(void **state)
{
	struct ref_regs r = {
		.arch = REF_ARM_S1, .root = T(0), .t0sz = 25, .oa_bits = 48, .mair = 0x04ff
	};
	uint64_t page = 3ULL | (1ULL << 10) | (3ULL << 8); /* AttrIndx 0, AP 00: EL1 RW */

	mem[0][0] = T(1) | 3;
	mem[1][0] = T(2) | 3;
	mem[2][5] = page | 0x123000ULL | (1ULL << 54); /* UXN */
	expect_ok(&r, 0x5abc, 0x123abc, 4096, REF_R | REF_W | REF_XP);
	expect_fault(&r, 0x5000, REF_ACC_R | REF_ACC_USER, REF_F_PERMISSION, 1, 3);
	mem[2][5] |= 1ULL << 7 | 1ULL << 6 | 1ULL << 2; /* read-only, EL0, device */
	expect_ok(&r, 0x5000, 0x123000, 4096, REF_R | REF_U | REF_XP | REF_DEV);
	expect_fault(&r, 0x5000, REF_ACC_W, REF_F_PERMISSION, 1, 3);
	mem[1][0] |= 1ULL << 62 | 1ULL << 61; /* APTable: read-only, no EL0 */
	mem[2][5] &= ~(1ULL << 7);
	expect_ok(&r, 0x5000, 0x123000, 4096, REF_R | REF_XP | REF_DEV);
	mem[2][6] = (page & ~2ULL) | 0x124000ULL; /* 0b01 at level 3 is reserved: invalid */
	expect_fault(&r, 0x6000, 0, REF_F_TRANSLATION, 1, 3);
	mem[2][7] = page | (1ULL << 49); /* beyond a 48-bit output size */
	expect_fault(&r, 0x7000, 0, REF_F_ADDRSIZE, 1, 3);
	mem[0][1] = 1ULL | (1ULL << 10) | 0x40000000ULL; /* level-1 block */
	expect_ok(&r, 0x40001000, 0x40001000, 1ULL << 30, REF_R | REF_W | REF_XP | REF_XU);
	mem[0][1] |= 1ULL << 21; /* RES0 output bit of a block */
	expect_fault(&r, 0x40001000, 0, REF_F_RESERVED, 1, 1);
	expect_fault(&r, 1ULL << 39, 0, REF_F_TRANSLATION, 1, 0);
	(void)state;
}

static void ia32e_reserved_bits_and_inherited_rights(void **state)
{
	struct ref_regs r = { .arch = REF_IA32E, .root = T(0), .levels = 4, .oa_bits = 48 };

	mem[0][0] = T(1) | 0x7;
	mem[1][0] = T(2) | 0x5;		  /* no R/W at the PDPTE: everything below is read-only */
	mem[2][1] = 0x40200000ULL | 0x87; /* 2 MiB page */
	expect_ok(&r, 0x201234, 0x40201234ULL, 1ULL << 21, REF_R | REF_U | REF_XP | REF_XU);
	mem[1][0] |= 1ULL << 63; /* XD above */
	expect_ok(&r, 0x200000, 0x40200000ULL, 1ULL << 21, REF_R | REF_U);
	mem[2][1] |= 1ULL << 13; /* reserved in a 2 MiB page address */
	expect_fault(&r, 0x200000, 0, REF_F_RESERVED, 1, 2);
	mem[2][2] = (1ULL << 49) | 0x3 | T(3); /* address bit above MAXPHYADDR */
	expect_fault(&r, 0x400000, 0, REF_F_RESERVED, 1, 2);
	mem[0][1] = 0x87; /* PS in a PML4E */
	expect_fault(&r, 1ULL << 39, 0, REF_F_RESERVED, 1, 4);
	expect_fault(&r, 2ULL << 39, 0, REF_F_TRANSLATION, 1, 4);
	expect_fault(&r, 1ULL << 47, 0, REF_F_TRANSLATION, 1, 4); /* not canonical */
	(void)state;
}

static void vtd_second_stage(void **state)
{
	struct ref_regs r = { .arch = REF_VTD_SL, .root = T(0), .levels = 3, .oa_bits = 48 };

	mem[0][0] = T(1) | 0x2; /* write-only table entry: present, no read below */
	mem[1][0] = T(2) | 0x7;
	mem[2][3] = 0x9000000ULL | 0x3 | (6ULL << 3);
	expect_ok(&r, 0x3010, 0x9000010ULL, 4096, REF_W | REF_U);
	mem[0][0] |= 0x5;
	mem[2][3] &= ~(7ULL << 3); /* EMT UC */
	expect_ok(&r, 0x3010, 0x9000010ULL, 4096, REF_R | REF_W | REF_U | REF_DEV);
	mem[2][4] = 0x4; /* execute only: R = W = 0 is not present */
	expect_fault(&r, 0x4000, 0, REF_F_TRANSLATION, 2, 1);
	expect_fault(&r, 1ULL << 39, 0, REF_F_ADDRSIZE, 2, 3);
	(void)state;
}

static void amd_v1_skip_levels_and_sizes(void **state)
{
	struct ref_regs r = { .arch = REF_AMD_V1, .root = T(0), .levels = 4, .oa_bits = 48 };
	uint64_t rw = (1ULL << 61) | (1ULL << 62) | 1;

	mem[0][0] = T(1) | rw | (2ULL << 9); /* level 4 -> level 2: level 3 skipped */
	mem[1][0] = T(2) | rw | (1ULL << 9);
	mem[2][2] = 0x70002000ULL | rw | (7ULL << 9); /* Next Level 7, bit 12 = 0: 8 KiB */
	mem[2][3] = mem[2][2]; /* replicated in every entry the page covers */
	expect_ok(&r, 0x3abc, 0x70003abcULL, 8192, REF_R | REF_W | REF_U);
	/* The level-3 index bits (38:30) must be zero when level 3 is skipped. */
	expect_fault(&r, (1ULL << 30) | 0x3000, 0, REF_F_TRANSLATION, 2, 4);
	mem[1][1] = 0x60000000ULL | (1ULL << 61) | 1; /* 2 MiB, read-only */
	expect_ok(&r, 0x200010, 0x60000010ULL, 1ULL << 21, REF_R | REF_U);
	mem[1][2] = T(3) | rw | (2ULL << 9); /* Next Level not below the current level */
	expect_fault(&r, 0x400000, 0, REF_F_RESERVED, 2, 2);
	mem[0][0] &= ~(1ULL << 62); /* IW clear in the PDE removes write below */
	expect_ok(&r, 0x3000, 0x70003000ULL, 8192, REF_R | REF_U);
	expect_fault(&r, 1ULL << 48, 0, REF_F_TRANSLATION, 2, 4);
	r.levels = 7;
	expect_fault(&r, 0, 0, REF_F_CONFIG, 2, -1);
	(void)state;
}

/* Stage-1 tables addressed by IPA: the root itself goes through stage 2. */
static void nested_walk_translates_table_addresses(void **state)
{
	const uint64_t ipa_base = 0x100000000ULL; /* stage-1 tables live at IPAs 4 GiB + n*4K */
	struct ref_regs s2 = {
		.arch = REF_ARM_S2, .root = T(0), .t0sz = 28, .sl0 = 1, .oa_bits = 48
	};
	struct ref_regs s1 = { .arch = REF_ARM_S1,
			       .root = ipa_base + 0x3000,
			       .t0sz = 25,
			       .oa_bits = 48,
			       .mair = 0xff };
	uint64_t s2page = 3ULL | (0xfULL << 2) | (3ULL << 6) | (1ULL << 10);
	struct ref_result res;

	/* S2: IPA 4G + 0x3000.. -> mem[3..5]; IPA 0x80000000 -> PA 0x10000000 (2 MiB). */
	mem[0][4] = T(1) | 3;
	mem[1][0] = T(2) | 3;
	for (int i = 3; i <= 5; i++)
		mem[2][i] = s2page | T(i);
	mem[0][2] = T(6) | 3;
	mem[6][0] = 0x10000000ULL | 1 | (0xfULL << 2) | (1ULL << 6) | (1ULL << 10); /* RO */
	/* S1 (39-bit, 3 levels): VA 0x1000 -> IPA 0x80001000, tables at IPAs. */
	mem[3][0] = (ipa_base + 0x4000) | 3;
	mem[4][0] = (ipa_base + 0x5000) | 3;
	mem[5][1] = 0x80001000ULL | 3 | (1ULL << 10);
	ref_walk_nested(&s1, &s2, 0x1234, REF_ACC_R, &res);
	assert_int_equal(res.fault, REF_OK);
	assert_int_equal(res.out, 0x10001234ULL);
	assert_int_equal(res.perms & (REF_R | REF_W), REF_R);
	ref_walk_nested(&s1, &s2, 0x1234, REF_ACC_W, &res);
	assert_int_equal(res.fault, REF_F_PERMISSION);
	assert_int_equal(res.stage, 2);
	assert_false(res.on_s1_walk);
	/* Unmap the IPA of the level-2 table in stage 2: the walk faults fetching it. */
	mem[2][4] = 0;
	ref_walk_nested(&s1, &s2, 0x1234, REF_ACC_R, &res);
	assert_int_equal(res.fault, REF_F_TRANSLATION);
	assert_int_equal(res.stage, 2);
	assert_int_equal(res.level, 3);
	assert_true(res.on_s1_walk);
	assert_int_equal(res.s1_level, 2);
	assert_int_equal(res.fetch_ipa, ipa_base + 0x4000);
	ref_walk_nested(&s1, &s2, 0x40000000ULL, REF_ACC_R, &res); /* S1 L1 index 1: empty */
	assert_int_equal(res.fault, REF_F_TRANSLATION);
	assert_int_equal(res.stage, 1);
	assert_int_equal(res.level, 1);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(arm_s2_concatenated_root, setup),
		cmocka_unit_test_setup(arm_s1_faults_and_permissions, setup),
		cmocka_unit_test_setup(ia32e_reserved_bits_and_inherited_rights, setup),
		cmocka_unit_test_setup(vtd_second_stage, setup),
		cmocka_unit_test_setup(amd_v1_skip_levels_and_sizes, setup),
		cmocka_unit_test_setup(nested_walk_translates_table_addresses, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
