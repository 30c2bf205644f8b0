// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the KEY_EXCHANGE_RSP opaque data parser (secured-message version
 * selection, spdm/spdm_opaque.c) on any bytes. A selection it accepts is one Moat offered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "spdm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *p = malloc(size ? size : 1);
	u16 v = 0;
	int err;

	memcpy(p, data, size);
	err = spdm_opaque_sm_selection(p, size, &v);
	if (!err && (v & 0xff00) != SPDM_SM_VERSION_10 && (v & 0xff00) != SPDM_SM_VERSION_11 &&
	    (v & 0xff00) != SPDM_SM_VERSION_12)
		abort();
	if (err && err != -E_PROTO && err != -E_NOTSUP)
		abort();
	free(p);
	return 0;
}
