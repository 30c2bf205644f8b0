// SPDX-License-Identifier: MIT
/*
 * Time from the TSC. Its frequency comes from CPUID leaf 0x15/0x16 when the CPU reports it,
 * else it is measured against PIT channel 2 (Intel 8254 data sheet: 1.193182 MHz input clock)
 * over a 2 ms one-shot gate: 2386 PIT ticks, so the start (one tick) and the poll that sees
 * the terminal count (one port read, about 1 us on hardware) leave the frequency within about
 * 0.1%, which every user here (guest timers, slices, wait bounds) allows. A 10 ms gate was
 * 10 million instructions of the boot under QEMU -icount (issue 21: entry to the first guest
 * instruction).
 */
#include <arch/cpu.h>

#include "arch/x86/x86.h"
#include "core/arch.h"
#include "lib/types.h"

#define PIT_HZ 1193182ULL
#define PIT_GATE_MS 2
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_PORT_B 0x61
/* The gate cannot take longer than PIT_GATE_MS; give up after 1e9 TSC ticks in any case. */
#define PIT_SPIN_MAX 1000000000ULL
#define TSC_DEFAULT_HZ 1000000000ULL

static u64 tsc_hz = TSC_DEFAULT_HZ;

static u64 tsc_hz_cpuid(void)
{
	u32 r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r); /* TSC = crystal * EBX / EAX */
		if (r[0] && r[1] && r[2])
			return (u64)r[2] * r[1] / r[0];
	}
	if (r[0] >= 0x16) {
		cpuid(0x16, 0, r); /* base frequency in MHz */
		if (r[0] & 0xffff)
			return (u64)(r[0] & 0xffff) * 1000000ULL;
	}
	return 0;
}

static u64 tsc_hz_pit(void)
{
	u16 count = (u16)(PIT_HZ * PIT_GATE_MS / 1000);
	u64 t0, t1;

	outb(PIT_PORT_B, (u8)((inb(PIT_PORT_B) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0 (one-shot) */
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
	t0 = rdtsc();
	while (!(inb(PIT_PORT_B) & 0x20)) { /* OUT2 goes high at terminal count */
		if (rdtsc() - t0 > PIT_SPIN_MAX)
			return 0;
	}
	t1 = rdtsc();
	return (t1 - t0) * 1000 / PIT_GATE_MS;
}

void x86_time_init(void)
{
	u64 hz = tsc_hz_cpuid();

	if (!hz)
		hz = tsc_hz_pit();
	if (hz)
		tsc_hz = hz;
}

uint64_t arch_time_ns(void)
{
	u64 c = rdtsc();

	return c / tsc_hz * 1000000000ULL + c % tsc_hz * 1000000000ULL / tsc_hz;
}
