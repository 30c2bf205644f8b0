// SPDX-License-Identifier: MIT
/* The PL031 real-time clock (Arm PrimeCell RTC PL031 TRM, 3.3.1 RTCDR); see core/rtc.h. */
#define LOG_COMPONENT "rtc"
#include <arch/mm.h>
#include <arch/mmio.h>

#include "core/init.h"
#include "core/log.h"
#include "core/rtc.h"
#include "lib/err.h"

#define PL031_DR 0x000 /* Data Register: the counter, seconds (32 bits) */
#define PL031_SIZE 0x1000

static volatile u8 *rtc_regs;

u64 rtc_seconds(void)
{
	return rtc_regs ? mmio_read32(rtc_regs + PL031_DR) : 0;
}

static int rtc_init(struct moat_ctx *ctx)
{
	if (!ctx->plat->rtc_pl031.v)
		return -E_NODEV;
	rtc_regs = arch_map_device(ctx->plat->rtc_pl031, PL031_SIZE);
	if (!rtc_regs)
		pr_warn("PL031 at 0x%llx not mapped: certificate dates use the build-time floor",
			(unsigned long long)ctx->plat->rtc_pl031.v);
	return 0;
}

MOAT_UNIT("rtc", INIT_EARLY, rtc_init);
