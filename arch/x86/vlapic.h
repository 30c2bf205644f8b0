/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC, x2APIC mode only (Intel SDM vol. 3A ch. 11; 11.12 x2APIC): every
 * register is an MSR 0x800 + (xAPIC offset >> 4). Fixed, NMI, INIT and start-up IPIs through
 * the ICR, EOI, TPR/PPR priority, the timer (one-shot and periodic; no TSC-deadline mode:
 * CPUID does not offer it), ESR. Backend-neutral: SVM injects what vlapic_pending() names,
 * the VMX backend will too.
 *
 * Concurrency: irr[] is set by any vCPU of the VM (IPIs) with atomic bit operations;
 * everything else belongs to the owning vCPU and is touched only on its CPU.
 * An x2APIC ID is the vCPU's index in its VM, so no destination can name another VM's vCPU.
 */
#ifndef X86_VLAPIC_H
#define X86_VLAPIC_H

#include "lib/compiler.h"
#include "lib/types.h"

#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST 0x8ffu

/* Register MSRs (SDM table 11-6). */
#define X2APIC_ID 0x802u
#define X2APIC_VERSION 0x803u
#define X2APIC_TPR 0x808u
#define X2APIC_PPR 0x80au
#define X2APIC_EOI 0x80bu
#define X2APIC_LDR 0x80du
#define X2APIC_SVR 0x80fu
#define X2APIC_ISR0 0x810u
#define X2APIC_TMR0 0x818u
#define X2APIC_IRR0 0x820u
#define X2APIC_ESR 0x828u
#define X2APIC_ICR 0x830u
#define X2APIC_LVT_TIMER 0x832u
#define X2APIC_LVT_THERMAL 0x833u
#define X2APIC_LVT_PMI 0x834u
#define X2APIC_LVT_LINT0 0x835u
#define X2APIC_LVT_LINT1 0x836u
#define X2APIC_LVT_ERROR 0x837u
#define X2APIC_TIMER_ICR 0x838u
#define X2APIC_TIMER_CCR 0x839u
#define X2APIC_TIMER_DCR 0x83eu
#define X2APIC_SELF_IPI 0x83fu

/* ICR fields (SDM 11.6.1, x2APIC layout 11.12.9). */
#define APIC_DM_FIXED 0
#define APIC_DM_LOWEST 1
#define APIC_DM_SMI 2
#define APIC_DM_NMI 4
#define APIC_DM_INIT 5
#define APIC_DM_STARTUP 6

#define APIC_SH_NONE 0
#define APIC_SH_SELF 1
#define APIC_SH_ALL 2
#define APIC_SH_OTHERS 3

#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)

/* The virtual timer counts at 1 GHz before the divide configuration (docs/guest-abi.md). */
#define VLAPIC_TIMER_HZ 1000000000ULL

#define VLAPIC_NLVT 6 /* timer, thermal, PMI, LINT0, LINT1, error */

struct vlapic {
	u32 id;
	u32 tpr, svr, esr, esr_pending;
	u32 lvt[VLAPIC_NLVT];
	u32 tmict, tdcr;
	u64 deadline_ns; /* 0: timer not running */
	u64 period_ns;	 /* periodic mode: the reload, in ns */
	u32 irr[8], isr[8], tmr[8];
};

/* An IPI the ICR (or SELF IPI) asked for; vlapic_ipi_targets() resolves it in the VM. */
struct vlapic_ipi {
	u32 dest;
	u8 vector, mode, shorthand;
	bool logical;
	bool deassert; /* INIT level de-assert (level 0, level-triggered): no effect (11.6.1) */
};

/* Power-on / INIT state (SDM 11.4.7.1): software-disabled, every LVT masked. */
void vlapic_reset(struct vlapic *a, u32 id);

/* RDMSR of an x2APIC register: 0, or -E_INVAL where the SDM says #GP. */
int vlapic_read(struct vlapic *a, u32 msr, u64 now_ns, u64 *val) __must_check;
/*
 * WRMSR of an x2APIC register: 0, or -E_INVAL for #GP (read-only register, reserved bits).
 * *ipi_out is set (and true returned through *sent) when the write sends an IPI.
 */
int vlapic_write(struct vlapic *a, u32 msr, u64 val, u64 now_ns, struct vlapic_ipi *ipi_out,
		 bool *sent) __must_check;

/* Makes `vector` pending (any vCPU may call it). Vectors 0..15 set the receive error. */
void vlapic_accept(struct vlapic *a, u8 vector);
/* The highest pending vector the guest may take now (above PPR, APIC enabled), or -1. */
int vlapic_pending(const struct vlapic *a);
/* The vector is being injected: IRR -> ISR. */
void vlapic_ack(struct vlapic *a, u8 vector);
/* Timer expiry at `now_ns`: raises the timer vector when due; the next deadline (0: none). */
u64 vlapic_timer_poll(struct vlapic *a, u64 now_ns);

/*
 * The vCPUs of a VM with `nvcpus` vCPUs (x2APIC ID = index) that an IPI from vCPU `self`
 * reaches, as a bit mask: physical (0xffffffff broadcast) or logical (cluster << 16 | bits),
 * or a shorthand. IDs that name no vCPU of the VM reach nothing.
 */
u64 vlapic_ipi_targets(const struct vlapic_ipi *ipi, unsigned self, unsigned nvcpus);

#endif
