// SPDX-License-Identifier: MIT
/*
 * The TDISP requester: one request/response per call, over the DSM's vendor-defined channel
 * (inside the SPDM session). Responses are checked by tsm/tdisp.c.
 */
#define LOG_COMPONENT "tdisp"
#include "tsm/tdi.h"

#include <string.h>

#include "core/log.h"
#include "lib/err.h"

/* Sends the `req_len` bytes in pd->req and returns the checked body of the response. */
static int tdisp_exchange(struct tdi *t, int req_len, u8 code, const u8 **body, size_t *len)
{
	struct tsm_pdev *pd = t->pdev;
	size_t rsp_len = 0;
	int err;

	if (req_len < 0)
		return req_len;
	if (!pd->connected)
		return trace_err(-E_NODEV);
	err = pd->ops->vdm(pd, TDISP_PROTOCOL_ID, pd->req, (size_t)req_len, pd->rsp,
			   sizeof(pd->rsp), &rsp_len);
	if (err)
		return err;
	if (rsp_len > sizeof(pd->rsp))
		return trace_err(-E_PROTO);
	err = tdisp_parse_rsp(pd->rsp, rsp_len, code, t->function_id, body, len, &t->last_err);
	if (err && t->last_err.code)
		pr_warn("function 0x%x: request 0x%x refused: TDISP_ERROR %s (0x%x)",
			t->function_id, code, tdisp_err_name(t->last_err.code), t->last_err.code);
	return err;
}

static int tdisp_simple(struct tdi *t, u8 code, const u8 **body, size_t *len)
{
	int n = tdisp_build_req(t->pdev->req, sizeof(t->pdev->req), code, t->function_id, NULL, 0);

	return tdisp_exchange(t, n, code, body, len);
}

int tdisp_req_version(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_GET_VERSION, &body, &len);

	return err ? err : tdisp_parse_version(body, len, TDISP_VERSION_1_0);
}

int tdisp_req_caps(struct tdi *t, struct tdisp_caps *caps)
{
	u8 tsm_caps[TDISP_GETCAPS_LEN] = { 0 }; /* TSM_CAPS: none defined in TDISP 1.0 */
	const u8 *body;
	size_t len;
	int n = tdisp_build_req(t->pdev->req, sizeof(t->pdev->req), TDISP_GET_CAPABILITIES,
				t->function_id, tsm_caps, sizeof(tsm_caps));
	int err = tdisp_exchange(t, n, TDISP_GET_CAPABILITIES, &body, &len);

	return err ? err : tdisp_parse_caps(body, len, caps);
}

int tdisp_req_lock(struct tdi *t, const struct tdisp_lock_req *lk)
{
	const u8 *body;
	size_t len;
	int n = tdisp_build_lock(t->pdev->req, sizeof(t->pdev->req), t->function_id, lk);
	int err = tdisp_exchange(t, n, TDISP_LOCK_INTERFACE, &body, &len);

	if (!err)
		err = tdisp_parse_lock(body, len, t->nonce);
	t->nonce_valid = !err;
	return err;
}

/* One portion at `off`; checks that the total (offset + portion + remainder) never changes. */
static int tdisp_report_portion(struct tdi *t, u16 off, size_t *total, u8 *buf, size_t cap,
				u16 *got)
{
	struct tdisp_report_portion p;
	const u8 *body;
	size_t len, end;
	int n = tdisp_build_get_report(t->pdev->req, sizeof(t->pdev->req), t->function_id, off,
				       TSM_REPORT_CHUNK);
	int err = tdisp_exchange(t, n, TDISP_GET_DEVICE_INTERFACE_REPORT, &body, &len);

	if (!err)
		err = tdisp_parse_report_portion(body, len, TSM_REPORT_CHUNK, &p);
	if (err)
		return err;
	end = (size_t)off + p.portion_len + p.remainder_len;
	if (*total == 0)
		*total = end;
	if (end != *total)
		return trace_err(-E_PROTO);
	if (end > cap)
		return trace_err(-E_NOSPC);
	memcpy(buf + off, p.data, p.portion_len);
	*got = p.portion_len;
	return 0;
}

int tdisp_req_report(struct tdi *t, u8 *buf, size_t cap, size_t *len)
{
	size_t total = 0, off = 0;
	int err;

	if (cap > 0xffff)
		cap = 0xffff; /* OFFSET is 16 bits */
	do {
		u16 got = 0;

		err = tdisp_report_portion(t, (u16)off, &total, buf, cap, &got);
		if (err)
			return err;
		off += got;
	} while (off < total);
	if (total == 0)
		return trace_err(-E_PROTO);
	*len = total;
	return 0;
}

int tdisp_req_state(struct tdi *t, enum tdisp_state *state)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_GET_DEVICE_INTERFACE_STATE, &body, &len);

	return err ? err : tdisp_parse_state(body, len, state);
}

int tdisp_req_start(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int n, err;

	if (!t->nonce_valid)
		return trace_err(-E_STATE);
	n = tdisp_build_start(t->pdev->req, sizeof(t->pdev->req), t->function_id, t->nonce);
	/* The nonce is single use: forget it whatever the device answers (and the request copy). */
	memset(t->nonce, 0, sizeof(t->nonce));
	t->nonce_valid = false;
	err = tdisp_exchange(t, n, TDISP_START_INTERFACE, &body, &len);
	memset(t->pdev->req, 0, sizeof(t->pdev->req));
	return err ? err : tdisp_parse_empty(body, len);
}

int tdisp_req_stop(struct tdi *t)
{
	const u8 *body;
	size_t len;
	int err = tdisp_simple(t, TDISP_STOP_INTERFACE, &body, &len);

	return err ? err : tdisp_parse_empty(body, len);
}
