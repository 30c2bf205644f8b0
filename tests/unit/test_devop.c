// SPDX-License-Identifier: MIT
/* Resumable device operations (core/devop.c) on the host arch's context switch. */
#include <string.h>

#include "test_util.h"

#include <arch/cpu.h>

#include "core/devop.h"

static struct devop op, op2;
static unsigned steps, waits_wanted;
static int trace[16];
static unsigned ntrace;

static void counting_op(struct devop *o)
{
	(void)o;
	for (unsigned i = 0; i < waits_wanted; i++) {
		steps++;
		devop_wait();
	}
	steps++;
}

static void an_operation_suspends_at_each_wait_and_finishes(void **state)
{
	(void)state;
	steps = 0;
	waits_wanted = 3;
	devop_prepare(&op, counting_op);
	for (unsigned i = 1; i <= 3; i++) {
		assert_false(devop_run(&op));
		assert_int_equal(steps, i);
		assert_int_equal(op.waits, i);
	}
	assert_true(devop_run(&op));
	assert_int_equal(steps, 4);
	assert_true(devop_run(&op)); /* finished stays finished */
	assert_int_equal(steps, 4);
	/* the same context runs a new operation from the start */
	steps = 0;
	waits_wanted = 0;
	devop_prepare(&op, counting_op);
	assert_true(devop_run(&op));
	assert_int_equal(steps, 1);
}

static void outside_an_operation_a_wait_spins_in_place(void **state)
{
	u64 t = arch_time_ns();

	(void)state;
	host_time_step_ns = 1000;
	devop_wait();
	assert_int_equal(arch_time_ns() - t, 1000);
}

static void op_a(struct devop *o)
{
	(void)o;
	trace[ntrace++] = 1;
	devop_wait();
	trace[ntrace++] = 2;
}

static void op_b(struct devop *o)
{
	(void)o;
	trace[ntrace++] = 10;
	devop_wait();
	trace[ntrace++] = 20;
	devop_wait();
	trace[ntrace++] = 30;
}

static void two_operations_interleave_at_their_waits(void **state)
{
	static const int want[] = { 1, 10, 2, 20, 30 };

	(void)state;
	ntrace = 0;
	devop_prepare(&op, op_a);
	devop_prepare(&op2, op_b);
	assert_false(devop_run(&op));
	assert_false(devop_run(&op2));
	assert_true(devop_run(&op));
	assert_false(devop_run(&op2));
	assert_true(devop_run(&op2));
	assert_int_equal(ntrace, 5);
	assert_memory_equal(trace, want, sizeof(want));
}

/* Deep frames, as SPDM record processing makes: the stack must hold them. */
static unsigned deep(unsigned n)
{
	volatile u8 frame[1024];

	frame[n % sizeof(frame)] = (u8)n;
	if (n == 0)
		return frame[0];
	if (n == 8)
		devop_wait();
	return deep(n - 1) + frame[n % sizeof(frame)];
}

static unsigned deep_result;

static void deep_op(struct devop *o)
{
	(void)o;
	deep_result = deep(16);
}

static void an_operation_may_use_deep_frames_across_a_wait(void **state)
{
	(void)state;
	devop_prepare(&op, deep_op);
	assert_false(devop_run(&op));
	assert_true(devop_run(&op));
	assert_int_equal(deep_result, 136); /* 16 + 15 + ... + 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_operation_suspends_at_each_wait_and_finishes),
		cmocka_unit_test(outside_an_operation_a_wait_spins_in_place),
		cmocka_unit_test(two_operations_interleave_at_their_waits),
		cmocka_unit_test(an_operation_may_use_deep_frames_across_a_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
