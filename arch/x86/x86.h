/* SPDX-License-Identifier: MIT */
/* x86_64 private helpers: port I/O, MSRs, control registers (Intel SDM vol. 2 and 3A). */
#ifndef X86_X86_H
#define X86_X86_H

#include "core/boot_info.h"
#include "lib/types.h"

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Per-CPU data at FS base: the stack-protector canary lives at %fs:0x28 (x86-64 psABI). */
struct x86_percpu {
	struct x86_percpu *self;
	u64 cpu;
	u8 pad[0x28 - 16];
	u64 stack_canary;
};

_Static_assert(__builtin_offsetof(struct x86_percpu, stack_canary) == 0x28, "canary slot");

/* The TSC when Moat's common boot code started (the entry-to-first-guest-instruction figure). */
extern u64 x86_entry_tsc;

/* Common to the PVH and UEFI paths: GDT, IDT, FS base, Moat's page tables, then moat_main(). */
__noreturn void x86_boot(struct boot_info *bi);

/* FS base -> per-CPU data with a per-boot stack canary (before any stack-protected code). */
void x86_percpu_init(void);
void x86_idt_init(void);
void x86_time_init(void);
int x86_mmu_init(void) __must_check;

/*
 * The host's local APIC (apic.c), for preempting guests: x2APIC mode, the legacy PICs
 * masked, the timer one-shot on X86_VEC_PREEMPT. -E_NOTSUP without x2APIC. Every vector from
 * 32 up only signals EOI (vectors.S): an interrupt exists to end a guest entry.
 */
#define X86_VEC_PREEMPT 0x20
int x86_apic_init(void) __must_check;
/* Restarts the one-shot timer: it fires in about `ns` nanoseconds (clamped to 1 us .. 4 s). */
void x86_apic_timer_arm(u64 ns);

#endif
