/* SPDX-License-Identifier: MIT */
/* x86_64 private helpers: port I/O, MSRs, control registers (Intel SDM vol. 2 and 3A). */
#ifndef X86_X86_H
#define X86_X86_H

#include "core/boot_info.h"
#include "core/irq.h"
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
 * The host's local APIC (apic.c), for preempting guests and taking Moat's MSIs: x2APIC mode,
 * the legacy PICs masked, the timer one-shot on X86_VEC_PREEMPT. -E_NOTSUP without x2APIC;
 * a second call gives the first one's result. Every vector from 32 up goes to
 * x86_irq_dispatch() (irq_vec.c): its handler if one is registered, then EOI.
 */
#define X86_VEC_PREEMPT 0x20
#define X86_VEC_SPURIOUS 0xff
int x86_apic_init(void) __must_check;
bool x86_apic_up(void);
u32 x86_apic_id(void); /* x2APIC ID of this CPU (APIC up) */
void x86_apic_eoi(void);
void x86_apic_timer_arm(u64 ns);

/*
 * Moat's own interrupt vectors (irq_vec.c): X86_VEC_FIRST..X86_VEC_LAST, each with one
 * handler, run from the IDT with interrupts off. Moat keeps RFLAGS.IF clear except in three
 * windows, so a handler never interrupts code holding a lock: STGI after a guest entry
 * (svm_entry.S), x86_irq_window() after a VMX external-interrupt exit (the exit does not
 * acknowledge the interrupt: it stays in the APIC until the window takes it through the
 * IDT), and x86_irq_window() once per pass of the scheduler loops (svm_vms.c, vmx_vms.c).
 */
#define X86_VEC_FIRST 0x30
#define X86_VEC_LAST 0xef
/* A free vector for fn(ctx); -E_NOTSUP without an x2APIC, -E_NOSPC if none is left. */
int x86_vec_alloc(irq_handler_fn fn, void *ctx, u8 *vec) __must_check;
void x86_vec_free(u8 vec);
void x86_irq_dispatch(u64 vector);
/* Takes what the local APIC holds pending (interrupts on for one instruction). */
void x86_irq_window(void);

#endif
