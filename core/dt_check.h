/* SPDX-License-Identifier: MIT */
/* Whole-blob validation of an untrusted flattened device tree, before any libfdt walk. */
#ifndef CORE_DT_CHECK_H
#define CORE_DT_CHECK_H

#include <stddef.h>

#include "lib/compiler.h"

/*
 * 0 when `blob` is a well-formed version-17 FDT that fits in `size` bytes; -E_CORRUPT or
 * -E_NOTSUP otherwise, with `*why` set to a short reason for the caller's message.
 */
int dt_check_blob(const void *blob, size_t size, const char **why) __must_check;

#endif
