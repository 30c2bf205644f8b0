// SPDX-License-Identifier: MIT
/*
 * lib/libc/memfast.c (the images' memset and memcpy), compiled here under other names: every
 * alignment of source and destination and every length up to a few words, exact ranges.
 */
#include <string.h>

#include "test_util.h"

#define memset fast_memset
#define memcpy fast_memcpy
void *fast_memset(void *d, int c, size_t n);
void *fast_memcpy(void *restrict d, const void *restrict s, size_t n);
#include "lib/libc/memfast.c"
#undef memset
#undef memcpy

static unsigned char buf[256], src[256], want[256];

static void memset_fills_exactly_the_range(void **state)
{
	(void)state;
	for (size_t off = 0; off < 16; off++) {
		for (size_t n = 0; n < 100; n++) {
			memset(buf, 0x11, sizeof(buf));
			memset(want, 0x11, sizeof(want));
			memset(want + off, 0xc3, n);
			assert_ptr_equal(fast_memset(buf + off, 0x1c3, n), buf + off);
			assert_memory_equal(buf, want, sizeof(buf));
		}
	}
}

static void memcpy_copies_exactly_the_range(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (size_t doff = 0; doff < 16; doff++) {
		for (size_t soff = 0; soff < 16; soff++) {
			for (size_t n = 0; n < 100; n++) {
				memset(buf, 0, sizeof(buf));
				memset(want, 0, sizeof(want));
				memcpy(want + doff, src + soff, n);
				assert_ptr_equal(fast_memcpy(buf + doff, src + soff, n),
						 buf + doff);
				assert_memory_equal(buf, want, sizeof(buf));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memset_fills_exactly_the_range),
		cmocka_unit_test(memcpy_copies_exactly_the_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
