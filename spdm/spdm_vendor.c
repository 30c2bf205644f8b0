// SPDX-License-Identifier: MIT
/*
 * VENDOR_DEFINED_REQUEST / VENDOR_DEFINED_RESPONSE inside the session (DSP0274 1.2/1.3
 * "VENDOR_DEFINED_REQUEST"), the carrier of TDISP and IDE_KM. An ERROR answer refuses the one
 * request (spdm_xfer_op); a response whose IDs do not echo ours, or whose lengths disagree,
 * fails the connection.
 */
#include "lib/bits.h"
#include "lib/err.h"
#include "spdm/internal.h"

#include <string.h>

int spdm_vendor_build(const struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
		      const u8 *payload, size_t len, u8 *out, size_t cap, size_t *out_len)
{
	size_t hdr = SPDM_VDM_HDR_LEN(vid_len);

	if (len > 0xffff || cap < hdr || len > cap - hdr || hdr + len > SPDM_REQ_MAX)
		return -E_RANGE;
	out[SPDM_OFF_VERSION] = c->version;
	out[SPDM_OFF_CODE] = SPDM_VENDOR_DEFINED_REQUEST;
	out[SPDM_OFF_PARAM1] = 0;
	out[SPDM_OFF_PARAM2] = 0;
	put_le16(out + SPDM_VDM_OFF_STANDARD, standard_id);
	out[SPDM_VDM_OFF_VID_LEN] = vid_len;
	memcpy(out + SPDM_VDM_OFF_VID, vendor_id, vid_len);
	put_le16(out + SPDM_VDM_OFF_LEN(vid_len), (u16)len);
	memmove(out + hdr, payload, len);
	*out_len = hdr + len;
	return 0;
}

int spdm_vendor_parse(struct spdm_conn *c, const u8 *req, const u8 *rsp, size_t rsp_len,
		      const u8 **payload, size_t *payload_len)
{
	size_t vl = req[SPDM_VDM_OFF_VID_LEN], hdr = SPDM_VDM_HDR_LEN(vl), plen;

	if (rsp_len < SPDM_HDR_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (rsp[SPDM_OFF_VERSION] != c->version ||
	    rsp[SPDM_OFF_CODE] != SPDM_RSP(SPDM_VENDOR_DEFINED_REQUEST))
		return spdm_fail(c,
				 rsp[SPDM_OFF_CODE] == SPDM_ERROR ? SPDM_FAIL_ERROR_RSP
								  : SPDM_FAIL_UNEXPECTED,
				 -E_PROTO);
	if (rsp_len < hdr)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	/* registry and vendor ID must echo ours */
	if (memcmp(rsp + SPDM_VDM_OFF_STANDARD, req + SPDM_VDM_OFF_STANDARD,
		   SPDM_VDM_OFF_VID - SPDM_VDM_OFF_STANDARD + vl))
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	plen = get_le16(rsp + SPDM_VDM_OFF_LEN(vl));
	if (rsp_len != hdr + plen)
		return spdm_fail(c,
				 rsp_len < hdr + plen ? SPDM_FAIL_TRUNCATED : SPDM_FAIL_OVERSIZED,
				 -E_PROTO);
	*payload = rsp + hdr;
	*payload_len = plen;
	return 0;
}

int spdm_vendor_request(struct spdm_conn *c, u16 standard_id, const u8 *vendor_id, u8 vid_len,
			const u8 *req, size_t req_len, u8 *rsp, size_t rsp_cap, size_t *rsp_len)
{
	const u8 *payload;
	size_t qlen, len, plen;
	int err;

	if (c->state != SPDM_STATE_SESSION)
		return -E_STATE;
	if ((err = spdm_vendor_build(c, standard_id, vendor_id, vid_len, req, req_len, c->req,
				     sizeof(c->req), &qlen)))
		return err;
	if ((err = spdm_xfer_op(c, qlen, SPDM_RSP(SPDM_VENDOR_DEFINED_REQUEST), &len)) ||
	    (err = spdm_vendor_parse(c, c->req, c->rsp, len, &payload, &plen)))
		return err;
	if (plen > rsp_cap)
		return -E_NOSPC;
	memcpy(rsp, payload, plen);
	*rsp_len = plen;
	return 0;
}
