// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the guest-side checker of the MOAT_EV_MEASUREMENTS evidence blob
 * (guest_abi/lib/moat_evidence.c) on any bytes. Whatever it accepts must lie inside the input
 * and be laid out as docs/guest-abi.md promises: VCA, request, response back to back, the
 * signature last, the nonce and the record inside their messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_abi/moat_evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *base, size_t size, const uint8_t *p, uint64_t len)
{
	return p >= base && (uint64_t)(p - base) <= size && len <= size - (uint64_t)(p - base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_ev_meas_view v;
	uint8_t *copy = malloc(size ? size : 1), prefix[100];

	/* A private, aligned copy: a guest reads the header as a structure. */
	memcpy(copy, data, size);
	if (moat_ev_meas_parse(copy, size, &v) == MOAT_EV_OK) {
		if (!inside(copy, size, v.vca, v.vca_len) ||
		    !inside(copy, size, v.req, v.req_len) ||
		    !inside(copy, size, v.rsp, v.rsp_len) ||
		    !inside(copy, size, v.sig, v.sig_len) ||
		    !inside(copy, size, v.signed_data, v.signed_len) ||
		    !inside(v.req, v.req_len, v.nonce, 32) ||
		    !inside(v.rsp, v.rsp_len, v.record, v.record_len))
			abort();
		if (v.signed_data + v.signed_len != v.sig || v.req != v.vca + v.vca_len ||
		    v.rsp != v.req + v.req_len || v.sig + v.sig_len != v.rsp + v.rsp_len ||
		    v.hdr->total > size || v.sig_len != (v.base_asym == 0x80 ? 96u : 64u))
			abort();
		moat_ev_sign_prefix(v.hdr->spdm_version, MOAT_EV_MEAS_CONTEXT, prefix);
		/* "dmtf-spdm-v1.x.*" with the blob's version (1.2 or 1.3) */
		if (memcmp(prefix, "dmtf-spdm-v1.", 13) ||
		    prefix[13] != '0' + (v.hdr->spdm_version & 0xf) ||
		    memcmp(prefix + 14, ".*", 2) || prefix[69] != 0 || prefix[70] != 'r')
			abort();
	}
	free(copy);
	return 0;
}
