// SPDX-License-Identifier: MIT
/*
 * Request/response plumbing of the requester: the transport call, the secured-message wrap
 * once a session exists, chunked transfers (CHUNK_SEND when a request is larger than the
 * responder takes, CHUNK_GET after ERROR LargeResponse), ResponseNotReady / RESPOND_IF_READY
 * (DSP0274 "ERROR response"), and the common checks on every response (length, version, code).
 * An ERROR fails the connection, except inside a session for the requests that may be refused
 * (spdm_xfer_op): there it refuses that request only, unless the code ends the session.
 */
#define LOG_COMPONENT "spdm"
#include <arch/cpu.h>

#include "core/devop.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "spdm/internal.h"

#include <string.h>

static const char *const spdm_fail_names[SPDM_FAIL__COUNT] = {
	[SPDM_FAIL_NONE] = "no failure",
	[SPDM_FAIL_TRANSPORT] = "transport failed or timed out",
	[SPDM_FAIL_TRUNCATED] = "response truncated",
	[SPDM_FAIL_OVERSIZED] = "response longer than its content",
	[SPDM_FAIL_MALFORMED] = "malformed response",
	[SPDM_FAIL_UNEXPECTED] = "unexpected response code or version",
	[SPDM_FAIL_ERROR_RSP] = "device answered ERROR",
	[SPDM_FAIL_NOT_READY] = "device not ready within the time limit",
	[SPDM_FAIL_VERSION] = "no common SPDM version",
	[SPDM_FAIL_SM_VERSION] = "secured-message version selected outside our offer",
	[SPDM_FAIL_CAPS] = "device lacks a required capability",
	[SPDM_FAIL_ALGO] = "algorithm selection outside our offer",
	[SPDM_FAIL_DIGEST] = "certificate chain does not match its digest",
	[SPDM_FAIL_CERT_CHAIN] = "certificate chain invalid",
	[SPDM_FAIL_CERT_ANCHOR] = "certificate chain does not reach the trust anchor",
	[SPDM_FAIL_SIGNATURE] = "signature does not verify",
	[SPDM_FAIL_MEAS_SIGNATURE] = "measurement signature does not verify over our nonce",
	[SPDM_FAIL_VERIFY_DATA] = "session verify data mismatch",
	[SPDM_FAIL_SESSION_ID] = "secured message for the wrong session ID",
	[SPDM_FAIL_RECORD] =
		"secured message failed authentication (replayed, reordered or forged)",
	[SPDM_FAIL_SEQ] = "sequence numbers exhausted",
	[SPDM_FAIL_STATE] = "operation not valid in this state",
	[SPDM_FAIL_CRYPTO] = "local crypto operation failed",
	[SPDM_FAIL_VCA_SIZE] = "VCA (GET_VERSION .. ALGORITHMS) larger than its 512-byte buffer",
	[SPDM_FAIL_CHUNK] = "chunked transfer malformed",
	[SPDM_FAIL_TOO_LARGE] = "message larger than the device takes, and no chunking",
	[SPDM_FAIL_CERT_TIME] = "certificate expired or not yet valid",
	[SPDM_FAIL_CERT_EKU] = "leaf certificate's extended key usage excludes SPDM responder",
};

const char *spdm_fail_str(enum spdm_fail f)
{
	return (unsigned)f < SPDM_FAIL__COUNT ? spdm_fail_names[f] : "?";
}

const char *spdm_error_name(u8 code)
{
	static const char *const names[] = {
		[0x01] = "InvalidRequest",
		[0x02] = "InvalidSession",
		[0x03] = "Busy",
		[0x04] = "UnexpectedRequest",
		[0x05] = "Unspecified",
		[0x06] = "DecryptError",
		[0x07] = "UnsupportedRequest",
		[0x08] = "RequestInFlight",
		[0x09] = "InvalidResponseCode",
		[0x0a] = "SessionLimitExceeded",
		[0x0b] = "SessionRequired",
		[0x0c] = "ResetRequired",
		[0x0d] = "ResponseTooLarge",
		[0x0e] = "RequestTooLarge",
		[0x0f] = "LargeResponse",
		[0x10] = "MessageLost",
		[0x11] = "InvalidPolicy",
		[0x12] = "DataTooLarge",
	};

	if (code < ARRAY_SIZE(names) && names[code])
		return names[code];
	switch (code) {
	case 0x41: return "VersionMismatch";
	case 0x42: return "ResponseNotReady";
	case 0x43: return "RequestResynch";
	case 0x44: return "OperationFailed";
	case 0x45: return "NoPendingRequests";
	case 0x46: return "RequestSessionTerminated";
	case 0xff: return "VendorDefined";
	default: return "unknown error";
	}
}

const char *spdm_version_str(u8 v)
{
	switch (v) {
	case 0x10: return "1.0";
	case 0x11: return "1.1";
	case 0x12: return "1.2";
	case 0x13: return "1.3";
	case 0x14: return "1.4";
	default: return "?";
	}
}

const char *spdm_sm_version_str(u16 v)
{
	return spdm_version_str((u8)(v >> 8));
}

/* "1.1, 1.0": the minor versions set in a 1.x bitmask, highest first. */
static void spdm_versions_list(u16 mask, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int m = 15; m >= 0 && n < size; m--)
		if (mask & (1u << m))
			n += (size_t)fmt_snprintf(buf + n, size - n, "%s1.%d", n ? ", " : "", m);
	if (!n)
		fmt_snprintf(buf, size, "no 1.x version");
}

void spdm_fail_describe(const struct spdm_conn *c, char *buf, size_t size)
{
	char v[48];

	switch (c->fail) {
	case SPDM_FAIL_VERSION:
		spdm_versions_list(c->fail_versions, v, sizeof(v));
		fmt_snprintf(buf, size, "%s (device offers %s; Moat speaks 1.3, 1.2)",
			     spdm_fail_str(c->fail), v);
		break;
	case SPDM_FAIL_ERROR_RSP:
		fmt_snprintf(buf, size, "%s %s (error 0x%02x) to request 0x%02x%s",
			     spdm_fail_str(c->fail), spdm_error_name(c->fail_detail),
			     c->fail_detail, c->fail_request,
			     c->fail_request == SPDM_KEY_EXCHANGE
				     ? ", which offered secured messages 1.2, 1.1, 1.0"
				     : "");
		break;
	case SPDM_FAIL_SM_VERSION:
		fmt_snprintf(buf, size, "%s (device selected %s; Moat offers 1.2, 1.1, 1.0)",
			     spdm_fail_str(c->fail), spdm_sm_version_str(c->sm_version));
		break;
	default: fmt_snprintf(buf, size, "%s", spdm_fail_str(c->fail));
	}
}

int spdm_fail(struct spdm_conn *c, enum spdm_fail why, int err)
{
	u8 detail = c->fail_detail, req = c->fail_request;
	u16 versions = c->fail_versions, sm = c->sm_version;

	spdm_reset(c);
	c->fail = why;
	c->fail_detail = detail;
	c->fail_request = req;
	c->fail_versions = versions;
	c->sm_version = sm;
	return err;
}

int spdm_rsp_exact(struct spdm_conn *c, size_t len, size_t need)
{
	size_t slack = MAX(c->rsp_slack, 1);

	if (len < need)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (len - need >= slack)
		return spdm_fail(c, SPDM_FAIL_OVERSIZED, -E_PROTO);
	return 0;
}

int spdm_roundtrip(struct spdm_conn *c, const u8 *req, size_t req_len, size_t *rsp_len)
{
	size_t rec_len, raw_len;
	int err;

	if (!c->in_session) {
		c->rsp_slack = MAX(c->tp->align, 1);
		err = c->tp->exchange(c->tp->ctx, false, req, req_len, c->rsp, sizeof(c->rsp),
				      rsp_len);
		return err ? spdm_fail(c, SPDM_FAIL_TRANSPORT, err) : 0;
	}
	c->rsp_slack = 1; /* the record's own lengths are exact */
	if ((err = spdm_record_seal(c, req, req_len, &rec_len)))
		return err;
	err = c->tp->exchange(c->tp->ctx, true, c->tx, rec_len, c->rsp, sizeof(c->rsp), &raw_len);
	if (err)
		return spdm_fail(c, SPDM_FAIL_TRANSPORT, err);
	return spdm_record_open(c, c->rsp, raw_len, rsp_len);
}

/* ERROR LargeResponse (DSP0274 1.2): the response waits behind its handle for CHUNK_GET. */
static bool spdm_is_large_response(const struct spdm_conn *c, size_t len)
{
	return c->chunk && len >= SPDM_ERR_LARGE_LEN && c->rsp[SPDM_OFF_CODE] == SPDM_ERROR &&
	       c->rsp[SPDM_ERR_OFF_CODE] == SPDM_ERR_LARGE_RESPONSE;
}

/* One request, whatever its size, and its whole response (chunked both ways as needed). */
static int spdm_send_msg(struct spdm_conn *c, const u8 *req, size_t req_len, size_t *rsp_len)
{
	int err;

	if (req_len > SPDM_REQ_MAX)
		return spdm_fail(c, SPDM_FAIL_TOO_LARGE, -E_RANGE);
	if (c->rsp_dts && req_len > c->rsp_dts) {
		if (!c->chunk || req_len > c->rsp_max_msg)
			return spdm_fail(c, SPDM_FAIL_TOO_LARGE, -E_RANGE);
		err = spdm_chunk_send(c, req, req_len, rsp_len);
	} else {
		err = spdm_roundtrip(c, req, req_len, rsp_len);
	}
	if (!err && spdm_is_large_response(c, *rsp_len))
		err = spdm_chunk_get(c, c->rsp[SPDM_ERR_LARGE_OFF_HANDLE], rsp_len);
	return err;
}

static void spdm_delay_us(u64 us)
{
	u64 start = arch_time_ns();

	while (arch_time_ns() - start < us * 1000)
		devop_wait(); /* in a device operation: the CPU goes back to the guest */
}

/*
 * ResponseNotReady (DSP0274 1.2 "ResponseNotReady extended error data"): wait
 * RDT = 2^RDTExponent us, then RESPOND_IF_READY with the token. The device's promised worst
 * case RDT * RDTM must stay within our limit.
 */
static int spdm_retry_not_ready(struct spdm_conn *c, u8 req_code, size_t *len, u64 *waited)
{
	const u8 *e = c->rsp;
	u8 rir[SPDM_HDR_LEN];

	if (*len < SPDM_ERR_NR_LEN)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (e[SPDM_ERR_NR_OFF_CODE] != req_code || e[SPDM_ERR_NR_OFF_RDT_EXP] > 31)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	u64 rdt = 1ull << e[SPDM_ERR_NR_OFF_RDT_EXP];
	if (rdt * 1000 * MAX(e[SPDM_ERR_NR_OFF_RDTM], 1) > SPDM_NOT_READY_MAX_NS ||
	    *waited + rdt * 1000 > SPDM_NOT_READY_MAX_NS)
		return spdm_fail(c, SPDM_FAIL_NOT_READY, -E_TIMEOUT);
	spdm_delay_us(rdt);
	*waited += rdt * 1000;
	rir[SPDM_OFF_VERSION] = c->version;
	rir[SPDM_OFF_CODE] = SPDM_RESPOND_IF_READY;
	rir[SPDM_OFF_PARAM1] = req_code;
	rir[SPDM_OFF_PARAM2] = e[SPDM_ERR_NR_OFF_TOKEN];
	return spdm_send_msg(c, rir, sizeof(rir), len);
}

bool spdm_error_ends_session(u8 code)
{
	switch (code) {
	case SPDM_ERR_INVALID_SESSION:
	case SPDM_ERR_DECRYPT_ERROR:
	case SPDM_ERR_RESET_REQUIRED:
	case SPDM_ERR_MESSAGE_LOST:
	case SPDM_ERR_VERSION_MISMATCH:
	case SPDM_ERR_REQUEST_RESYNCH:
	case SPDM_ERR_SESSION_TERMINATED: return true;
	default: return false;
	}
}

/* The refusal of one request inside the session: the session stays, the code is kept. */
static int spdm_refused(struct spdm_conn *c, u8 code)
{
	c->refusal = code;
	switch (code) {
	case SPDM_ERR_INVALID_REQUEST: return -E_INVAL;
	case SPDM_ERR_BUSY: return -E_BUSY;
	case SPDM_ERR_UNSUPPORTED_REQUEST: return -E_NOTSUP;
	case SPDM_ERR_UNEXPECTED_REQUEST: return -E_STATE;
	default: return -E_IO;
	}
}

static int spdm_xfer_any(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len,
			 bool refusable)
{
	u64 waited = 0;
	size_t len;
	int err = spdm_send_msg(c, c->req, req_len, &len);

	c->refusal = 0;
	for (unsigned tries = 0; !err; tries++) {
		if (len < SPDM_HDR_LEN)
			return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
		if (c->rsp[SPDM_OFF_CODE] != SPDM_ERROR)
			break;
		u8 code = c->rsp[SPDM_ERR_OFF_CODE];
		if (code != SPDM_ERR_RESPONSE_NOT_READY) {
			if (refusable && c->in_session && !spdm_error_ends_session(code))
				return spdm_refused(c, code);
			c->fail_detail = code;
			c->fail_request = c->req[SPDM_OFF_CODE];
			return spdm_fail(c, SPDM_FAIL_ERROR_RSP, -E_PROTO);
		}
		if (tries >= SPDM_NOT_READY_TRIES)
			return spdm_fail(c, SPDM_FAIL_NOT_READY, -E_TIMEOUT);
		err = spdm_retry_not_ready(c, c->req[SPDM_OFF_CODE], &len, &waited);
	}
	if (err)
		return err;
	if (c->rsp[SPDM_OFF_VERSION] != c->version || c->rsp[SPDM_OFF_CODE] != want)
		return spdm_fail(c, SPDM_FAIL_UNEXPECTED, -E_PROTO);
	*rsp_len = len;
	return 0;
}

int spdm_xfer(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len)
{
	return spdm_xfer_any(c, req_len, want, rsp_len, false);
}

int spdm_xfer_op(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len)
{
	return spdm_xfer_any(c, req_len, want, rsp_len, true);
}

int spdm_session_exchange(struct spdm_conn *c, const u8 *req, size_t req_len, u8 *rsp,
			  size_t rsp_cap, size_t *rsp_len)
{
	size_t len;
	int err;

	if (c->state != SPDM_STATE_SESSION || !c->in_session || req_len > SPDM_REQ_MAX)
		return -E_STATE;
	if ((err = spdm_send_msg(c, req, req_len, &len)))
		return err;
	if (len < SPDM_HDR_LEN || len > rsp_cap)
		return spdm_fail(c, len < SPDM_HDR_LEN ? SPDM_FAIL_TRUNCATED : SPDM_FAIL_OVERSIZED,
				 -E_PROTO);
	memcpy(rsp, c->rsp, len);
	*rsp_len = len;
	return 0;
}
