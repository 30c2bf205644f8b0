/* SPDX-License-Identifier: MIT */
/* Helpers shared by the host unit tests. Include after <cmocka.h>'s prerequisites. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

/* Reads a whole file into a malloc'd buffer; fails the test if it cannot. */
void *test_load_file(const char *path, size_t *size);
/* Loads TEST_DTB_DIR/<name>.dtb. */
void *test_load_dtb(const char *name, size_t *size);

/* Captures everything the hypervisor logs; test_log_reset() clears it. */
void test_log_capture(void);
void test_log_reset(void);
const char *test_log_text(void);
/* True when the captured log contains `needle`. */
int test_log_has(const char *needle);

/* Deterministic xorshift PRNG for property tests (seeded per test for reproducibility). */
uint64_t test_rand(uint64_t *state);

#endif
