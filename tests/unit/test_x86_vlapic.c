// SPDX-License-Identifier: MIT
/*
 * The virtual x2APIC (arch/x86/vlapic.c) against the SDM's rules: priority (TPR/PPR/ISR),
 * EOI order, the timer in its modes and divide settings, ICR encodings and the #GP cases,
 * and IPI destinations resolved inside one VM only.
 */
#include <string.h>

#include "test_util.h"

#include "arch/x86/vlapic.h"
#include "lib/err.h"

static struct vlapic a;

static void wr(u32 msr, u64 v, u64 now)
{
	struct vlapic_ipi ipi;
	bool sent;

	assert_int_equal(vlapic_write(&a, msr, v, now, &ipi, &sent), 0);
}

static u64 rd(u32 msr, u64 now)
{
	u64 v = 0;

	assert_int_equal(vlapic_read(&a, msr, now, &v), 0);
	return v;
}

static void enabled(u32 id)
{
	vlapic_reset(&a, id);
	wr(X2APIC_SVR, 0x1ff, 0);
}

static void identity_registers_are_read_only(void **state)
{
	struct vlapic_ipi ipi;
	bool sent;
	u64 v;

	vlapic_reset(&a, 0x23);
	assert_int_equal(rd(X2APIC_ID, 0), 0x23);
	assert_int_equal(rd(X2APIC_LDR, 0), 2u << 16 | 1u << 3); /* cluster 2, bit 3 */
	assert_int_equal(rd(X2APIC_VERSION, 0) & 0xff, 0x14);
	assert_int_equal(rd(X2APIC_LVT_TIMER, 0), 1u << 16); /* masked at reset */
	assert_int_equal(vlapic_write(&a, X2APIC_ID, 0, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_LDR, 0, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_PPR, 0, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_IRR0, 0, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_read(&a, X2APIC_EOI, 0, &v), -E_INVAL);
	assert_int_equal(vlapic_read(&a, X2APIC_SELF_IPI, 0, &v), -E_INVAL);
	assert_int_equal(vlapic_read(&a, 0x801, 0, &v), -E_INVAL);
	assert_int_equal(vlapic_read(&a, 0x8ff, 0, &v), -E_INVAL);
	(void)state;
}

static void priority_and_eoi_follow_ppr(void **state)
{
	enabled(0);
	vlapic_accept(&a, 0x31);
	vlapic_accept(&a, 0x52);
	vlapic_accept(&a, 0x55);
	assert_int_equal(vlapic_pending(&a), 0x55);
	vlapic_ack(&a, 0x55);
	/* 0x52 is in the same priority class as the one in service: held back */
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(rd(X2APIC_PPR, 0), 0x50);
	wr(X2APIC_EOI, 0, 0);
	assert_int_equal(vlapic_pending(&a), 0x52);
	/* TPR masks classes at and below it */
	wr(X2APIC_TPR, 0x50, 0);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(X2APIC_TPR, 0x4f, 0);
	assert_int_equal(vlapic_pending(&a), 0x52);
	vlapic_ack(&a, 0x52);
	vlapic_ack(&a, 0x31); /* nested: a lower one acked by force, EOI clears the highest */
	wr(X2APIC_EOI, 0, 0);
	assert_int_equal(rd(X2APIC_ISR0 + 1, 0), 1u << 17); /* 0x31 still in service */
	/* software-disabled: nothing is delivered */
	wr(X2APIC_TPR, 0, 0);
	vlapic_accept(&a, 0x90);
	wr(X2APIC_SVR, 0xff, 0);
	assert_int_equal(vlapic_pending(&a), -1);
	(void)state;
}

static void timer_one_shot_periodic_and_divide(void **state)
{
	enabled(0);
	wr(X2APIC_TIMER_DCR, 0xb, 0); /* divide by 1 */
	wr(X2APIC_LVT_TIMER, 0x40, 0);
	wr(X2APIC_TIMER_ICR, 1000, 100);
	assert_int_equal(rd(X2APIC_TIMER_CCR, 600), 500);
	assert_int_equal(vlapic_timer_poll(&a, 1099), 1100);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(vlapic_timer_poll(&a, 1100), 0); /* one-shot: done */
	assert_int_equal(vlapic_pending(&a), 0x40);
	assert_int_equal(rd(X2APIC_TIMER_CCR, 2000), 0);
	vlapic_ack(&a, 0x40);
	wr(X2APIC_EOI, 0, 0);
	/* periodic, divide by 16 (0b0011): 10 ticks = 160 ns */
	wr(X2APIC_TIMER_DCR, 0x3, 0);
	wr(X2APIC_LVT_TIMER, 1u << 17 | 0x41, 0);
	wr(X2APIC_TIMER_ICR, 10, 0);
	assert_int_equal(vlapic_timer_poll(&a, 160), 320);
	assert_int_equal(vlapic_pending(&a), 0x41);
	/* far behind: the next deadline is after now, not a burst */
	assert_int_equal(vlapic_timer_poll(&a, 1000), 1120);
	/* masked: it runs but raises nothing */
	vlapic_ack(&a, 0x41);
	wr(X2APIC_EOI, 0, 0);
	wr(X2APIC_LVT_TIMER, 1u << 16 | 1u << 17 | 0x41, 0);
	vlapic_timer_poll(&a, 1120);
	assert_int_equal(vlapic_pending(&a), -1);
	/* TSC-deadline mode (bit 18) is not offered: #GP */
	struct vlapic_ipi ipi;
	bool sent;
	assert_int_equal(vlapic_write(&a, X2APIC_LVT_TIMER, 1u << 18, 0, &ipi, &sent), -E_INVAL);
	/* ICR 0 stops it */
	wr(X2APIC_TIMER_ICR, 0, 2000);
	assert_int_equal(vlapic_timer_poll(&a, 99999), 0);
	(void)state;
}

static void icr_encodings_and_errors(void **state)
{
	struct vlapic_ipi ipi = { 0 };
	bool sent;

	enabled(1);
	/* fixed, physical, to APIC 3, vector 0x61 */
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 3ULL << 32 | 0x61, 0, &ipi, &sent), 0);
	assert_true(sent);
	assert_int_equal(ipi.dest, 3);
	assert_int_equal(ipi.vector, 0x61);
	assert_int_equal(ipi.mode, APIC_DM_FIXED);
	/* INIT (mode 5, level assert), then start-up vector 0x9a */
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 2ULL << 32 | 0x4500, 0, &ipi, &sent), 0);
	assert_int_equal(ipi.mode, APIC_DM_INIT);
	assert_false(ipi.deassert);
	/* INIT level de-assert: level 0, level-triggered (0x8500) */
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 2ULL << 32 | 0x8500, 0, &ipi, &sent), 0);
	assert_true(ipi.deassert);
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 2ULL << 32 | 0x069a, 0, &ipi, &sent), 0);
	assert_int_equal(ipi.mode, APIC_DM_STARTUP);
	assert_int_equal(ipi.vector, 0x9a);
	/* reserved bits (delivery status, 13, 16-17, 20-31), reserved modes 3 and 7: #GP */
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 1u << 12 | 0x61, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 1u << 16 | 0x61, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 1u << 31 | 0x61, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 3u << 8 | 0x61, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 7u << 8 | 0x61, 0, &ipi, &sent), -E_INVAL);
	assert_false(sent);
	/* an illegal vector is not sent and shows in ESR after the next ESR write */
	assert_int_equal(vlapic_write(&a, X2APIC_ICR, 0x05, 0, &ipi, &sent), 0);
	assert_false(sent);
	assert_int_equal(rd(X2APIC_ESR, 0), 0);
	wr(X2APIC_ESR, 0, 0);
	assert_int_equal(rd(X2APIC_ESR, 0), APIC_ESR_SEND_ILLEGAL_VECTOR);
	/* SELF IPI: vector only */
	assert_int_equal(vlapic_write(&a, X2APIC_SELF_IPI, 0x77, 0, &ipi, &sent), 0);
	assert_true(sent);
	assert_int_equal(vlapic_ipi_targets(&ipi, 1, 4), 1u << 1);
	assert_int_equal(vlapic_write(&a, X2APIC_SELF_IPI, 0x177, 0, &ipi, &sent), -E_INVAL);
	assert_int_equal(vlapic_write(&a, X2APIC_EOI, 1, 0, &ipi, &sent), -E_INVAL);
	(void)state;
}

static void destinations_stay_inside_the_vm(void **state)
{
	struct vlapic_ipi p = { .dest = 2 }, l = { .logical = true }, s = { 0 };

	assert_int_equal(vlapic_ipi_targets(&p, 0, 4), 1u << 2);
	p.dest = 4; /* an ID past the VM's vCPUs (another VM's vCPU 4, say): nobody */
	assert_int_equal(vlapic_ipi_targets(&p, 0, 4), 0);
	p.dest = 0x10000;
	assert_int_equal(vlapic_ipi_targets(&p, 0, 4), 0);
	p.dest = 0xffffffffu;
	assert_int_equal(vlapic_ipi_targets(&p, 0, 4), 0xf);
	l.dest = 0x0000000a; /* cluster 0, members 1 and 3 */
	assert_int_equal(vlapic_ipi_targets(&l, 0, 4), 0xa);
	l.dest = 0x00010001; /* cluster 1: vCPU 16, absent in a 4-vCPU VM */
	assert_int_equal(vlapic_ipi_targets(&l, 0, 4), 0);
	assert_int_equal(vlapic_ipi_targets(&l, 0, 20), 1u << 16);
	s.shorthand = APIC_SH_ALL;
	assert_int_equal(vlapic_ipi_targets(&s, 1, 3), 7);
	s.shorthand = APIC_SH_OTHERS;
	assert_int_equal(vlapic_ipi_targets(&s, 1, 3), 5);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_registers_are_read_only),
		cmocka_unit_test(priority_and_eoi_follow_ppr),
		cmocka_unit_test(timer_one_shot_periodic_and_divide),
		cmocka_unit_test(icr_encodings_and_errors),
		cmocka_unit_test(destinations_stay_inside_the_vm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
