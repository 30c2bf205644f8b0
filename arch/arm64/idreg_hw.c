// SPDX-License-Identifier: MIT
/* The hardware's ID group 3 registers by index (arch/arm64/idreg.h); unallocated ones RAZ. */
#include "arch/arm64/idreg.h"

#include "arch/arm64/sysreg.h"

/* MRS needs the encoding as an immediate: one case per register of CRm 1..7. */
#define IDREG_CASE(crm, op2)  \
	case IDREG(crm, op2): \
		return read_sysreg(S3_0_C0_C##crm##_##op2)
#define IDREG_ROW(crm)      \
	IDREG_CASE(crm, 0); \
	IDREG_CASE(crm, 1); \
	IDREG_CASE(crm, 2); \
	IDREG_CASE(crm, 3); \
	IDREG_CASE(crm, 4); \
	IDREG_CASE(crm, 5); \
	IDREG_CASE(crm, 6); \
	IDREG_CASE(crm, 7)

u64 idreg_hw_read(unsigned idx)
{
	switch (idx) {
		IDREG_ROW(1);
		IDREG_ROW(2);
		IDREG_ROW(3);
		IDREG_ROW(4);
		IDREG_ROW(5);
		IDREG_ROW(6);
		IDREG_ROW(7);
	default: return 0;
	}
}
