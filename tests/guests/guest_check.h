/* SPDX-License-Identifier: MIT */
/* PASS/FAIL accounting shared by the ABI test guests of both arches (guest_check.c). */
#ifndef TESTS_GUESTS_GUEST_CHECK_H
#define TESTS_GUESTS_GUEST_CHECK_H

#include <stdint.h>

/* Checks that failed so far. */
extern int failures;

/* Prints "FAIL what: got X want Y" when they differ (and counts it). */
void check(const char *what, int64_t got, int64_t want);
/* Prints "PASS name" when no check failed since `before`, else "FAIL name". */
void result(const char *name, int before);

#endif
