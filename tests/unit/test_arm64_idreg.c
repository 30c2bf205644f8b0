// SPDX-License-Identifier: MIT
/*
 * The arm64 guest's ID-register view (arch/arm64/idreg.c): SVE, SME and pointer
 * authentication, which Moat traps, read as absent; everything else is the hardware's; and the
 * view never reports a feature the hardware lacks.
 */
#include "test_util.h"

#include "arch/arm64/idreg.h"

/* Values of the kind `-cpu max` reports: SVE, SME and PAuth (QARMA5) present. */
#define MAX_PFR0 0x1101001120111112ULL
#define MAX_PFR1 0x0000000001000321ULL
#define MAX_ISAR1 0x0011212101211052ULL
#define MAX_ISAR2 0x0000000000001021ULL /* APA3 is 0 with QARMA5; GPA3 clear */

static u64 field(u64 v, unsigned lo)
{
	return (v >> lo) & 0xf;
}

static void sve_and_sme_read_as_absent(void **state)
{
	u64 pfr0 = idreg_guest_view(IDREG_AA64PFR0, MAX_PFR0);
	u64 pfr1 = idreg_guest_view(IDREG_AA64PFR1, MAX_PFR1);

	(void)state;
	assert_int_equal(field(pfr0, 32), 0);				      /* SVE */
	assert_int_equal(pfr0 & ~(0xfULL << 32), MAX_PFR0 & ~(0xfULL << 32)); /* FP, GIC, ... */
	assert_int_equal(field(pfr1, 24), 0);				      /* SME */
	assert_int_equal(pfr1, MAX_PFR1 & ~(0xfULL << 24));
	assert_int_equal(idreg_guest_view(IDREG_AA64ZFR0, 0x0110110000110011ULL), 0);
	assert_int_equal(idreg_guest_view(IDREG_AA64SMFR0, 0x89f00000fd000000ULL), 0);
}

static void pointer_authentication_reads_as_absent(void **state)
{
	u64 isar1 = idreg_guest_view(IDREG_AA64ISAR1, MAX_ISAR1);
	u64 isar2 = idreg_guest_view(IDREG_AA64ISAR2, 0xffffffffffffffffULL);

	(void)state;
	assert_int_equal(field(isar1, 4), 0);  /* APA */
	assert_int_equal(field(isar1, 8), 0);  /* API */
	assert_int_equal(field(isar1, 24), 0); /* GPA */
	assert_int_equal(field(isar1, 28), 0); /* GPI */
	assert_int_equal(field(isar1, 0), 2);  /* DPB kept */
	assert_int_equal(field(isar1, 20), 2); /* LRCPC kept (bits 23:20) */
	assert_int_equal(field(isar2, 8), 0);  /* GPA3 */
	assert_int_equal(field(isar2, 12), 0); /* APA3 */
	assert_int_equal(field(isar2, 24), 0); /* PAC_frac */
	assert_int_equal(field(isar2, 0), 0xf);
	assert_int_equal(idreg_guest_view(IDREG_AA64ISAR2, MAX_ISAR2), 0x21);
}

static void other_registers_pass_through(void **state)
{
	(void)state;
	for (unsigned crm = 1; crm <= 7; crm++)
		for (unsigned op2 = 0; op2 < 8; op2++) {
			unsigned i = IDREG(crm, op2);
			if (i == IDREG_AA64PFR0 || i == IDREG_AA64PFR1 || i == IDREG_AA64ZFR0 ||
			    i == IDREG_AA64SMFR0 || i == IDREG_AA64ISAR1 || i == IDREG_AA64ISAR2)
				continue;
			assert_int_equal(idreg_guest_view(i, 0x123456789abcdef0ULL),
					 0x123456789abcdef0ULL);
		}
}

/* Whatever the hardware says, the view is a subset of it: a feature is only ever hidden. */
static void view_never_adds_a_feature(void **state)
{
	uint64_t seed = 0x1d3;

	(void)state;
	for (int n = 0; n < 10000; n++) {
		u64 hw = test_rand(&seed);
		unsigned i = (unsigned)(test_rand(&seed) % 64);
		assert_int_equal(idreg_guest_view(i, hw) & ~hw, 0);
	}
}

static void group3_space_is_crm_1_to_7(void **state)
{
	(void)state;
	assert_true(idreg_is_group3(3, 0, 0, 1));
	assert_true(idreg_is_group3(3, 0, 0, 7));
	assert_false(idreg_is_group3(3, 0, 0, 0)); /* MIDR, MPIDR: not trapped by TID3 */
	assert_false(idreg_is_group3(3, 0, 0, 8));
	assert_false(idreg_is_group3(3, 1, 0, 1)); /* CCSIDR space */
	assert_false(idreg_is_group3(3, 0, 1, 1));
	assert_false(idreg_is_group3(2, 0, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sve_and_sme_read_as_absent),
		cmocka_unit_test(pointer_authentication_reads_as_absent),
		cmocka_unit_test(other_registers_pass_through),
		cmocka_unit_test(view_never_adds_a_feature),
		cmocka_unit_test(group3_space_is_crm_1_to_7),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
