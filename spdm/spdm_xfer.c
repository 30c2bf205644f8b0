// SPDX-License-Identifier: MIT
/*
 * Request/response plumbing of the requester: the transport call, the secured-message wrap
 * once a session exists, ResponseNotReady / RESPOND_IF_READY (DSP0274 1.2 "ERROR"), and the
 * common checks on every response (length, version, code). Failure resets the connection.
 */
#define LOG_COMPONENT "spdm"
#include <arch/cpu.h>

#include "core/devop.h"
#include "core/log.h"
#include "lib/bits.h"
#include "lib/err.h"
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
	[SPDM_FAIL_VERSION] = "no common SPDM version (need 1.2)",
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
};

const char *spdm_fail_str(enum spdm_fail f)
{
	return (unsigned)f < SPDM_FAIL__COUNT ? spdm_fail_names[f] : "?";
}

int spdm_fail(struct spdm_conn *c, enum spdm_fail why, int err)
{
	u8 detail = c->fail_detail;

	spdm_reset(c);
	c->fail = why;
	c->fail_detail = detail;
	return err;
}

int spdm_rsp_exact(struct spdm_conn *c, size_t len, size_t need)
{
	size_t slack = c->in_session ? 1 : MAX(c->tp->align, 1);

	if (len < need)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (len - need >= slack)
		return spdm_fail(c, SPDM_FAIL_OVERSIZED, -E_PROTO);
	return 0;
}

/* One transport round trip of `req` into c->rsp, sealed/opened when in a session. */
static int spdm_roundtrip(struct spdm_conn *c, const u8 *req, size_t req_len, size_t *rsp_len)
{
	size_t rec_len, raw_len;
	int err;

	if (!c->in_session) {
		err = c->tp->exchange(c->tp->ctx, false, req, req_len, c->rsp, sizeof(c->rsp),
				      rsp_len);
		return err ? spdm_fail(c, SPDM_FAIL_TRANSPORT, err) : 0;
	}
	if ((err = spdm_record_seal(c, req, req_len, &rec_len)))
		return err;
	err = c->tp->exchange(c->tp->ctx, true, c->rec, rec_len, c->rsp, sizeof(c->rsp), &raw_len);
	if (err)
		return spdm_fail(c, SPDM_FAIL_TRANSPORT, err);
	/* Open into the record buffer, then move the plain message where callers expect it. */
	memcpy(c->rec, c->rsp, raw_len);
	return spdm_record_open(c, c->rec, raw_len, c->rsp, sizeof(c->rsp), rsp_len);
}

static void spdm_delay_us(u64 us)
{
	u64 start = arch_time_ns();

	while (arch_time_ns() - start < us * 1000)
		devop_wait(); /* in a device operation: the CPU goes back to the guest */
}

/*
 * ResponseNotReady (DSP0274 1.2 table 48): wait RDT = 2^RDTExponent us, then RESPOND_IF_READY
 * with the token. The device's promised worst case RDT * RDTM must stay within our limit.
 */
static int spdm_retry_not_ready(struct spdm_conn *c, u8 req_code, size_t *len, u64 *waited)
{
	u8 rir[4];
	const u8 *e = c->rsp + 4;

	if (*len < 8)
		return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
	if (e[1] != req_code || e[0] > 31)
		return spdm_fail(c, SPDM_FAIL_MALFORMED, -E_PROTO);
	u64 rdt = 1ull << e[0];
	if (rdt * 1000 * MAX(e[3], 1) > SPDM_NOT_READY_MAX_NS ||
	    *waited + rdt * 1000 > SPDM_NOT_READY_MAX_NS)
		return spdm_fail(c, SPDM_FAIL_NOT_READY, -E_TIMEOUT);
	spdm_delay_us(rdt);
	*waited += rdt * 1000;
	rir[0] = c->version;
	rir[1] = SPDM_RESPOND_IF_READY;
	rir[2] = req_code;
	rir[3] = e[2];
	return spdm_roundtrip(c, rir, sizeof(rir), len);
}

int spdm_xfer(struct spdm_conn *c, size_t req_len, u8 want, size_t *rsp_len)
{
	u64 waited = 0;
	size_t len;
	int err = spdm_roundtrip(c, c->req, req_len, &len);

	for (unsigned tries = 0; !err; tries++) {
		if (len < 4)
			return spdm_fail(c, SPDM_FAIL_TRUNCATED, -E_PROTO);
		if (c->rsp[1] != SPDM_ERROR)
			break;
		if (c->rsp[2] != SPDM_ERR_RESPONSE_NOT_READY) {
			c->fail_detail = c->rsp[2];
			return spdm_fail(c, SPDM_FAIL_ERROR_RSP, -E_PROTO);
		}
		if (tries >= SPDM_NOT_READY_TRIES)
			return spdm_fail(c, SPDM_FAIL_NOT_READY, -E_TIMEOUT);
		err = spdm_retry_not_ready(c, c->req[1], &len, &waited);
	}
	if (err)
		return err;
	if (c->rsp[0] != c->version || c->rsp[1] != want)
		return spdm_fail(c, SPDM_FAIL_UNEXPECTED, -E_PROTO);
	*rsp_len = len;
	return 0;
}

int spdm_session_exchange(struct spdm_conn *c, const u8 *req, size_t req_len, u8 *rsp,
			  size_t rsp_cap, size_t *rsp_len)
{
	size_t len;
	int err;

	if (c->state != SPDM_STATE_SESSION || !c->in_session || req_len > SPDM_MSG_MAX)
		return -E_STATE;
	if ((err = spdm_roundtrip(c, req, req_len, &len)))
		return err;
	if (len < 4 || len > rsp_cap)
		return spdm_fail(c, len < 4 ? SPDM_FAIL_TRUNCATED : SPDM_FAIL_OVERSIZED, -E_PROTO);
	memcpy(rsp, c->rsp, len);
	*rsp_len = len;
	return 0;
}
