// SPDX-License-Identifier: MIT
/* core/own: the ownership record of every host frame (issue 13, "ownership of every host frame"). */
#include <string.h>

#include "test_util.h"

#include "core/own.h"
#include "lib/err.h"

#define MB (1ULL << 20)

static int setup(void **state)
{
	(void)state;
	test_log_capture();
	own_reset();
	return 0;
}

struct dump {
	unsigned n;
	u64 base[8], size[8];
	struct own_id who[8];
};

static void dump_one(void *ctx, paddr_t base, u64 size, struct own_id who)
{
	struct dump *d = ctx;

	if (d->n < 8) {
		d->base[d->n] = base.v;
		d->size[d->n] = size;
		d->who[d->n] = who;
	}
	d->n++;
}

static struct dump dump(void)
{
	struct dump d;

	memset(&d, 0, sizeof(d));
	own_for_each(dump_one, &d);
	return d;
}

static void pages_move_only_from_the_owner_named(void **state)
{
	(void)state;
	assert_int_equal(own_add(pa(0x40000000), 64 * MB, own_moat()), 0);
	assert_int_equal(own_transfer(pa(0x41000000), 2 * MB, own_moat(), own_vm(1)), 0);
	/* VM 2 cannot take VM 1's pages by naming Moat as their owner, nor half of them. */
	assert_int_equal(own_transfer(pa(0x41000000), 2 * MB, own_moat(), own_vm(2)), -E_PERM);
	assert_int_equal(own_transfer(pa(0x40fff000), 2 * PAGE_SIZE, own_moat(), own_vm(2)),
			 -E_PERM);
	assert_true(own_eq(own_owner(pa(0x41001234)), own_vm(1)));
	assert_true(own_eq(own_owner(pa(0x40fff000)), own_moat()));
	assert_true(own_eq(own_owner(pa(0x41200000)), own_moat()));
	struct dump d = dump();
	assert_int_equal(d.n, 3);
	assert_int_equal(d.base[1], 0x41000000);
	assert_int_equal(d.size[1], 2 * MB);
	/* Given back, the ranges merge again. */
	assert_int_equal(own_transfer(pa(0x41000000), 2 * MB, own_vm(1), own_moat()), 0);
	assert_int_equal(dump().n, 1);
}

static void pages_are_recorded_once(void **state)
{
	(void)state;
	assert_int_equal(own_add(pa(0x10000000), 0x10000, own_bar(0)), 0);
	assert_int_equal(own_add(pa(0x1000f000), 0x2000, own_bar(0)), -E_EXIST);
	assert_int_equal(own_add(pa(0x10000800), 0x1000, own_bar(0)), -E_INVAL);
	assert_int_equal(own_add(pa(0xfffffffffffff000ull), 0x2000, own_moat()), -E_OVERFLOW);
	assert_int_equal(own_add(pa(0x20000000), 0x1000, (struct own_id){ OWN_NONE, 0 }), -E_INVAL);
	assert_true(own_eq(own_owner(pa(0x20000000)), ((struct own_id){ OWN_NONE, 0 })));
}

static void check_names_the_first_page_not_owned(void **state)
{
	(void)state;
	assert_int_equal(own_add(pa(0x40000000), 4 * MB, own_vm(1)), 0);
	assert_int_equal(own_add(pa(0x40400000), 4 * MB, own_vm(2)), 0);
	assert_int_equal(own_check(pa(0x40000000), 4 * MB, own_vm(1)), 0);
	assert_int_equal(own_check(pa(0x40000100), 0x100, own_vm(1)), 0); /* sub-page: its page */
	assert_int_equal(own_check(pa(0x40000000), 4 * MB + PAGE_SIZE, own_vm(1)), -E_PERM);
	assert_true(test_log_has("map refused: page 0x40400000 belongs to vm 2, not to vm 1"));
	assert_int_equal(own_check(pa(0x40800000), PAGE_SIZE, own_vm(2)), -E_PERM);
	assert_true(test_log_has("page 0x40800000 belongs to nobody"));
	assert_int_equal(own_check(pa(0xfffffffffffff000ull), 0x2000, own_vm(2)), -E_OVERFLOW);
}

/* A full table refuses the change that would split a range, and keeps what it had. */
static void a_full_record_changes_nothing(void **state)
{
	(void)state;
	for (unsigned i = 0; i < OWN_MAX_RANGES; i++)
		assert_int_equal(own_add(pa(0x100000000ull + 2 * i * PAGE_SIZE), PAGE_SIZE,
					 i % 2 ? own_vm(1) : own_moat()),
				 0);
	assert_int_equal(own_add(pa(0x200000000ull), PAGE_SIZE, own_moat()), -E_NOSPC);
	assert_int_equal(dump().n, OWN_MAX_RANGES);
	assert_true(own_eq(own_owner(pa(0x100000000ull)), own_moat()));
}

/* Issue 13, "unmapping returns it": a page still in a table keeps its owner. */
static void a_mapped_page_is_not_given_back(void **state)
{
	(void)state;
	assert_int_equal(own_add(pa(0x40000000), 4 * MB, own_moat()), 0);
	assert_int_equal(own_transfer(pa(0x40000000), 4 * MB, own_moat(), own_vm(1)), 0);
	assert_int_equal(own_map(pa(0x40001000), PAGE_SIZE, own_vm(1)), 0);
	assert_int_equal(own_map(pa(0x40001000), PAGE_SIZE, own_vm(1)), 0); /* a second table */
	assert_int_equal(own_maps(pa(0x40001fff)), 2);
	assert_int_equal(own_transfer(pa(0x40000000), 4 * MB, own_vm(1), own_moat()), -E_BUSY);
	assert_true(own_eq(own_owner(pa(0x40001000)), own_vm(1)));
	assert_int_equal(own_unmap(pa(0x40001000), PAGE_SIZE), 0);
	assert_int_equal(own_transfer(pa(0x40000000), 4 * MB, own_vm(1), own_moat()), -E_BUSY);
	assert_int_equal(own_unmap(pa(0x40001000), PAGE_SIZE), 0);
	assert_int_equal(own_maps(pa(0x40001000)), 0);
	assert_int_equal(own_transfer(pa(0x40000000), 4 * MB, own_vm(1), own_moat()), 0);
	assert_int_equal(dump().n, 1); /* counts back to 0: the pieces merge again */
}

/* Counts never go below the tables: an unmap of what is not counted changes nothing. */
static void an_uncounted_unmap_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(own_add(pa(0x40000000), 4 * MB, own_vm(1)), 0);
	assert_int_equal(own_map(pa(0x40000000), 2 * PAGE_SIZE, own_vm(1)), 0);
	assert_int_equal(own_unmap(pa(0x40001000), 2 * PAGE_SIZE), -E_INVAL);
	assert_int_equal(own_maps(pa(0x40001000)), 1);
	assert_int_equal(own_unmap(pa(0x50000000), PAGE_SIZE), -E_INVAL); /* unrecorded */
	assert_int_equal(own_map(pa(0x40000000), 2 * PAGE_SIZE, own_vm(2)), -E_PERM);
	assert_int_equal(own_maps(pa(0x40000000)), 1);
	assert_int_equal(own_map(pa(0xfffffffffffff000ull), 0x2000, own_vm(1)), -E_OVERFLOW);
}

/* RAM counts per page: a guest sharing every other page never splits the record. */
static void per_page_counts_keep_the_record_whole(void **state)
{
	static u8 counts[1024];

	(void)state;
	memset(counts, 0, sizeof(counts));
	assert_int_equal(
		own_add_counted(pa(0x80000000), sizeof(counts) * PAGE_SIZE, own_vm(1), counts), 0);
	for (unsigned i = 0; i < 1024; i += 2)
		assert_int_equal(own_map(pa(0x80000000 + i * PAGE_SIZE), PAGE_SIZE, own_vm(1)), 0);
	assert_int_equal(dump().n, 1);
	assert_int_equal(own_maps(pa(0x80002000)), 1);
	assert_int_equal(own_maps(pa(0x80003000)), 0);
	assert_int_equal(own_transfer(pa(0x80003000), PAGE_SIZE, own_vm(1), own_vm(2)), 0);
	assert_int_equal(own_transfer(pa(0x80002000), PAGE_SIZE, own_vm(1), own_vm(2)), -E_BUSY);
	assert_int_equal(own_transfer(pa(0x80003000), PAGE_SIZE, own_vm(2), own_vm(1)), 0);
	assert_int_equal(dump().n, 1); /* the pieces of one array join again */
	for (unsigned i = 0; i < OWN_MAX_MAPS_PAGE - 1; i++)
		assert_int_equal(own_map(pa(0x80000000), PAGE_SIZE, own_vm(1)), 0);
	assert_int_equal(own_map(pa(0x80000000), PAGE_SIZE, own_vm(1)), -E_NOSPC); /* no wrap */
	assert_int_equal(own_maps(pa(0x80000000)), OWN_MAX_MAPS_PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(pages_move_only_from_the_owner_named, setup),
		cmocka_unit_test_setup(pages_are_recorded_once, setup),
		cmocka_unit_test_setup(check_names_the_first_page_not_owned, setup),
		cmocka_unit_test_setup(a_full_record_changes_nothing, setup),
		cmocka_unit_test_setup(a_mapped_page_is_not_given_back, setup),
		cmocka_unit_test_setup(an_uncounted_unmap_changes_nothing, setup),
		cmocka_unit_test_setup(per_page_counts_keep_the_record_whole, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
