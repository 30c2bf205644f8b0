/* SPDX-License-Identifier: MIT */
/* mbedTLS set-up: the fixed memory pool, the entropy hook and the power-on known-answer tests. */
#ifndef CORE_CRYPTO_H
#define CORE_CRYPTO_H

#include "lib/compiler.h"

/* Bytes mbedTLS may allocate in total (SPDM sessions budget against this). */
#define CRYPTO_POOL_SIZE (96 * 1024)

int crypto_init(void) __must_check;

#endif
