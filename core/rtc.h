/* SPDX-License-Identifier: MIT */
/*
 * The platform's real-time clock, read for certificate validity dates (spdm/spdm_cert.c): an
 * Arm PL031 where the device tree has one (QEMU virt and many Arm boards). Other platforms
 * (x86's CMOS clock, UEFI's GetTime) are not read yet: there the certificate policy falls back
 * to its build-time floor.
 */
#ifndef CORE_RTC_H
#define CORE_RTC_H

#include "lib/types.h"

/* Seconds since 1970-01-01 UTC, or 0 without a clock. */
u64 rtc_seconds(void);

#endif
