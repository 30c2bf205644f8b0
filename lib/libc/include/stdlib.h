/* SPDX-License-Identifier: MIT */
#ifndef MOAT_LIBC_STDLIB_H
#define MOAT_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *restrict s, char **restrict end, int base);

#endif
