// SPDX-License-Identifier: MIT
/* The MOAT_EV_SIGNED_MEASUREMENTS evidence blob (tsm/evidence.h). */
#include "tsm/evidence.h"

#include <string.h>

#include "guest_abi/moat_abi.h"
#include "lib/err.h"

/* The parts back to back after the header: VCA, request, response (its signature last). */
static int tsm_ev_layout(struct moat_ev_meas *h, size_t vca_len,
			 const struct spdm_meas_capture *cap)
{
	u64 total;

	/* Each part below 4 GiB first, so the sum of four cannot wrap. */
	if (vca_len > UINT32_MAX || cap->req_len > UINT32_MAX || cap->rsp_len > UINT32_MAX ||
	    cap->sig_len > cap->rsp_len || !cap->sig_len)
		return -E_INVAL;
	total = MOAT_EV_MEAS_SIZE + (u64)vca_len + cap->req_len + cap->rsp_len;
	if (total > UINT32_MAX)
		return -E_INVAL;
	h->vca = (struct moat_ev_part){ MOAT_EV_MEAS_SIZE, (u32)vca_len };
	h->req = (struct moat_ev_part){ h->vca.off + h->vca.len, (u32)cap->req_len };
	h->rsp = (struct moat_ev_part){ h->req.off + h->req.len, (u32)cap->rsp_len };
	h->sig = (struct moat_ev_part){ h->rsp.off + h->rsp.len - (u32)cap->sig_len,
					(u32)cap->sig_len };
	h->total = (u32)total;
	return 0;
}

int tsm_ev_meas_build(const struct spdm_conn *c, const struct spdm_meas_capture *cap, u8 *buf,
		      size_t bufcap, size_t *len)
{
	struct moat_ev_meas h = {
		.size = MOAT_EV_MEAS_SIZE,
		.version = MOAT_EV_MEAS_VERSION,
		.spdm_version = c->version,
		.slot = c->slot,
		.base_asym = c->alg.asym,
		.base_hash = c->alg.hash,
		.meas_hash = c->alg.meas_hash,
	};
	size_t vca_len;
	const u8 *vca = spdm_vca(c, &vca_len);
	int err;

	*len = 0;
	if (!vca_len || (err = tsm_ev_layout(&h, vca_len, cap)))
		return trace_err(-E_INVAL);
	*len = h.total;
	if (h.total > bufcap)
		return trace_err(-E_NOSPC);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + h.vca.off, vca, h.vca.len);
	memcpy(buf + h.req.off, cap->buf, h.req.len + h.rsp.len);
	return 0;
}
