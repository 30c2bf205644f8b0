// SPDX-License-Identifier: MIT
/*
 * Moat's own x86 interrupt vectors (arch/x86/irq_vec.c) on a fake local APIC: the allocator
 * hands out X86_VEC_FIRST..X86_VEC_LAST, each vector once, until none is left, and again once
 * freed; dispatch runs exactly the vector's handler and then signals EOI (never for the
 * spurious vector); a vector with no handler is said once and still gets its EOI; without an
 * x2APIC nothing is handed out.
 */
#include <string.h>

#include "test_util.h"

#include "arch/x86/x86.h"
#include "lib/err.h"

static int apic_err;
static unsigned eois, calls[256];

/* The image's apic.c, faked. */
int x86_apic_init(void)
{
	return apic_err;
}

void x86_apic_eoi(void)
{
	eois++;
}

/* Occurrences of `needle` in the captured log. */
static unsigned log_count(const char *needle)
{
	unsigned n = 0;

	for (const char *p = test_log_text(); (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void handler(void *ctx)
{
	calls[(uintptr_t)ctx]++;
}

static int setup(void **state)
{
	(void)state;
	apic_err = 0;
	eois = 0;
	memset(calls, 0, sizeof(calls));
	for (unsigned v = X86_VEC_FIRST; v <= X86_VEC_LAST; v++)
		x86_vec_free((u8)v);
	test_log_capture();
	return 0;
}

static void every_vector_is_handed_out_once(void **state)
{
	bool seen[256] = { false };
	u8 v;

	(void)state;
	for (unsigned i = X86_VEC_FIRST; i <= X86_VEC_LAST; i++) {
		assert_int_equal(x86_vec_alloc(handler, (void *)(uintptr_t)i, &v), 0);
		assert_true(v >= X86_VEC_FIRST && v <= X86_VEC_LAST);
		assert_false(seen[v]);
		seen[v] = true;
	}
	assert_int_equal(x86_vec_alloc(handler, NULL, &v), -E_NOSPC);
	x86_vec_free(0x55);
	assert_int_equal(x86_vec_alloc(handler, NULL, &v), 0);
	assert_int_equal(v, 0x55);
	x86_vec_free(0x20); /* outside the range: ignored */
	x86_vec_free(0xff);
	assert_int_equal(x86_vec_alloc(handler, NULL, &v), -E_NOSPC);
	assert_int_equal(x86_vec_alloc(NULL, NULL, &v), -E_INVAL);
}

static void dispatch_runs_only_that_handler_then_eoi(void **state)
{
	u8 a, b;

	(void)state;
	assert_int_equal(x86_vec_alloc(handler, (void *)1, &a), 0);
	assert_int_equal(x86_vec_alloc(handler, (void *)2, &b), 0);
	assert_int_not_equal(a, b);
	x86_irq_dispatch(a);
	assert_int_equal(calls[1], 1);
	assert_int_equal(calls[2], 0);
	assert_int_equal(eois, 1);
	x86_irq_dispatch(b);
	x86_irq_dispatch(b);
	assert_int_equal(calls[2], 2);
	assert_int_equal(eois, 3);
	/* freed: the handler is gone, the vector still ends with EOI, said once */
	x86_vec_free(a);
	x86_irq_dispatch(a);
	x86_irq_dispatch(a);
	assert_int_equal(calls[1], 1);
	assert_int_equal(eois, 5);
	assert_int_equal(log_count("arrived with no handler"), 1);
	/* the preemption timer: EOI only, nothing said; the spurious vector: no EOI */
	x86_irq_dispatch(X86_VEC_PREEMPT);
	assert_int_equal(eois, 6);
	x86_irq_dispatch(X86_VEC_SPURIOUS);
	assert_int_equal(eois, 6);
	assert_int_equal(log_count("arrived with no handler"), 1);
}

static void no_x2apic_no_vector(void **state)
{
	u8 v;

	(void)state;
	apic_err = -E_NOTSUP;
	assert_int_equal(x86_vec_alloc(handler, NULL, &v), -E_NOTSUP);
}

#define T(n) cmocka_unit_test_setup(n, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(every_vector_is_handed_out_once),
		T(dispatch_runs_only_that_handler_then_eoi),
		T(no_x2apic_no_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
