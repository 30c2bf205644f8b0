// SPDX-License-Identifier: MIT
/*
 * Virtual x2APIC (arch/x86/vlapic.h). Register semantics from Intel SDM vol. 3A: 11.5.1
 * (LVT), 11.5.3 (error handling), 11.5.4 (timer and its divide configuration), 11.6.1
 * (ICR), 11.8.3.1 (TPR/PPR), 11.8.4-5 (IRR/ISR, EOI), 11.9 (spurious vector), 11.12 (x2APIC:
 * MSR access, #GP rules, logical ID derivation 11.12.10.2, SELF IPI 11.12.11).
 */
#include "arch/x86/vlapic.h"

#include "lib/err.h"

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_MODE (3u << 17)
#define SVR_ENABLE (1u << 8)
#define VERSION_VALUE 0x00050014u /* version 0x14, max LVT entry 5 */

/* Writable bits per LVT (vector, delivery mode, polarity/trigger, mask, timer mode). */
static const u32 lvt_mask[VLAPIC_NLVT] = {
	0x000300ff, /* timer: vector, mask, mode (bit 18 would be TSC-deadline: not offered) */
	0x000107ff, /* thermal: vector, delivery mode, mask */
	0x000107ff, /* PMI */
	0x0001a7ff, /* LINT0: vector, mode, polarity, trigger, mask */
	0x0001a7ff, /* LINT1 */
	0x000100ff, /* error: vector, mask */
};

void vlapic_reset(struct vlapic *a, u32 id)
{
	*a = (struct vlapic){ .id = id, .svr = 0xff };
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		a->lvt[i] = LVT_MASKED;
}

static bool bit_test(const u32 *v, u8 n)
{
	return __atomic_load_n(&v[n / 32], __ATOMIC_ACQUIRE) & (1u << (n % 32));
}

static void bit_clear(u32 *v, u8 n)
{
	__atomic_fetch_and(&v[n / 32], ~(1u << (n % 32)), __ATOMIC_ACQ_REL);
}

/* Highest set vector of a 256-bit register, or -1. */
static int highest(const u32 *v)
{
	for (int w = 7; w >= 0; w--) {
		u32 x = __atomic_load_n(&v[w], __ATOMIC_ACQUIRE);

		if (x)
			return w * 32 + 31 - __builtin_clz(x);
	}
	return -1;
}

static u32 ppr(const struct vlapic *a)
{
	int isrv = highest(a->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

static u32 ldr(const struct vlapic *a)
{
	return (a->id >> 4) << 16 | 1u << (a->id & 15);
}

/* Divide configuration (bits 0, 1, 3): 0b000 -> 2 ... 0b111 -> 1. */
static u64 timer_divisor(u32 dcr)
{
	u32 v = (dcr & 3) | (dcr >> 1 & 4);

	return v == 7 ? 1 : 2ULL << v;
}

static u64 ticks_to_ns(const struct vlapic *a, u64 ticks)
{
	return ticks * timer_divisor(a->tdcr) * (1000000000ULL / VLAPIC_TIMER_HZ);
}

static u32 timer_current(const struct vlapic *a, u64 now)
{
	u64 per_tick = ticks_to_ns(a, 1);

	if (!a->deadline_ns || now >= a->deadline_ns)
		return 0;
	return (u32)((a->deadline_ns - now + per_tick - 1) / per_tick);
}

static void timer_start(struct vlapic *a, u64 now)
{
	bool periodic = (a->lvt[0] & LVT_TIMER_MODE) == LVT_TIMER_PERIODIC;

	a->deadline_ns = a->tmict ? now + ticks_to_ns(a, a->tmict) : 0;
	a->period_ns = a->tmict && periodic ? ticks_to_ns(a, a->tmict) : 0;
}

int vlapic_read(struct vlapic *a, u32 msr, u64 now_ns, u64 *val)
{
	switch (msr) {
	case X2APIC_ID: *val = a->id; return 0;
	case X2APIC_VERSION: *val = VERSION_VALUE; return 0;
	case X2APIC_TPR: *val = a->tpr; return 0;
	case X2APIC_PPR: *val = ppr(a); return 0;
	case X2APIC_LDR: *val = ldr(a); return 0;
	case X2APIC_SVR: *val = a->svr; return 0;
	case X2APIC_ESR: *val = a->esr; return 0;
	case X2APIC_TIMER_ICR: *val = a->tmict; return 0;
	case X2APIC_TIMER_CCR: *val = timer_current(a, now_ns); return 0;
	case X2APIC_TIMER_DCR: *val = a->tdcr; return 0;
	case X2APIC_ICR: *val = 0; return 0; /* delivery is immediate: never "send pending" */
	default: break;
	}
	if (msr >= X2APIC_LVT_TIMER && msr <= X2APIC_LVT_ERROR) {
		*val = a->lvt[msr - X2APIC_LVT_TIMER];
		return 0;
	}
	if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 24) { /* ISR, TMR, IRR: 8 words each */
		const u32 *r = msr < X2APIC_TMR0 ? a->isr : msr < X2APIC_IRR0 ? a->tmr : a->irr;
		*val = __atomic_load_n(&r[(msr - X2APIC_ISR0) % 8], __ATOMIC_ACQUIRE);
		return 0;
	}
	return -E_INVAL; /* EOI, SELF IPI (write-only) and reserved registers: #GP */
}

static void eoi(struct vlapic *a)
{
	int v = highest(a->isr);

	if (v >= 0)
		bit_clear(a->isr, (u8)v);
}

/* x2APIC ICR (11.12.9): reserved bits 13, 16-17, 20-31 and the RO delivery status (12). */
#define ICR_RESERVED 0x00000000fff33000ULL

static int icr_write(struct vlapic *a, u64 val, struct vlapic_ipi *ipi, bool *sent)
{
	struct vlapic_ipi i = {
		.dest = (u32)(val >> 32),
		.vector = (u8)val,
		.mode = (u8)(val >> 8 & 7),
		.shorthand = (u8)(val >> 18 & 3),
		.logical = val >> 11 & 1,
		.deassert = !(val >> 14 & 1) && (val >> 15 & 1),
	};

	if ((val & ICR_RESERVED) || i.mode == 3 || i.mode == 7)
		return -E_INVAL;
	if ((i.mode == APIC_DM_FIXED || i.mode == APIC_DM_LOWEST) && i.vector < 16) {
		a->esr_pending |= APIC_ESR_SEND_ILLEGAL_VECTOR;
		return 0; /* not sent (11.5.3) */
	}
	*ipi = i;
	*sent = true;
	return 0;
}

static int lvt_write(struct vlapic *a, unsigned idx, u64 val, u64 now)
{
	if (val >> 32 || (val & ~(u64)lvt_mask[idx]))
		return -E_INVAL;
	/* While the APIC is software-disabled every LVT stays masked (11.4.7.2). */
	a->lvt[idx] = (u32)val | ((a->svr & SVR_ENABLE) ? 0 : LVT_MASKED);
	if (idx == 0 && a->deadline_ns) /* a mode change keeps the count running */
		a->period_ns = (a->lvt[0] & LVT_TIMER_MODE) == LVT_TIMER_PERIODIC
				       ? ticks_to_ns(a, a->tmict)
				       : 0;
	(void)now;
	return 0;
}

static int svr_write(struct vlapic *a, u64 val)
{
	if (val & ~0x1ffULL) /* EOI-broadcast suppression (bit 12) is not offered */
		return -E_INVAL;
	a->svr = (u32)val;
	if (!(a->svr & SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_NLVT; i++)
			a->lvt[i] |= LVT_MASKED;
	return 0;
}

int vlapic_write(struct vlapic *a, u32 msr, u64 val, u64 now_ns, struct vlapic_ipi *ipi_out,
		 bool *sent)
{
	*sent = false;
	if (msr >= X2APIC_LVT_TIMER && msr <= X2APIC_LVT_ERROR)
		return lvt_write(a, msr - X2APIC_LVT_TIMER, val, now_ns);
	switch (msr) {
	case X2APIC_TPR:
		if (val & ~0xffULL)
			return -E_INVAL;
		a->tpr = (u32)val;
		return 0;
	case X2APIC_EOI:
		if (val)
			return -E_INVAL; /* 11.12.1.2: a non-zero EOI write is #GP */
		eoi(a);
		return 0;
	case X2APIC_SVR: return svr_write(a, val);
	case X2APIC_ESR:
		if (val)
			return -E_INVAL;
		a->esr = a->esr_pending; /* a write latches the errors seen since the last one */
		a->esr_pending = 0;
		return 0;
	case X2APIC_ICR: return icr_write(a, val, ipi_out, sent);
	case X2APIC_TIMER_ICR:
		if (val >> 32)
			return -E_INVAL;
		a->tmict = (u32)val;
		timer_start(a, now_ns);
		return 0;
	case X2APIC_TIMER_DCR:
		if (val & ~0xbULL)
			return -E_INVAL;
		a->tdcr = (u32)val;
		return 0;
	case X2APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -E_INVAL;
		return icr_write(a, (val & 0xff) | (u64)APIC_SH_SELF << 18, ipi_out, sent);
	default: return -E_INVAL; /* read-only and reserved registers: #GP */
	}
}

void vlapic_accept(struct vlapic *a, u8 vector)
{
	if (vector < 16) {
		a->esr_pending |= APIC_ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	__atomic_fetch_or(&a->irr[vector / 32], 1u << (vector % 32), __ATOMIC_ACQ_REL);
}

int vlapic_pending(const struct vlapic *a)
{
	int v = highest(a->irr);

	if (v < 0 || !(a->svr & SVR_ENABLE))
		return -1;
	return ((u32)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

void vlapic_ack(struct vlapic *a, u8 vector)
{
	if (!bit_test(a->irr, vector))
		return;
	bit_clear(a->irr, vector);
	__atomic_fetch_or(&a->isr[vector / 32], 1u << (vector % 32), __ATOMIC_ACQ_REL);
}

u64 vlapic_timer_poll(struct vlapic *a, u64 now_ns)
{
	if (!a->deadline_ns || now_ns < a->deadline_ns)
		return a->deadline_ns;
	if (!(a->lvt[0] & LVT_MASKED))
		vlapic_accept(a, (u8)a->lvt[0]);
	if (!a->period_ns) {
		a->deadline_ns = 0;
		return 0;
	}
	/* Periodic: the next multiple after now (ticks missed while not running are lost). */
	a->deadline_ns += ((now_ns - a->deadline_ns) / a->period_ns + 1) * a->period_ns;
	return a->deadline_ns;
}

u64 vlapic_ipi_targets(const struct vlapic_ipi *ipi, unsigned self, unsigned nvcpus)
{
	u64 all = nvcpus >= 64 ? ~0ULL : (1ULL << nvcpus) - 1, m = 0;

	switch (ipi->shorthand) {
	case APIC_SH_SELF: return 1ULL << self & all;
	case APIC_SH_ALL: return all;
	case APIC_SH_OTHERS: return all & ~(1ULL << self);
	default: break;
	}
	if (ipi->dest == 0xffffffffu)
		return all; /* broadcast, physical and logical alike (11.12.9) */
	if (!ipi->logical)
		return ipi->dest < nvcpus ? 1ULL << ipi->dest : 0;
	/* Logical x2APIC: cluster in 31:16, one bit per member in 15:0 (11.12.10.2). */
	for (unsigned i = 0; i < nvcpus && i < 64; i++)
		if ((ipi->dest >> 16) == i >> 4 && (ipi->dest & (1u << (i & 15))))
			m |= 1ULL << i;
	return m;
}
