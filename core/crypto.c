// SPDX-License-Identifier: MIT
#define LOG_COMPONENT "crypto"
#include "core/crypto.h"

#include <string.h>

#include <mbedtls/sha256.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include "core/arch.h"
#include "core/log.h"
#include "lib/err.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) && defined(MBEDTLS_PLATFORM_NO_STD_FUNCTIONS)
static unsigned char crypto_pool[CRYPTO_POOL_SIZE] __aligned(16);
#endif

#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen);

int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen)
{
	size_t n = 0;

	(void)data;
	while (n < len) {
		u64 r;
		size_t k = MIN(len - n, sizeof(r));
		if (arch_random_u64(&r))
			break;
		memcpy(out + n, &r, k);
		n += k;
	}
	*olen = n;
	return 0;
}
#endif

#if defined(MBEDTLS_PLATFORM_EXIT_MACRO)
void crypto_fatal(int status)
{
	panic("mbedTLS fatal error %d (heap corruption?)", status);
}
#endif

/* FIPS 180-2 appendix B.1: SHA-256("abc"). */
static const unsigned char sha256_abc[32] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};

int crypto_init(void)
{
	unsigned char out[32];

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) && defined(MBEDTLS_PLATFORM_NO_STD_FUNCTIONS)
	mbedtls_memory_buffer_alloc_init(crypto_pool, sizeof(crypto_pool));
#endif
	if (mbedtls_sha256_ret((const unsigned char *)"abc", 3, out, 0) ||
	    memcmp(out, sha256_abc, sizeof(out))) {
		pr_err("SHA-256 known-answer test failed");
		return trace_err(-E_IO);
	}
	return 0;
}
