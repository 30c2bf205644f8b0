// SPDX-License-Identifier: MIT
/* lib/mem.c: mem_zero clears exactly its range, whatever the alignment and length. */
#include <string.h>

#include "test_util.h"

#include "lib/mem.h"

static void zeroes_exactly_the_range_at_every_alignment(void **state)
{
	static unsigned char buf[512];

	(void)state;
	for (size_t off = 0; off < 16; off++) {
		for (size_t n = 0; n < 300; n++) {
			memset(buf, 0xa5, sizeof(buf));
			mem_zero(buf + off, n);
			for (size_t i = 0; i < sizeof(buf); i++)
				assert_int_equal(buf[i], i >= off && i < off + n ? 0 : 0xa5);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zeroes_exactly_the_range_at_every_alignment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
