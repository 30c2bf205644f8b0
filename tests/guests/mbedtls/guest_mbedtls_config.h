/* SPDX-License-Identifier: MIT */
/*
 * mbedTLS 2.28 configuration of the e2e test guest (tests/guests/e2e_evidence.c): verification
 * only. X.509 DER certificate parsing and chain verification, ECDSA over P-256/P-384, SHA-256
 * and SHA-384. No entropy, no RNG (ECDSA verification needs none: public values only), no
 * time, no file system; memory from a static pool (memory_buffer_alloc).
 */
#ifndef GUEST_MBEDTLS_CONFIG_H
#define GUEST_MBEDTLS_CONFIG_H

#include <stddef.h>

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED
/* Scalar blinding needs an RNG; verification multiplies public values only. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG

/* Moat's freestanding printf subset (lib/fmt.c), linked into the guest. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO fmt_snprintf
/* mbedTLS calls exit() only on detected heap corruption. */
void guest_crypto_fatal(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO guest_crypto_fatal

/* Hashes */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C

/* Public key: verification */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* Certificates (DER only) */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE

#include "mbedtls/check_config.h"

#endif
