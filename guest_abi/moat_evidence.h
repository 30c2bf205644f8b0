/* SPDX-License-Identifier: MIT */
/*
 * Guest-side checker of the MOAT_EV_SIGNED_MEASUREMENTS evidence (struct moat_ev_meas): the header and
 * the SPDM messages it frames, every offset and length checked before use. It does not verify
 * the signature (that needs the guest's own crypto, see docs/guest-abi.md "Verifying
 * measurements"); it hands back exactly what to verify. Freestanding, no C library.
 */
#ifndef MOAT_EVIDENCE_H
#define MOAT_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_abi.h"

struct moat_ev_meas_view {
	const struct moat_ev_meas *hdr;
	const uint8_t *vca, *req, *rsp, *sig;
	uint32_t vca_len, req_len, rsp_len, sig_len;
	/* L1/L2 (DSP0274 1.2): VCA || request || response without the signature */
	const uint8_t *signed_data;
	uint32_t signed_len;
	uint32_t hash_len;     /* BaseHashSel's digest size */
	const uint8_t *nonce;  /* the 32-byte nonce in the request */
	const uint8_t *record; /* the measurement record in the response */
	uint32_t record_len;
	uint8_t nblocks;
	/* from ALGORITHMS inside the VCA (signed), equal to the header's */
	uint32_t base_asym, base_hash, meas_hash;
};

enum moat_ev_err {
	MOAT_EV_OK = 0,
	MOAT_EV_E_SHORT = -1,	 /* the buffer is shorter than the header or `total` */
	MOAT_EV_E_HEADER = -2,	 /* size, version or reserved fields wrong */
	MOAT_EV_E_LAYOUT = -3,	 /* a part outside the blob, or not contiguous in order */
	MOAT_EV_E_ALGO = -4,	 /* algorithms unknown, or not those of the VCA's ALGORITHMS */
	MOAT_EV_E_VCA = -5,	 /* the VCA is not GET_VERSION .. ALGORITHMS */
	MOAT_EV_E_REQUEST = -6,	 /* not a signed GET_MEASUREMENTS */
	MOAT_EV_E_RESPONSE = -7, /* not a MEASUREMENTS matching its own lengths */
};

/* Checks `len` bytes at `blob` (4-byte aligned); on success fills `v` (pointers into `blob`). */
int moat_ev_meas_parse(const void *blob, size_t len, struct moat_ev_meas_view *v);

/* The signing prefix of DSP0274 1.2 "signature generation" for `context` (100 bytes). */
void moat_ev_sign_prefix(uint8_t spdm_version, const char *context, uint8_t out[100]);

#define MOAT_EV_MEAS_CONTEXT "responder-measurements signing"

#endif
