/* SPDX-License-Identifier: MIT */
/*
 * The guest's view of the CPU's ID registers (Arm ARM D19.2: the ID group 3 registers,
 * op0=3 op1=0 CRn=0 CRm=1..7, trapped by HCR_EL2.TID3). Moat traps SVE and SME (CPTR_EL2.TZ,
 * TSM) and pointer authentication (HCR_EL2.API/APK clear), so the view says they are absent:
 * a guest that believes the ID registers never executes an instruction Moat would refuse.
 * Portable (no system register access): built for the image and for the host tests.
 */
#ifndef ARM64_IDREG_H
#define ARM64_IDREG_H

#include "lib/types.h"

/* The register at (CRm, op2) of the ID space, as a packed index CRm << 3 | op2. */
#define IDREG(crm, op2) ((crm) << 3 | (op2))
#define IDREG_AA64PFR0 IDREG(4, 0)
#define IDREG_AA64PFR1 IDREG(4, 1)
#define IDREG_AA64ZFR0 IDREG(4, 4)
#define IDREG_AA64SMFR0 IDREG(4, 5)
#define IDREG_AA64ISAR1 IDREG(6, 1)
#define IDREG_AA64ISAR2 IDREG(6, 2)

/* True for an encoding in the ID group 3 space (CRm 1..7; CRm 0 holds MIDR/MPIDR/REVIDR). */
bool idreg_is_group3(unsigned op0, unsigned op1, unsigned crn, unsigned crm);
/* What the guest reads for register `idx` (IDREG()) when the hardware holds `hw`. */
u64 idreg_guest_view(unsigned idx, u64 hw);

/* The hardware's value of ID register `idx` (image only: arch/arm64/idreg_hw.c). */
u64 idreg_hw_read(unsigned idx);

#endif
