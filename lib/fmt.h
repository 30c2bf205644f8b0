/* SPDX-License-Identifier: MIT */
/*
 * Freestanding formatting: a printf subset (%d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' '
 * '#', width, precision, h/hh/l/ll/z/j/t length). No floating point. Always NUL-terminates when
 * size > 0; returns the length the full output would have had.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/compiler.h"

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Formats a size in bytes as "<n>MiB"/"<n>KiB"/"<n>B", the largest exact unit. */
int fmt_size(char *buf, size_t size, unsigned long long bytes);

#endif
