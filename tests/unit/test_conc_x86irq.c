// SPDX-License-Identifier: MIT
/*
 * Moat's x86 interrupt vectors under concurrency (arch/x86/irq_vec.c; built plain and under
 * ThreadSanitizer): two CPUs hand vectors out and give them back in a loop while a third
 * dispatches every vector as the IDT would. A handler must only ever run with the context its
 * own registration gave it (never a freed slot's NULL, never another owner's), every vector
 * is handed out to one owner at a time, and every dispatch ends in one EOI.
 */
#include <pthread.h>

#include "test_util.h"

#include "arch/x86/x86.h"
#include "lib/err.h"

#define ROUNDS 20000
#define OWNERS 2

static unsigned long eois, dispatches, bad_ctx, calls;
static int stop;

/* The image's apic.c, faked. */
int x86_apic_init(void)
{
	return 0;
}

void x86_apic_eoi(void)
{
	__atomic_fetch_add(&eois, 1, __ATOMIC_RELAXED);
}

struct owner {
	unsigned id;
	u8 held[8];
	unsigned nheld;
};

static struct owner owners[OWNERS];

/* The context is the owner; it must still hold the vector being dispatched. */
static void handler(void *ctx)
{
	struct owner *o = ctx;

	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	if (o != &owners[0] && o != &owners[1])
		__atomic_fetch_add(&bad_ctx, 1, __ATOMIC_RELAXED);
}

static void *allocator(void *arg)
{
	struct owner *o = arg;

	for (unsigned r = 0; r < ROUNDS; r++) {
		u8 v;

		if (o->nheld < 8 && !x86_vec_alloc(handler, o, &v)) {
			for (unsigned i = 0; i < o->nheld; i++)
				assert_int_not_equal(o->held[i], v); /* once per owner */
			o->held[o->nheld++] = v;
		}
		if (o->nheld && (r & 1)) {
			x86_vec_free(o->held[0]);
			o->held[0] = o->held[--o->nheld];
		}
	}
	while (o->nheld)
		x86_vec_free(o->held[--o->nheld]);
	return NULL;
}

static void *dispatcher(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (unsigned v = X86_VEC_FIRST; v < X86_VEC_FIRST + 32; v++) {
			x86_irq_dispatch(v);
			__atomic_fetch_add(&dispatches, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void alloc_free_races_dispatch(void **state)
{
	pthread_t a[OWNERS], d;

	(void)state;
	test_log_capture();
	assert_int_equal(pthread_create(&d, NULL, dispatcher, NULL), 0);
	for (unsigned i = 0; i < OWNERS; i++) {
		owners[i].id = i;
		assert_int_equal(pthread_create(&a[i], NULL, allocator, &owners[i]), 0);
	}
	for (unsigned i = 0; i < OWNERS; i++)
		pthread_join(a[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(d, NULL);
	assert_int_equal(bad_ctx, 0);
	assert_true(calls > 0); /* handlers did run while vectors came and went */
	assert_int_equal(eois, dispatches);
	/* everything was given back: the whole range can be handed out again */
	for (unsigned v = X86_VEC_FIRST; v <= X86_VEC_LAST; v++) {
		u8 got;

		assert_int_equal(x86_vec_alloc(handler, &owners[0], &got), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alloc_free_races_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
