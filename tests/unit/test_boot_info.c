// SPDX-License-Identifier: MIT
/* boot_info memory maps: merging, limits, and the hand-over into struct platform. */
#include <string.h>

#include "test_util.h"

#include "core/boot_info.h"
#include "core/platform.h"
#include "lib/err.h"

static struct boot_info bi;
static struct platform plat;

static int setup(void **state)
{
	(void)state;
	memset(&bi, 0, sizeof(bi));
	memset(&plat, 0, sizeof(plat));
	return 0;
}

static void adjacent_ranges_of_one_kind_merge(void **state)
{
	assert_int_equal(boot_info_add_mem(&bi, pa(0x100000), 0x100000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x200000), 0x100000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x0), 0x100000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x300000), 0x1000, BOOT_MEM_KEEP), 0);
	assert_int_equal(bi.nmem, 2);
	assert_int_equal(bi.mem[0].base.v, 0);
	assert_int_equal(bi.mem[0].size, 0x300000);
	(void)state;
}

static void empty_wrapping_and_excess_ranges_are_refused(void **state)
{
	assert_int_equal(boot_info_add_mem(&bi, pa(0x1000), 0, BOOT_MEM_RAM), -E_INVAL);
	assert_int_equal(boot_info_add_mem(&bi, pa(~0ULL - 0xfff), 0x2000, BOOT_MEM_RAM), -E_INVAL);
	for (unsigned i = 0; i < BOOT_MAX_MEM; i++)
		assert_int_equal(boot_info_add_mem(&bi, pa(i * 0x10000ULL), 0x1000, BOOT_MEM_RAM),
				 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x10000000), 0x1000, BOOT_MEM_RAM), -E_NOSPC);
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	(void)state;
}

/* Like OVMF: RAM with firmware runtime and ACPI ranges in between. */
static void platform_memory_spans_kept_ranges_and_reserves_them(void **state)
{
	assert_int_equal(boot_info_add_mem(&bi, pa(0), 0x9f000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x100000), 0x7f00000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x8000000), 0x10000, BOOT_MEM_KEEP), 0);
	assert_int_equal(boot_info_add_mem(&bi, pa(0x8010000), 0x17ff0000, BOOT_MEM_RAM), 0);
	assert_int_equal(boot_info_memory(&bi, &plat), 0);
	assert_int_equal(plat.nmem, 2);
	assert_int_equal(plat.mem[1].base.v, 0x100000);
	assert_int_equal(plat.mem[1].size, 0x1ff00000);
	assert_int_equal(plat.nrsv, 1);
	assert_int_equal(plat.rsv[0].base.v, 0x8000000);
	(void)state;
}

static void no_memory_map_is_an_error(void **state)
{
	assert_int_equal(boot_info_memory(&bi, &plat), -E_NOENT);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(adjacent_ranges_of_one_kind_merge, setup),
		cmocka_unit_test_setup(empty_wrapping_and_excess_ranges_are_refused, setup),
		cmocka_unit_test_setup(platform_memory_spans_kept_ranges_and_reserves_them, setup),
		cmocka_unit_test_setup(no_memory_map_is_an_error, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
