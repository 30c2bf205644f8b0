// SPDX-License-Identifier: MIT
/*
 * The guest's ID-register view (arch/arm64/idreg.h). Each hidden field is one whose value 0
 * means "not implemented" (Arm ARM D19.2.61 ID_AA64PFR0_EL1.SVE, D19.2.62 ID_AA64PFR1_EL1.SME,
 * D19.2.63 ID_AA64ZFR0_EL1, D19.2.64 ID_AA64SMFR0_EL1, D19.2.60-61 ID_AA64ISAR1/2_EL1 APA, API,
 * GPA, GPI, APA3, GPA3, PAC_frac): clearing it can only take a feature away, never add one.
 */
#include "arch/arm64/idreg.h"

#include "lib/bits.h"

#define FIELD(lo) (0xfULL << (lo))

bool idreg_is_group3(unsigned op0, unsigned op1, unsigned crn, unsigned crm)
{
	return op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7;
}

u64 idreg_guest_view(unsigned idx, u64 hw)
{
	switch (idx) {
	case IDREG_AA64PFR0: return hw & ~FIELD(32); /* SVE */
	case IDREG_AA64PFR1: return hw & ~FIELD(24); /* SME */
	case IDREG_AA64ZFR0:			     /* SVE features */
	case IDREG_AA64SMFR0: return 0;		     /* SME features */
	case IDREG_AA64ISAR1:
		return hw & ~(FIELD(4) | FIELD(8) | FIELD(24) | FIELD(28)); /* APA API GPA GPI */
	case IDREG_AA64ISAR2:
		return hw & ~(FIELD(8) | FIELD(12) | FIELD(24)); /* GPA3 APA3 PAC_frac */
	default: return hw;
	}
}
