// SPDX-License-Identifier: MIT
/* lib/lock: the ticket spinlock, under real host threads (mutual exclusion, trylock, FIFO). */
#include <pthread.h>

#include "test_util.h"

#include "lib/lock.h"

#define THREADS 4
#define ROUNDS 20000

static struct spinlock lock = SPINLOCK_INIT;
static volatile unsigned long counter; /* updated non-atomically, only under the lock */

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&lock);
		counter = counter + 1;
		spin_unlock(&lock);
	}
	return NULL;
}

static void excludes_other_threads(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	counter = 0;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(counter, (unsigned long)THREADS * ROUNDS);
	assert_false(spin_is_locked(&lock));
}

static void trylock_fails_while_held(void **state)
{
	struct spinlock l = SPINLOCK_INIT;

	(void)state;
	assert_true(spin_trylock(&l));
	assert_true(spin_is_locked(&l));
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
}

/* Waiters are served in the order they took their tickets. */
static struct spinlock fifo = SPINLOCK_INIT;
static unsigned order[THREADS], served;

static void *waiter(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;

	spin_lock(&fifo);
	order[served++] = me;
	spin_unlock(&fifo);
	return NULL;
}

static void serves_waiters_in_ticket_order(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	served = 0;
	spin_lock(&fifo);
	for (unsigned i = 0; i < THREADS; i++) {
		u32 want = __atomic_load_n(&fifo.next, __ATOMIC_ACQUIRE) + 1;

		assert_int_equal(pthread_create(&t[i], NULL, waiter, (void *)(uintptr_t)i), 0);
		/* The next thread starts only once this one holds its ticket. */
		while (__atomic_load_n(&fifo.next, __ATOMIC_ACQUIRE) != want)
			cpu_spin_hint();
	}
	spin_unlock(&fifo);
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(order[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(excludes_other_threads),
		cmocka_unit_test(trylock_fails_while_held),
		cmocka_unit_test(serves_waiters_in_ticket_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
