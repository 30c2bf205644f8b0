/* SPDX-License-Identifier: MIT */
/*
 * Evidence a guest verifies itself (docs/guest-abi.md "Verifying measurements"): one signed
 * GET_MEASUREMENTS exchange framed as struct moat_ev_meas (guest_abi/moat_abi.h).
 */
#ifndef TSM_EVIDENCE_H
#define TSM_EVIDENCE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "spdm/spdm.h"

/*
 * Header, VCA, request, response (signature last) into `buf`, from a connection and the
 * exchange spdm_get_measurements() captured on it. *len is the blob's size, also when `cap`
 * is too small (-E_NOSPC, nothing written); -E_INVAL for parts that cannot be framed.
 */
int tsm_ev_meas_build(const struct spdm_conn *c, const struct spdm_meas_capture *cap, u8 *buf,
		      size_t bufcap, size_t *len) __must_check;

#endif
