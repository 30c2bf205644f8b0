// SPDX-License-Identifier: MIT
/* TDISP 1.0 message codec (requester side); see tsm/tdisp.h. */
#include "tsm/tdisp.h"

#include <string.h>

#include "lib/bits.h"
#include "lib/err.h"

int tdisp_err_to_moat(u32 code)
{
	switch (code) {
	case TDISP_ERR_INVALID_REQUEST: return -E_INVAL;
	case TDISP_ERR_BUSY: return -E_BUSY;
	case TDISP_ERR_INVALID_INTERFACE_STATE: return -E_STATE;
	case TDISP_ERR_UNSUPPORTED_REQUEST: return -E_NOTSUP;
	case TDISP_ERR_VERSION_MISMATCH: return -E_PROTO;
	case TDISP_ERR_INVALID_INTERFACE: return -E_NOENT;
	case TDISP_ERR_INVALID_NONCE: return -E_AUTH;
	case TDISP_ERR_INSUFFICIENT_ENTROPY: return -E_AGAIN;
	case TDISP_ERR_INVALID_DEVICE_CONFIGURATION: return -E_CORRUPT;
	default: /* UNSPECIFIED and codes we do not know */ return -E_IO;
	}
}

const char *tdisp_err_name(u32 code)
{
	switch (code) {
	case TDISP_ERR_INVALID_REQUEST: return "INVALID_REQUEST";
	case TDISP_ERR_BUSY: return "BUSY";
	case TDISP_ERR_INVALID_INTERFACE_STATE: return "INVALID_INTERFACE_STATE";
	case TDISP_ERR_UNSPECIFIED: return "UNSPECIFIED";
	case TDISP_ERR_UNSUPPORTED_REQUEST: return "UNSUPPORTED_REQUEST";
	case TDISP_ERR_VERSION_MISMATCH: return "VERSION_MISMATCH";
	case TDISP_ERR_INVALID_INTERFACE: return "INVALID_INTERFACE";
	case TDISP_ERR_INVALID_NONCE: return "INVALID_NONCE";
	case TDISP_ERR_INSUFFICIENT_ENTROPY: return "INSUFFICIENT_ENTROPY";
	case TDISP_ERR_INVALID_DEVICE_CONFIGURATION: return "INVALID_DEVICE_CONFIGURATION";
	default: return "unknown";
	}
}

const char *tdisp_state_name(enum tdisp_state s)
{
	static const char *const names[] = { "CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN", "ERROR" };

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "invalid";
}

int tdisp_build_req(u8 *buf, size_t cap, u8 code, u32 function_id, const u8 *body, size_t body_len)
{
	size_t len;

	if (add_overflow(body_len, (size_t)TDISP_HDR_LEN, &len) || len > cap || len > 0x7fffffff)
		return trace_err(-E_NOSPC);
	memset(buf, 0, TDISP_HDR_LEN);
	buf[TDISP_OFF_VERSION] = TDISP_VERSION_1_0;
	buf[TDISP_OFF_TYPE] = code;
	put_le32(buf + TDISP_OFF_FUNCTION_ID, function_id); /* then 8 reserved bytes */
	if (body_len)
		memcpy(buf + TDISP_HDR_LEN, body, body_len);
	return (int)len;
}

int tdisp_build_lock(u8 *buf, size_t cap, u32 function_id, const struct tdisp_lock_req *lk)
{
	u8 body[TDISP_LOCK_LEN] = { 0 };

	put_le16(body + TDISP_LOCK_OFF_FLAGS, lk->flags);
	body[TDISP_LOCK_OFF_STREAM] = lk->default_stream_id;
	put_le64(body + TDISP_LOCK_OFF_REPORT_OFFSET, lk->mmio_reporting_offset);
	put_le64(body + TDISP_LOCK_OFF_P2P_MASK, lk->bind_p2p_addr_mask);
	return tdisp_build_req(buf, cap, TDISP_LOCK_INTERFACE, function_id, body, sizeof(body));
}

int tdisp_build_get_report(u8 *buf, size_t cap, u32 function_id, u16 offset, u16 length)
{
	u8 body[TDISP_GETREP_LEN];

	put_le16(body + TDISP_GETREP_OFF_OFFSET, offset);
	put_le16(body + TDISP_GETREP_OFF_LENGTH, length);
	return tdisp_build_req(buf, cap, TDISP_GET_DEVICE_INTERFACE_REPORT, function_id, body,
			       sizeof(body));
}

int tdisp_build_start(u8 *buf, size_t cap, u32 function_id, const u8 nonce[TDISP_NONCE_LEN])
{
	return tdisp_build_req(buf, cap, TDISP_START_INTERFACE, function_id, nonce,
			       TDISP_NONCE_LEN);
}

/* TDISP_ERROR body: ERROR_CODE, ERROR_DATA, then optional extended data. */
static int tdisp_parse_error(const u8 *body, size_t len, struct tdisp_error *err)
{
	if (len < TDISP_ERR_MIN_LEN)
		return trace_err(-E_PROTO);
	err->code = get_le32(body + TDISP_ERR_OFF_CODE);
	err->data = get_le32(body + TDISP_ERR_OFF_DATA);
	return tdisp_err_to_moat(err->code);
}

int tdisp_parse_rsp(const u8 *msg, size_t len, u8 req_code, u32 function_id, const u8 **body,
		    size_t *body_len, struct tdisp_error *err)
{
	err->code = 0;
	err->data = 0;
	if (len < TDISP_HDR_LEN)
		return trace_err(-E_PROTO);
	if (msg[TDISP_OFF_VERSION] != TDISP_VERSION_1_0)
		return trace_err(-E_PROTO);
	/* The INTERFACE_ID must echo ours, errors included (TDISP 1.0 section 11.3.1). */
	if (get_le32(msg + TDISP_OFF_FUNCTION_ID) != function_id ||
	    get_le64(msg + TDISP_OFF_IID_RSVD) != 0)
		return trace_err(-E_PROTO);
	if (msg[TDISP_OFF_TYPE] == TDISP_RSP_ERROR)
		return tdisp_parse_error(msg + TDISP_HDR_LEN, len - TDISP_HDR_LEN, err);
	if (msg[TDISP_OFF_TYPE] != TDISP_RSP(req_code))
		return trace_err(-E_PROTO);
	*body = msg + TDISP_HDR_LEN;
	*body_len = len - TDISP_HDR_LEN;
	return 0;
}

int tdisp_parse_version(const u8 *body, size_t len, u8 want_version)
{
	u8 n;

	if (len < TDISP_VER_OFF_ENTRIES)
		return trace_err(-E_PROTO);
	n = body[TDISP_VER_OFF_COUNT];
	if (n == 0 || len != TDISP_VER_OFF_ENTRIES + (size_t)n)
		return trace_err(-E_PROTO);
	for (unsigned i = 0; i < n; i++)
		if (body[TDISP_VER_OFF_ENTRIES + i] == want_version)
			return 0;
	return trace_err(-E_NOTSUP);
}

int tdisp_parse_caps(const u8 *body, size_t len, struct tdisp_caps *caps)
{
	if (len != TDISP_CAPS_LEN)
		return trace_err(-E_PROTO);
	caps->dsm_caps = get_le32(body + TDISP_CAPS_OFF_DSM_CAPS);
	memcpy(caps->req_msgs, body + TDISP_CAPS_OFF_REQ_MSGS, sizeof(caps->req_msgs));
	caps->lock_flags_supported = get_le16(body + TDISP_CAPS_OFF_LOCK_FLAGS);
	caps->dev_addr_width = body[TDISP_CAPS_OFF_ADDR_WIDTH];
	caps->num_req_this = body[TDISP_CAPS_OFF_NUM_REQ_THIS];
	caps->num_req_all = body[TDISP_CAPS_OFF_NUM_REQ_ALL];
	return 0;
}

int tdisp_parse_lock(const u8 *body, size_t len, u8 nonce[TDISP_NONCE_LEN])
{
	if (len != TDISP_NONCE_LEN)
		return trace_err(-E_PROTO);
	memcpy(nonce, body, TDISP_NONCE_LEN);
	return 0;
}

int tdisp_parse_state(const u8 *body, size_t len, enum tdisp_state *state)
{
	if (len != TDISP_STATE_LEN || body[0] > TDISP_STATE_ERROR)
		return trace_err(-E_PROTO);
	*state = (enum tdisp_state)body[0];
	return 0;
}

int tdisp_parse_empty(const u8 *body, size_t len)
{
	(void)body;
	return len == 0 ? 0 : trace_err(-E_PROTO);
}

int tdisp_parse_report_portion(const u8 *body, size_t len, u16 asked,
			       struct tdisp_report_portion *p)
{
	u16 portion, remainder;

	if (len < TDISP_REP_OFF_DATA)
		return trace_err(-E_PROTO);
	portion = get_le16(body + TDISP_REP_OFF_PORTION);
	remainder = get_le16(body + TDISP_REP_OFF_REMAINDER);
	if (len != TDISP_REP_OFF_DATA + (size_t)portion || portion > asked)
		return trace_err(-E_PROTO);
	if (portion == 0 && remainder != 0) /* no progress: would loop forever */
		return trace_err(-E_PROTO);
	p->portion_len = portion;
	p->remainder_len = remainder;
	p->data = body + TDISP_REP_OFF_DATA;
	return 0;
}
