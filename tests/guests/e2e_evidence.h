/* SPDX-License-Identifier: MIT */
/*
 * The e2e guest's own verification of its device's evidence (tests/guests/e2e_evidence.c), on
 * mbedTLS: it trusts the device's root key (the anchor digest it was given), not Moat. Every
 * algorithm Moat negotiates: ECDSA P-256 and P-384, SHA-256, SHA-384 and SHA-512, SPDM 1.2 and
 * 1.3. Also built for the host unit tests (tests/unit/test_evidence.c).
 */
#ifndef TESTS_GUESTS_E2E_EVIDENCE_H
#define TESTS_GUESTS_E2E_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi/moat_evidence.h"

/* Each returns 0 or one of these, and names the failed check in *why. */
enum ev_err {
	EV_E_CHAIN = -1,     /* the certificate chain does not verify up to the anchor */
	EV_E_BLOB = -2,	     /* the evidence blob is malformed or of other algorithms */
	EV_E_NONCE = -3,     /* the request does not carry the guest's nonce */
	EV_E_SIGNATURE = -4, /* the measurement signature does not verify */
};

/*
 * An SPDM certificate chain (DSP0274 "Certificate chain format") from MOAT_EV_CERT_CHAIN, whose
 * RootHash is `hash_len` bytes (the negotiated BaseHash, as in the evidence blob): its root
 * certificate hashes to `anchor` (SHA-256, -384 or -512 by the anchor's length), every
 * certificate is signed by its issuer up to that root, and the leaf's ECDSA key (P-256 or
 * P-384) is kept for ev_meas_verify(). *ncerts: certificates; *curve_bits: the leaf's curve.
 */
int ev_chain_verify(const uint8_t *chain, size_t len, uint32_t hash_len, const uint8_t *anchor,
		    size_t anchor_len, unsigned *ncerts, unsigned *curve_bits, const char **why);

/*
 * A MOAT_EV_SIGNED_MEASUREMENTS blob: checked (moat_ev_meas_parse), the request carrying
 * `nonce`, its algorithms those of the verified leaf, and the leaf's signature over L1/L2 as
 * the guest computes it from the blob.
 */
int ev_meas_verify(const uint8_t *blob, size_t len, const uint8_t nonce[32],
		   struct moat_ev_meas_view *v, const char **why);

/* SHA-256, for the VCA digest cross-check. */
void ev_sha256(const uint8_t *m, size_t len, uint8_t out[32]);

#endif
