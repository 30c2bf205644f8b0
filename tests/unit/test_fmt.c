// SPDX-License-Identifier: MIT
/* lib/fmt: the freestanding printf subset, checked against the host C library. */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

#include "lib/fmt.h"

#define CHECK(...)                                                \
	do {                                                      \
		char a[128], b[128];                              \
		int na = fmt_snprintf(a, sizeof(a), __VA_ARGS__); \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);     \
		assert_string_equal(a, b);                        \
		assert_int_equal(na, nb);                         \
	} while (0)

static void integers_match_libc(void **state)
{
	CHECK("%d %i %u", 0, -1, 4000000000U);
	CHECK("%d", -2147483647 - 1);
	CHECK("%lld %llu", -9223372036854775807LL - 1, 18446744073709551615ULL);
	CHECK("%ld %lu %lx", -5L, 5UL, 0xdeadbeefUL);
	CHECK("%zu %zx", (size_t)12345, (size_t)0xabc);
	CHECK("%hhu %hd %hx", 300, 70000, 0x12345);
	CHECK("%x %X %#x %#X %#x", 255, 255, 255, 255, 0);
	CHECK("%o %#o %#o", 8, 8, 0);
	CHECK("%5d|%-5d|%05d|%+d|% d|%+d", 42, 42, 42, 42, 42, -42);
	CHECK("%.3d|%8.3d|%-8.3x|%.0d|%.0x", 7, 7, 7, 0, 0);
	CHECK("%016llx %#018llx", 0x1234ULL, 0x1234ULL);
	CHECK("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
	CHECK("%*d", -6, 9);
	(void)state;
}

static void strings_and_chars_match_libc(void **state)
{
	CHECK("[%s] [%10s] [%-10s] [%.2s] [%c%c]", "abc", "abc", "abc", "abc", 'x', 'y');
	CHECK("%%|%5c|%-3c|", 'z', 'q');
	CHECK("%p", (void *)0x1234);
	(void)state;
}

static void truncates_and_reports_full_length(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s-%d", "hello", 12345), 11);
	assert_string_equal(buf, "hello-1");
	assert_int_equal(fmt_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	/* size 0: nothing written, length still returned */
	buf[0] = 'Q';
	assert_int_equal(fmt_snprintf(buf, 0, "abcdef"), 6);
	assert_int_equal(buf[0], 'Q');
	(void)state;
}

/* Formats built at run time, so the compiler's format checks do not reject the bad ones. */
static const char *volatile fmt_null = "%s", *volatile fmt_bad = "a%qb",
			    *volatile fmt_trail = "trailing %";

static void null_string_is_safe(void **state)
{
	char buf[16];
	const char *volatile nul = NULL;

	fmt_snprintf(buf, sizeof(buf), fmt_null, nul);
	assert_string_equal(buf, "(null)");
	(void)state;
}

static void unknown_conversion_is_printed(void **state)
{
	char buf[16];

	fmt_snprintf(buf, sizeof(buf), fmt_bad);
	assert_string_equal(buf, "a%qb");
	fmt_snprintf(buf, sizeof(buf), fmt_trail);
	assert_string_equal(buf, "trailing ");
	(void)state;
}

static void sizes_use_largest_exact_unit(void **state)
{
	char buf[16];

	fmt_size(buf, sizeof(buf), 512ULL << 20);
	assert_string_equal(buf, "512MiB");
	fmt_size(buf, sizeof(buf), 3ULL << 30);
	assert_string_equal(buf, "3GiB");
	fmt_size(buf, sizeof(buf), (1ULL << 30) + 4096);
	assert_string_equal(buf, "1048580KiB");
	fmt_size(buf, sizeof(buf), 1000);
	assert_string_equal(buf, "1000B");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers_match_libc),
		cmocka_unit_test(strings_and_chars_match_libc),
		cmocka_unit_test(truncates_and_reports_full_length),
		cmocka_unit_test(null_string_is_safe),
		cmocka_unit_test(unknown_conversion_is_printed),
		cmocka_unit_test(sizes_use_largest_exact_unit),
	};
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
