/* SPDX-License-Identifier: MIT */
/*
 * Moat's own mbedTLS 2.28 configuration for the freestanding images: what SPDM 1.2 needs
 * (ECDSA P-256/P-384, ECDH, SHA-256/384, HKDF, AES-GCM, X.509 DER certificate parsing) and
 * nothing else. No file system, threads, networking or time; memory comes from a fixed pool
 * (memory_buffer_alloc); entropy from the CPU's random-number instruction through
 * mbedtls_hardware_poll().
 */
#ifndef MOAT_MBEDTLS_CONFIG_H
#define MOAT_MBEDTLS_CONFIG_H

#include <stddef.h>

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_DEPRECATED_REMOVED
/* No libgcc in the images: bignum must not need 128-bit division (__udivti3). */
#define MBEDTLS_NO_UDBL_DIVISION

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO fmt_snprintf
/* mbedTLS calls exit() only on detected heap corruption: stop the machine. */
void crypto_fatal(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO crypto_fatal

/* Random numbers */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Hashes and key derivation */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* Symmetric */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* Certificates (DER only, no PEM) */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

#include "mbedtls/check_config.h"

#endif
