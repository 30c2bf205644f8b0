// SPDX-License-Identifier: MIT
/*
 * The host's local APIC in x2APIC mode (Intel SDM vol. 3A 11.12; AMD APM vol. 2 16.11): its
 * one-shot timer is armed before each VMRUN, so a guest that never exits still gives its CPU
 * back (the SVM run loop intercepts physical interrupts), and it takes the MSIs Moat asked
 * for (irq.c: IOMMU fault events, assigned functions' vectors through interrupt remapping).
 * The 8259 PICs firmware may have left on are masked (all their lines off), so nothing else
 * arrives. The timer's clock is taken as 1 GHz, QEMU's; a slower APIC clock only lengthens
 * the slice. Brought up once, by the first of its users (the SVM host set-up, arch_msi_request).
 */
#include "arch/x86/x86.h"
#include "lib/err.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_EN (1ULL << 11)
#define APIC_BASE_EXTD (1ULL << 10)
#define X2APIC_ID 0x802u
#define X2APIC_EOI 0x80bu
#define X2APIC_SVR 0x80fu
#define X2APIC_LVT_TIMER 0x832u
#define X2APIC_TIMER_INIT 0x838u
#define X2APIC_TIMER_DIV 0x83eu
#define SVR_ENABLE (1u << 8)
#define SPURIOUS_VECTOR 0xffu
#define TIMER_DIV_1 0xbu
#define CPUID1_ECX_X2APIC (1u << 21)
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define ARM_MIN_NS 1000ULL
#define ARM_MAX_NS 4000000000ULL

static int apic_state; /* 0 not tried, 1 up, else the error */

int x86_apic_init(void)
{
	u32 r[4];

	if (apic_state)
		return apic_state == 1 ? 0 : apic_state;
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_X2APIC))
		return apic_state = -E_NOTSUP;
	/* xAPIC to x2APIC is a legal transition with the APIC enabled (SDM 11.12.5). */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(X2APIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	wrmsr(X2APIC_TIMER_DIV, TIMER_DIV_1);
	wrmsr(X2APIC_LVT_TIMER, X86_VEC_PREEMPT); /* one-shot, not masked */
	apic_state = 1;
	return 0;
}

bool x86_apic_up(void)
{
	return apic_state == 1;
}

u32 x86_apic_id(void)
{
	return (u32)rdmsr(X2APIC_ID);
}

void x86_apic_eoi(void)
{
	wrmsr(X2APIC_EOI, 0);
}

void x86_apic_timer_arm(u64 ns)
{
	if (ns < ARM_MIN_NS)
		ns = ARM_MIN_NS;
	if (ns > ARM_MAX_NS)
		ns = ARM_MAX_NS;
	wrmsr(X2APIC_TIMER_INIT, ns);
}
